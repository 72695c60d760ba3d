"""Handrail's own small PERSON model: one more source of name candidates (issue 13).

A spaCy pipeline of a tokenizer and one ``ner`` component (hash embeddings + a 3-layer CNN of width 64 + a
transition-based parser), PERSON only, trained on a synthetic corpus by ``bench/train_person_ner.py`` and shipped
in ``detectors/models/person_ner``. It is loaded from that directory by path: nothing is downloaded, no package is
looked up. With ``detection.trained_person_model`` on, its PERSON spans go to the PERSON recognizer as candidates
with their own evidence label, and pass the same checks as spaCy's (places, organisations, titles …).

Unlike the main model it reads every text in full, not only the sentences with a capitalised word: it was trained
on hurried lower-case notes ("dad is terry mcgowan") too.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language

MODEL_PATH = Path(__file__).with_name("models") / "person_ner"

#: longest text given to the model at once, and how much consecutive windows share
CHUNK_CHARS = 20_000
CHUNK_OVERLAP = 500


@lru_cache(maxsize=1)
def person_model() -> Language:
    """The shipped model, loaded once per process."""
    return spacy.load(MODEL_PATH)


def person_spans(text: str) -> list[tuple[int, int]]:
    """Character offsets of the names the model finds in ``text`` (long texts read in overlapping windows)."""
    from detectors.nlp import windows  # here, not at import: detectors.nlp imports the recognizers

    nlp = person_model()
    if len(text) <= CHUNK_CHARS:
        return [(ent.start_char, ent.end_char) for ent in nlp(text).ents if ent.label_ == "PERSON"]
    parts = windows(len(text), CHUNK_CHARS, CHUNK_OVERLAP)
    spans: list[tuple[int, int]] = []
    docs = nlp.pipe(text[start:end] for start, end, _, _ in parts)
    for (start, _end, keep_from, keep_to), doc in zip(parts, docs, strict=True):
        spans.extend(
            (start + ent.start_char, start + ent.end_char)
            for ent in doc.ents
            if ent.label_ == "PERSON" and keep_from <= start + ent.start_char < keep_to
        )
    return spans
