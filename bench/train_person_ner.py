"""Train the small PERSON-only NER model shipped in ``detectors/models/person_ner`` (issue 13).

    /tmp/fk/bin/python bench/person_ner_corpus.py --count 14000 --seed 13 > /tmp/person_ner_train.jsonl
    PYTHONPATH=. python bench/train_person_ner.py /tmp/person_ner_train.jsonl [--minutes 6] [--seed 13]

A blank English pipeline (spaCy's tokenizer) with one ``ner`` component whose own embedding layer is a small
hash-embedding CNN (width 64, depth 3, 4 attributes: NORM, PREFIX, SUFFIX, SHAPE) and a transition-based parser of
hidden width 64: no word vectors, nothing pretrained, a few MB on disk. Trained on CPU with spaCy's ordinary
update loop for ``--epochs`` passes or ``--minutes`` of wall time, whichever comes first; 10 % of the corpus is held
back and scored at the end of every epoch, and the best epoch is what is written. Seeded (``--seed``: the split,
the batches and thinc's initial weights), so the same corpus and seed give the same model on the same machine.

The corpus comes only from ``bench/person_ner_corpus.py`` (Faker names, the package's GeoNames places, templates
written by hand). Never train on ``../shared/eval`` or ``bench/data``: they are what the model is measured on.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import compile_infix_regex, compounding, fix_random_seed, minibatch

REPOSITORY = Path(__file__).resolve().parents[1]
OUTPUT = REPOSITORY / "detectors" / "models" / "person_ner"

NER_CONFIG = {
    "model": {
        "@architectures": "spacy.TransitionBasedParser.v2",
        "state_type": "ner",
        "extra_state_tokens": False,
        "hidden_width": 64,
        "maxout_pieces": 2,
        "use_upper": True,
        "nO": None,
        "tok2vec": {
            "@architectures": "spacy.HashEmbedCNN.v2",
            "pretrained_vectors": None,
            "width": 64,
            "depth": 3,
            "embed_size": 4000,
            "window_size": 1,
            "maxout_pieces": 3,
            "subword_features": True,
        },
    }
}


def blank_pipeline() -> Language:
    nlp = spacy.blank("en")
    # Records are written "3,Okafor,Chinwe,…" or "Okafor|Chinwe": split such runs into words (saved with the model).
    infixes = [*nlp.Defaults.infixes, r"[,;|]"]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    nlp.add_pipe("ner", config=NER_CONFIG)
    nlp.get_pipe("ner").add_label("PERSON")  # type: ignore[attr-defined]
    nlp.meta.update(
        {
            "name": "handrail_person_ner",
            "version": "0.1.0",
            "description": "PERSON-only NER for Handrail, trained on bench/person_ner_corpus.py (synthetic)",
            "license": "MIT",
        }
    )
    return nlp


def examples(nlp: Language, path: Path) -> tuple[list[Example], int]:
    """The corpus as spaCy examples; spans that do not fall on token boundaries are trimmed to them."""
    result, dropped = [], 0
    for line in path.open(encoding="utf-8"):
        record = json.loads(line)
        doc: Doc = nlp.make_doc(record["text"])
        spans = []
        for start, end in record["spans"]:
            span = doc.char_span(start, end, label="PERSON", alignment_mode="contract")
            if span is None or not span.text.strip():
                dropped += 1
                continue
            spans.append(span)
        reference = doc.copy()
        reference.set_ents(spans)
        result.append(Example(nlp.make_doc(record["text"]), reference))
    return result, dropped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path, help="JSONL from bench/person_ner_corpus.py")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--minutes", type=float, default=6.0, help="stop after the epoch that passes this")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--dropout", type=float, default=0.15)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()

    fix_random_seed(args.seed)
    rng = random.Random(args.seed)
    nlp = blank_pipeline()
    data, dropped = examples(nlp, args.corpus)
    rng.shuffle(data)
    held = max(1, len(data) // 10)
    dev, train = data[:held], data[held:]
    print(f"{len(train)} training and {len(dev)} held-back documents; {dropped} spans off token boundaries dropped")

    optimizer = nlp.initialize(lambda: train)
    started = time.perf_counter()
    best, best_bytes = -1.0, b""
    for epoch in range(args.epochs):
        rng.shuffle(train)
        losses: dict[str, float] = {}
        for batch in minibatch(train, size=compounding(8.0, 64.0, 1.02)):
            nlp.update(batch, drop=args.dropout, sgd=optimizer, losses=losses)
        with nlp.use_params(optimizer.averages):
            scores = nlp.evaluate(dev)
            f = float(scores["ents_f"])
            if f > best:
                best, best_bytes = f, nlp.to_bytes()
        minutes = (time.perf_counter() - started) / 60
        print(
            f"epoch {epoch + 1}: loss {losses['ner']:.0f}, held-back P/R/F {scores['ents_p']:.3f}/"
            f"{scores['ents_r']:.3f}/{f:.3f}, {minutes:.1f} min",
            flush=True,
        )
        if minutes > args.minutes:
            break
    nlp.from_bytes(best_bytes)
    nlp.meta["performance"] = {"synthetic_held_back_f": round(best, 4)}
    args.output.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(args.output)
    size = sum(p.stat().st_size for p in args.output.rglob("*") if p.is_file())
    print(f"wrote {args.output} ({size / 1e6:.1f} MB), best held-back F {best:.3f}")


if __name__ == "__main__":
    main()
