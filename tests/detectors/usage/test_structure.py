"""Signals from structure, in each API shape."""

from __future__ import annotations

import pytest

from detectors.usage import detect_usage_signals
from proxy.formats import parse_request


def signals(endpoint: str, body: dict, headers: dict | None = None) -> dict[str, str]:
    return {s.type: s.evidence for s in detect_usage_signals(parse_request(endpoint, body, headers or {}))}


def chat(**extra) -> dict:
    return {"model": "m", "messages": [{"role": "user", "content": "Help me."}], **extra}


def function(name: str, description: str) -> dict:
    return {
        "type": "function",
        "function": {"name": name, "description": description, "parameters": {"type": "object"}},
    }


def test_a_declared_function_tool_is_agentic():
    found = signals("/v1/chat/completions", chat(tools=[function("create_ticket", "Create a service desk ticket")]))
    assert set(found) == {"agentic"}
    assert "create_ticket" in found["agentic"]


def test_function_tools_that_search_the_web_or_run_code():
    found = signals(
        "/v1/chat/completions",
        chat(tools=[function("web_search", "Search the web"), function("shell", "Run a shell command")]),
    )
    assert set(found) == {"agentic", "internet", "self_coding"}


def test_legacy_functions_and_web_search_options():
    assert set(signals("/v1/chat/completions", chat(functions=[{"name": "lookup", "description": "Look up"}]))) == {
        "agentic"
    }
    assert set(signals("/v1/chat/completions", chat(web_search_options={}))) == {"agentic", "internet"}


def test_tool_calls_and_results_in_the_history():
    body = {
        "model": "m",
        "messages": [
            {"role": "user", "content": "Go."},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"id": "1", "type": "function", "function": {"name": "fetch_url", "arguments": "{}"}}],
            },
            {"role": "tool", "tool_call_id": "1", "content": "ok"},
        ],
    }
    found = signals("/v1/chat/completions", body)
    assert set(found) == {"agentic", "internet"}
    assert "history" in found["agentic"]


@pytest.mark.parametrize(
    ("tool", "expected"),
    [
        ({"type": "web_search_preview"}, {"agentic", "internet"}),
        ({"type": "code_interpreter", "container": {"type": "auto"}}, {"agentic", "self_coding"}),
        ({"type": "file_search", "vector_store_ids": ["v"]}, {"agentic"}),
        ({"type": "mcp", "server_label": "casework", "server_url": "https://x.invalid"}, {"agentic"}),
        ({"type": "function", "name": "send_email", "description": "Send an email"}, {"agentic"}),
    ],
)
def test_responses_tools(tool, expected):
    assert set(signals("/v1/responses", {"model": "m", "input": "Do it.", "tools": [tool]})) == expected


@pytest.mark.parametrize(
    ("tool", "expected"),
    [
        ({"type": "web_search_20250305", "name": "web_search"}, {"agentic", "internet"}),
        ({"type": "code_execution_20250522", "name": "code_execution"}, {"agentic", "self_coding"}),
        ({"type": "bash_20250124", "name": "bash"}, {"agentic", "self_coding"}),
        ({"name": "get_weather", "description": "Weather for a city", "input_schema": {"type": "object"}}, {"agentic"}),
    ],
)
def test_anthropic_tools(tool, expected):
    body = {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "Go."}], "tools": [tool]}
    assert set(signals("/v1/messages", body)) == expected


def test_anthropic_server_tool_results_in_history():
    body = {
        "model": "m",
        "max_tokens": 5,
        "messages": [
            {"role": "user", "content": "Go."},
            {
                "role": "assistant",
                "content": [
                    {"type": "server_tool_use", "id": "s", "name": "web_search", "input": {"query": "x"}},
                    {"type": "web_search_tool_result", "tool_use_id": "s", "content": []},
                ],
            },
        ],
    }
    assert set(signals("/v1/messages", body)) == {"agentic", "internet"}


def test_plain_requests_have_no_signals():
    assert signals("/v1/chat/completions", chat()) == {}
    assert signals("/v1/responses", {"model": "m", "input": "Summarise the Civil Service Code."}) == {}
    assert signals("/v1/embeddings", {"model": "m", "input": "text"}) == {}
