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

import spacy
from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine

# Components that the recognizers do not use; NER and the embedding layer it listens to stay.
UNUSED_COMPONENTS = ("tagger", "parser", "attribute_ruler", "lemmatizer", "trainable_lemmatizer", "senter",
                     "morphologizer", "textcat", "textcat_multilabel", "spancat", "entity_linker")  # fmt: skip


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


class TrimmedSpacyNlpEngine(SpacyNlpEngine):
    """Presidio's spaCy engine over a pipeline that only tokenises and finds named entities."""

    def __init__(self, model: str) -> None:
        super().__init__(models=[{"lang_code": "en", "model_name": model}])
        self.model = model

    def load(self) -> None:
        self.nlp = {"en": load_pipeline(self.model)}

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        return self._doc_to_nlp_artifact(self.nlp[language](text), language)

    def _doc_to_nlp_artifact(self, doc, language):  # type: ignore[no-untyped-def]
        # Entities keep spaCy's own labels (PERSON, ORG, GPE …); no lemmas, so no keywords to compute.
        return NlpArtifacts(
            entities=list(doc.ents),
            tokens=doc,
            tokens_indices=[token.idx for token in doc],
            lemmas=[],
            nlp_engine=self,
            language=language,
            scores=[self.ner_model_configuration.default_score] * len(doc.ents),
        )
