"""The spaCy pipeline behind the analyzer, trimmed to what the recognizers use.

Handrail's recognizers read only spaCy's named entities (PERSON and the labels a
name is often mis-filed under); context words are matched on plain text, not
lemmas. So the tagger, parser, attribute ruler, lemmatizer and sentence
recognizer are not loaded — about a third of spaCy's time per text. The model is
configuration (``spacy_model``): any installed spaCy pipeline with an ``ner``
component works, e.g. ``en_core_web_lg`` or a transformer model.

Unlike Presidio's engine, a missing model is an error, never a download: the
gateway runs without internet access.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

import spacy
from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine

from detectors.recognizers.person import name_bearing_spans

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


class TrimmedSpacyNlpEngine(SpacyNlpEngine):
    """Presidio's spaCy engine over a pipeline that only tokenises and finds named entities.

    With ``only_where_names_may_be`` (the default), NER runs only over the sentences where a name could be
    (see :func:`detectors.recognizers.person.name_bearing_spans`), joined into one shorter text; entity offsets
    are mapped back to the original text. Prose without proper names costs a tokenisation and nothing more.
    """

    def __init__(self, model: str, only_where_names_may_be: bool = True) -> None:
        super().__init__(models=[{"lang_code": "en", "model_name": model}])
        self.model = model
        self.only_where_names_may_be = only_where_names_may_be

    def load(self) -> None:
        self.nlp = {"en": load_pipeline(self.model)}

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        nlp = self.nlp[language]
        spans = name_bearing_spans(text) if self.only_where_names_may_be else [(0, len(text))]
        if spans == [(0, len(text))]:
            doc = nlp(text)
            entities = [Entity(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents]
            return self._artifacts(doc, entities, language)
        if not spans:
            return self._artifacts(nlp.make_doc(text), [], language)
        # One text made of the selected sentences, and where each starts in it and in the original.
        starts_in_joined, starts_in_text, pieces, length = [], [], [], 0
        for start, end in spans:
            starts_in_joined.append(length)
            starts_in_text.append(start)
            pieces.append(text[start:end])
            length += end - start + 1
        doc = nlp("\n".join(pieces))

        def original(offset: int) -> int:
            index = bisect_right(starts_in_joined, offset) - 1
            return starts_in_text[index] + offset - starts_in_joined[index]

        entities = [Entity(original(ent.start_char), original(ent.end_char - 1) + 1, ent.label_) for ent in doc.ents]
        return self._artifacts(doc, entities, language)

    def _artifacts(self, doc, entities: list[Entity], language: str) -> NlpArtifacts:  # type: ignore[no-untyped-def]
        # No lemmas, so Presidio computes no keywords: the recognizers score context from plain words.
        return NlpArtifacts(
            entities=entities,  # type: ignore[arg-type]
            tokens=doc,
            tokens_indices=[token.idx for token in doc],
            lemmas=[],
            nlp_engine=self,
            language=language,
            scores=[self.ner_model_configuration.default_score] * len(entities),
        )
