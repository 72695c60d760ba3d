"""Scanner: conversations in, findings per part; the per-text cache."""

from __future__ import annotations

import json

import pytest

from detectors.scanner import AnalysisCache, Scanner
from detectors.settings import DetectionSettings
from proxy.batch import scan_lines
from proxy.formats import parse_request


@pytest.fixture(scope="module")
def scanner(analyzer) -> Scanner:
    # Reuse the session's analyzer: loading spaCy again would slow the suite.
    scanner = Scanner.__new__(Scanner)
    scanner.settings = DetectionSettings()
    scanner._analyzer = analyzer
    scanner._cache = AnalysisCache(100)
    return scanner


def test_findings_carry_the_part_they_were_found_in(scanner):
    body = {
        "model": "demo",
        "messages": [
            {"role": "system", "content": "You help caseworkers."},
            {"role": "user", "content": "Her NI number is AB123456C."},
            {"role": "assistant", "content": "Noted."},
            {"role": "user", "content": "Email her at ann@example.com"},
        ],
    }
    conversation = parse_request("/v1/chat/completions", body)
    result = scanner.scan(conversation)
    located = [(f.type, conversation.parts[f.part].text[f.start : f.end]) for f in result.findings]
    assert located == [("UK_NINO", "AB123456C"), ("EMAIL_ADDRESS", "ann@example.com")]
    assert [conversation.parts[f.part].role for f in result.findings] == ["user", "user"]


def test_cache_returns_copies_and_is_bounded():
    cache = AnalysisCache(2)
    keys = [AnalysisCache.key(text) for text in ("a", "b", "c")]
    for key in keys:
        cache.put(key, [])
    assert cache.get(keys[0]) is None and cache.get(keys[2]) == []


def test_repeated_text_is_analysed_once(scanner, monkeypatch):
    calls = []
    original = scanner._analyzer.analyze
    monkeypatch.setattr(scanner._analyzer, "analyze", lambda text: calls.append(text) or original(text))
    text = "Ring 07700 900123 about the repair, said Gareth Evans."
    first = scanner.analyze_text(text)
    second = scanner.analyze_text(text)
    assert first == second
    assert [f.type for f in first] == ["PHONE_NUMBER", "PERSON"]
    assert calls == [text]


def test_batch_text_lines_follow_the_contract(scanner):
    lines = ['{"id": "a", "text": "NHS number 943 476 5919"}', "", '{"id": "b", "text": "nothing here"}', "not json"]
    out = list(scan_lines(lines, scanner))
    records = [json.loads(line) for line in out]
    assert records[0] == {
        "id": "a",
        "findings": [{"type": "UK_NHS", "start": 11, "end": 23, "score": 0.95}],
        "signals": [],
    }
    assert records[1] == {"id": "b", "findings": [], "signals": []}
    assert records[2]["id"] is None and "not valid JSON" in records[2]["error"]


def test_the_demo_models_answer_is_clean(found):
    from proxy.config import DEMO_ANSWER

    # The answer check would otherwise redact part of the demo model's own answer.
    assert found(DEMO_ANSWER) == []
