"""The Presidio analyzer: a real spaCy model plus Handrail's recognizers.

Differences from a vanilla ``AnalyzerEngine()``:

- the recognizers are Handrail's (``detectors.recognizers``): UK identifiers,
  markings and credentials, and none of Presidio's US-centric or noisy defaults;
- the spaCy pipeline keeps only NER (``detectors.nlp``), and context is scored by
  each recognizer from plain words, so Presidio's lemma-based enhancer is off;
- where findings of different types overlap, one reading of the text wins: the
  higher score, then the longer span (an IBAN is not also a bank account number).
"""

from __future__ import annotations

from presidio_analyzer import AnalyzerEngine, RecognizerRegistry, RecognizerResult
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer

from detectors.findings import Finding
from detectors.nlp import TrimmedSpacyNlpEngine
from detectors.offline import use_bundled_public_suffix_list
from detectors.recognizers import handrail_recognizers
from detectors.settings import DetectionSettings


class _ScoredByRecognizers(ContextAwareEnhancer):
    """Context is already in each recognizer's score; nothing to add."""

    def __init__(self) -> None:
        super().__init__(
            context_similarity_factor=0.0,
            min_score_with_context_similarity=0.0,
            context_prefix_count=0,
            context_suffix_count=0,
        )

    def enhance_using_context(  # type: ignore[no-untyped-def]
        self, text, raw_results, nlp_artifacts, recognizers, context=None
    ):
        return raw_results


class TextAnalyzer:
    """Finds sensitive data in one text."""

    def __init__(self, settings: DetectionSettings) -> None:
        use_bundled_public_suffix_list()
        self._settings = settings
        nlp_engine = TrimmedSpacyNlpEngine(settings.spacy_model, settings.ner_only_where_names_may_be)
        nlp_engine.load()
        registry = RecognizerRegistry(recognizers=handrail_recognizers(), supported_languages=["en"])
        self._engine = AnalyzerEngine(
            registry=registry,
            nlp_engine=nlp_engine,
            supported_languages=["en"],
            context_aware_enhancer=_ScoredByRecognizers(),
        )

    def analyze(self, text: str) -> list[Finding]:
        if not text.strip():
            return []
        results = self._engine.analyze(text=text, language="en", score_threshold=self._settings.score_threshold)
        return [Finding(r.entity_type, r.start, r.end, round(float(r.score), 4)) for r in one_reading(results)]


def one_reading(results: list[RecognizerResult]) -> list[RecognizerResult]:
    """Drop findings that overlap a stronger finding of another type; sorted by position."""
    kept: list[RecognizerResult] = []
    for result in sorted(results, key=lambda r: (-r.score, -(r.end - r.start), r.start)):
        if all(result.end <= other.start or other.end <= result.start for other in kept):
            kept.append(result)
    return sorted(kept, key=lambda r: (r.start, r.end, r.entity_type))
