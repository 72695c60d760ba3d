"""The Presidio analyzer: a real spaCy model plus Handrail's recognizers.

Differences from a vanilla ``AnalyzerEngine()``:

- the recognizers are Handrail's (``detectors.recognizers``): UK identifiers,
  markings and credentials, and none of Presidio's US-centric or noisy defaults;
- the spaCy pipeline keeps only NER (``detectors.nlp``), and context is scored by
  each recognizer from plain words, so Presidio's lemma-based enhancer is off;
- where findings of different types overlap, one reading of the text wins: the
  higher score, then the longer span (an IBAN is not also a bank account number);
- the recognizers read the text's canonical form (``detectors.canonical_text``:
  NFKC, invisible characters removed, look-alike letters, dashes, spaces and
  digits folded), so each sees one spelling of an identifier; findings are
  mapped back to offsets in the text as the user wrote it.
"""

from __future__ import annotations

from bisect import bisect_right

from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry, RecognizerResult
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts

from core.findings import Finding
from detectors.canonical_text import canonical_text
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

    def enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
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
        reading = canonical_text(text)
        if not reading.text.strip():
            return []  # only invisible characters
        results = self._engine.analyze(text=reading.text, language="en", score_threshold=self._settings.score_threshold)
        findings = []
        for result in one_reading(results):
            start, end = reading.original_span(result.start, result.end)
            findings.append(Finding(result.entity_type, start, end, round(float(result.score), 4)))
        return findings


def one_reading(results: list[RecognizerResult]) -> list[RecognizerResult]:
    """Drop findings that overlap a stronger finding of another type; sorted by position.

    The kept findings never overlap, so they are held sorted by start and a new one is checked against its two
    neighbours only: a text with tens of thousands of findings costs n log n, not n².
    """
    starts: list[int] = []
    kept: list[RecognizerResult] = []  # in the order of ``starts``
    for result in sorted(results, key=lambda r: (-r.score, -(r.end - r.start), r.start)):
        index = bisect_right(starts, result.start)
        if index > 0 and kept[index - 1].end > result.start:
            continue  # overlaps the kept finding that starts at or before it
        if index < len(kept) and kept[index].start < result.end:
            continue  # overlaps the kept finding that starts after it
        starts.insert(index, result.start)
        kept.insert(index, result)
    return sorted(kept, key=lambda r: (r.start, r.end, r.entity_type))
