"""Client headers are supporting evidence only."""

from __future__ import annotations

from detectors.usage import detect_usage_signals
from proxy.formats import parse_request

PLAIN = {"model": "m", "messages": [{"role": "user", "content": "Summarise the spending review."}]}
WITH_TOOL = {**PLAIN, "tools": [{"type": "function", "function": {"name": "lookup", "description": "Look up a case"}}]}


def test_a_framework_header_alone_never_raises_a_signal():
    headers = {"User-Agent": "langchain-openai/0.3.1", "X-Title": "CrewAI"}
    assert detect_usage_signals(parse_request("/v1/chat/completions", PLAIN, headers)) == []


def test_a_framework_header_is_added_to_existing_evidence():
    signals = detect_usage_signals(parse_request("/v1/chat/completions", WITH_TOOL, {"User-Agent": "LangChain/0.3"}))
    assert [s.type for s in signals] == ["agentic"]
    assert "LangChain" in signals[0].evidence and "lookup" in signals[0].evidence
