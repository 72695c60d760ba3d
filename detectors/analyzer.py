"""The Presidio analyzer: a real spaCy model plus Handrail's recognizers."""

from __future__ import annotations

from presidio_analyzer import AnalyzerEngine
from presidio_analyzer.nlp_engine import NlpEngineProvider

from detectors.findings import Finding
from detectors.offline import use_bundled_public_suffix_list
from detectors.settings import DetectionSettings


class TextAnalyzer:
    """Finds sensitive data in one text."""

    def __init__(self, settings: DetectionSettings) -> None:
        use_bundled_public_suffix_list()
        self._settings = settings
        provider = NlpEngineProvider(
            nlp_configuration={
                "nlp_engine_name": "spacy",
                "models": [{"lang_code": "en", "model_name": settings.spacy_model}],
            }
        )
        self._engine = AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])

    def analyze(self, text: str) -> list[Finding]:
        if not text.strip():
            return []
        results = self._engine.analyze(text=text, language="en", score_threshold=self._settings.score_threshold)
        return sorted(
            (Finding(r.entity_type, r.start, r.end, round(float(r.score), 4)) for r in results),
            key=lambda f: (f.start, f.end, f.type),
        )
