"""Fixtures for detector tests: the analyzer (spaCy loaded once per session) and small helpers."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from presidio_analyzer import EntityRecognizer

from detectors.analyzer import TextAnalyzer
from detectors.settings import DetectionSettings

THRESHOLD = DetectionSettings().score_threshold


@pytest.fixture(scope="session")
def analyzer() -> TextAnalyzer:
    return TextAnalyzer(DetectionSettings())


@pytest.fixture(scope="session")
def found(analyzer: TextAnalyzer) -> Callable[[str], list[tuple[str, str]]]:
    """``found(text)`` → [(type, value), …] as the whole analyzer reports them."""

    def run(text: str) -> list[tuple[str, str]]:
        return [(f.type, f.value(text)) for f in analyzer.analyze(text)]

    return run


@pytest.fixture(scope="session")
def values() -> Callable[[EntityRecognizer, str], list[str]]:
    """``values(recognizer, text)`` → the values one recognizer reports at the analyzer's threshold."""

    def run(recognizer: EntityRecognizer, text: str) -> list[str]:
        results = [r for r in recognizer.analyze(text, recognizer.supported_entities) if r.score >= THRESHOLD]
        # As in the analyzer: one result per span, and none inside a stronger one of the same type.
        results = EntityRecognizer.remove_duplicates(results)
        return [text[r.start : r.end] for r in sorted(results, key=lambda r: r.start)]

    return run
