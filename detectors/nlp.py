"""The spaCy pipeline behind the analyzer, trimmed to what the recognizers use.

Handrail's recognizers read only spaCy's named entities (PERSON and the labels a
name is often mis-filed under); context words are matched on plain text, not
lemmas. So the tagger, parser, attribute ruler, lemmatizer and sentence
recognizer are not loaded — about a third of spaCy's time per text. The model is
configuration (``spacy_model``): any installed spaCy pipeline with an ``ner``
component works, e.g. ``en_core_web_lg`` or a transformer model.

Unlike Presidio's engine, a missing model is an error, never a download: the
gateway runs without internet access.

Texts longer than a window (``chunk_chars``, 100,000 characters: spaCy's NER
needs about 1 GB of temporary memory per 100,000 characters, and refuses texts
over its ``max_length`` outright) are read in overlapping windows; each window
keeps the entities that start in its middle, so a name cut by one window's edge
is found whole by its neighbour.

spaCy's tokenizer takes time quadratic in the length of a token without spaces
(32,000 characters of ``https://a:`` repeated: 5 s). No name is that long, so
before spaCy reads a text, each run of more than ``LONG_TOKEN`` non-space
characters has its punctuation replaced by spaces and is broken every
``LONG_TOKEN`` characters. The replacement keeps every offset; the recognizers
still read the text as it was.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

import regex as re
import spacy
from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine
from spacy.tokens import Doc

from detectors.person_model import person_model, person_spans
from detectors.recognizers.person import TRAINED_MODEL_LABEL, name_bearing_spans

# Components that the recognizers do not use; NER and the embedding layer it listens to stay.
UNUSED_COMPONENTS = (
    "tagger",
    "parser",
    "attribute_ruler",
    "lemmatizer",
    "trainable_lemmatizer",
    "senter",
    "morphologizer",
    "textcat",
    "textcat_multilabel",
    "spancat",
    "entity_linker",
)


LONG_TOKEN = 64
_LONG_RUN = re.compile(rf"\S{{{LONG_TOKEN + 1},}}")
_PUNCTUATION = re.compile(r"[^\p{L}\p{N}]")
_LONG_WORD = re.compile(rf"[\p{{L}}\p{{N}}]{{{LONG_TOKEN}}}(?=[\p{{L}}\p{{N}}])")


def _short_tokens(match: re.Match[str]) -> str:
    run = _PUNCTUATION.sub(" ", match.group())
    return _LONG_WORD.sub(lambda word: word.group()[:-1] + " ", run)


def without_long_tokens(text: str) -> str:
    """``text`` with the same length, its runs of more than LONG_TOKEN non-space characters cut into short words."""
    return _LONG_RUN.sub(_short_tokens, text)


class ModelNotInstalled(RuntimeError):
    pass


def load_pipeline(model: str) -> spacy.language.Language:
    """Load an installed spaCy pipeline without the components the recognizers do not use."""
    try:
        nlp = spacy.load(model, exclude=list(UNUSED_COMPONENTS))
    except OSError:
        raise ModelNotInstalled(
            f"spaCy model {model!r} is not installed: install its package (nothing is downloaded at run time) "
            "or set detection.spacy_model to an installed model"
        ) from None
    if "ner" not in nlp.pipe_names:
        raise ModelNotInstalled(f"spaCy model {model!r} has no 'ner' component")
    return nlp


@dataclass(frozen=True, slots=True)
class Entity:
    """A named entity with offsets into the analysed text (spaCy's own label: PERSON, ORG, GPE …)."""

    start_char: int
    end_char: int
    label_: str


def windows(length: int, size: int, overlap: int) -> list[tuple[int, int, int, int]]:
    """Overlapping windows over ``length`` characters: ``(start, end, keep_from, keep_to)``.

    The ``keep`` ranges tile ``[0, length)`` without gaps or overlaps; each lies at least ``overlap // 2`` characters
    inside its window, except at the ends of the text.
    """
    if length <= size:
        return [(0, length, 0, length)]
    step = size - overlap
    starts = list(range(0, length - overlap, step))
    result = []
    for index, start in enumerate(starts):
        end = min(start + size, length)
        keep_from = 0 if index == 0 else start + overlap // 2
        keep_to = length if index == len(starts) - 1 else starts[index + 1] + overlap // 2
        result.append((start, end, keep_from, keep_to))
    return result


class _Joined:
    """The selected sentences of a text joined into one shorter text, with a map from its offsets to the original's.

    ``spans`` None selects the whole text.
    """

    def __init__(self, text: str, spans: list[tuple[int, int]] | None) -> None:
        if spans is None or spans == [(0, len(text))]:
            self.text, self._starts_in_joined, self._starts_in_text = text, [0], [0]
            return
        self._starts_in_joined, self._starts_in_text = [], []
        pieces, length = [], 0
        for start, end in spans:
            self._starts_in_joined.append(length)
            self._starts_in_text.append(start)
            pieces.append(text[start:end])
            length += end - start + 1
        self.text = "\n".join(pieces)

    def original(self, offset: int) -> int:
        index = bisect_right(self._starts_in_joined, offset) - 1
        return self._starts_in_text[index] + offset - self._starts_in_joined[index]


class TrimmedSpacyNlpEngine(SpacyNlpEngine):
    """Presidio's spaCy engine over a pipeline that only tokenises and finds named entities.

    With ``only_where_names_may_be`` (the default), NER runs only over the sentences where a name could be
    (see :func:`detectors.recognizers.person.name_bearing_spans`), joined into one shorter text; entity offsets
    are mapped back to the original text. Prose without proper names costs a tokenisation and nothing more.
    """

    #: longest text given to spaCy at once, and how much consecutive windows share (longer than any name)
    chunk_chars = 100_000
    chunk_overlap = 1_000

    def __init__(self, model: str, only_where_names_may_be: bool = True, trained_person_model: bool = False) -> None:
        super().__init__(models=[{"lang_code": "en", "model_name": model}])
        self.model = model
        self.only_where_names_may_be = only_where_names_may_be
        self.trained_person_model = trained_person_model

    def load(self) -> None:
        self.nlp = {"en": load_pipeline(self.model)}  # type: ignore[assignment]  # Presidio declares it None until loaded
        if self.trained_person_model:
            person_model()

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        artifacts = self._process_text(text, language)
        if self.trained_person_model:
            # Handrail's own PERSON model reads the sentences holding a word that may be a name, in any case (it
            # knows lower-case names and names opening a sentence); its spans are one more kind of entity for the
            # PERSON recognizer.
            spans = name_bearing_spans(text, words_of_any_case=True) if self.only_where_names_may_be else None
            joined = _Joined(text, spans)
            extra = [
                Entity(joined.original(start), joined.original(end - 1) + 1, TRAINED_MODEL_LABEL)
                for start, end in (person_spans(without_long_tokens(joined.text)) if joined.text else ())
            ]
            if extra:
                return self._artifacts(artifacts.tokens, [*artifacts.entities, *extra], language)  # type: ignore[list-item]
        return artifacts

    def _process_text(self, text: str, language: str) -> NlpArtifacts:
        nlp = self.nlp[language]  # type: ignore[index]  # loaded by load(), before any text
        joined = _Joined(text, name_bearing_spans(text) if self.only_where_names_may_be else None)
        if not joined.text:
            # Nothing to read; the recognizers do not use tokens, so the text is not even tokenised.
            return self._artifacts(nlp.make_doc(""), [], language)
        doc, joined_entities = self._entities(nlp, joined.text)
        entities = [
            Entity(joined.original(ent.start_char), joined.original(ent.end_char - 1) + 1, ent.label_)
            for ent in joined_entities
        ]
        return self._artifacts(doc, entities, language)

    def _entities(self, nlp: spacy.language.Language, text: str) -> tuple[Doc, list[Entity]]:
        """The doc for ``text`` (an empty one when it is read in windows) and its named entities."""
        text = without_long_tokens(text)
        size = min(self.chunk_chars, nlp.max_length)
        if len(text) <= size:
            doc = nlp(text)
            return doc, [Entity(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents]
        entities: list[Entity] = []
        parts = windows(len(text), size, self.chunk_overlap)
        docs = nlp.pipe(text[start:end] for start, end, _, _ in parts)
        for (start, _end, keep_from, keep_to), doc in zip(parts, docs, strict=True):
            entities.extend(
                Entity(start + ent.start_char, start + ent.end_char, ent.label_)
                for ent in doc.ents
                if keep_from <= start + ent.start_char < keep_to
            )
        # The recognizers read only the entities; Presidio is given an empty token list.
        return nlp.make_doc(""), entities

    def _artifacts(self, doc: Doc, entities: list[Entity], language: str) -> NlpArtifacts:
        # No lemmas, so Presidio computes no keywords: the recognizers score context from plain words.
        return NlpArtifacts(
            entities=entities,  # type: ignore[arg-type]  # Presidio says spaCy Spans; its recognizers read only offsets and label
            tokens=doc,
            tokens_indices=[token.idx for token in doc],
            lemmas=[],
            nlp_engine=self,
            language=language,
            scores=[float(self.ner_model_configuration.default_score or 0.0)] * len(entities),
        )
