"""Structured output is its own signal, not agentic use; signals say where their evidence came from."""

from __future__ import annotations

import pytest

from detectors.usage import detect_usage_signals
from detectors.usage.structure import forced_tool_name
from proxy.formats import parse_request

SCHEMA = {"type": "object", "properties": {"reference": {"type": "string"}}}


def scan(endpoint: str, body: dict) -> dict[str, tuple[str, tuple[str, ...]]]:
    return {s.type: (s.evidence, s.sources) for s in detect_usage_signals(parse_request(endpoint, body, {}))}


def chat_tool(name: str, description: str = "Fields of a letter") -> dict:
    return {"type": "function", "function": {"name": name, "description": description, "parameters": SCHEMA}}


def chat(**extra) -> dict:
    return {
        "model": "m",
        "messages": [{"role": "user", "content": "Extract the reference from: our ref AB-12."}],
        **extra,
    }


@pytest.mark.parametrize(
    ("endpoint", "body"),
    [
        (
            "/v1/chat/completions",
            chat(tools=[chat_tool("Letter")], tool_choice={"type": "function", "function": {"name": "Letter"}}),
        ),
        (
            "/v1/chat/completions",
            chat(functions=[{"name": "Letter", "parameters": SCHEMA}], function_call={"name": "Letter"}),
        ),
        (
            "/v1/messages",
            {
                "model": "m",
                "max_tokens": 10,
                "messages": [{"role": "user", "content": "Extract."}],
                "tools": [{"name": "Letter", "input_schema": SCHEMA}],
                "tool_choice": {"type": "tool", "name": "Letter"},
            },
        ),
        (
            "/v1/responses",
            {
                "model": "m",
                "input": "Extract.",
                "tools": [{"type": "function", "name": "Letter", "parameters": SCHEMA}],
                "tool_choice": {"type": "function", "name": "Letter"},
            },
        ),
    ],
)
def test_one_forced_tool_is_structured_output(endpoint, body):
    found = scan(endpoint, body)
    assert set(found) == {"structured_output"}
    evidence, sources = found["structured_output"]
    assert evidence == "the request forces the tool 'Letter' as the shape of the answer (tool_choice)"
    assert sources == ("declared_tools",)


@pytest.mark.parametrize(
    "extra",
    [
        # Two tools: the model is choosing, not filling in a shape.
        {
            "tools": [chat_tool("Letter"), chat_tool("Memo")],
            "tool_choice": {"type": "function", "function": {"name": "Letter"}},
        },
        # Not forced.
        {"tools": [chat_tool("Letter")], "tool_choice": "auto"},
        {"tools": [chat_tool("Letter")], "tool_choice": "required"},
        # Forced, but the tool fetches web pages: it is executed, not a shape.
        {
            "tools": [chat_tool("open_link", "Fetch a URL")],
            "tool_choice": {"type": "function", "function": {"name": "open_link"}},
        },
        # Forced name that is not the declared tool.
        {"tools": [chat_tool("Letter")], "tool_choice": {"type": "function", "function": {"name": "Other"}}},
    ],
)
def test_other_tool_use_stays_agentic(extra):
    found = scan("/v1/chat/completions", chat(**extra))
    assert "agentic" in found and "structured_output" not in found


def test_a_forced_tool_with_results_in_the_history_is_agentic():
    body = chat(tools=[chat_tool("Letter")], tool_choice={"type": "function", "function": {"name": "Letter"}})
    body["messages"] += [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "1", "type": "function", "function": {"name": "Letter", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "1", "content": "{}"},
    ]
    found = scan("/v1/chat/completions", body)
    assert set(found) == {"agentic"}
    assert found["agentic"][1] == ("declared_tools", "history")


@pytest.mark.parametrize(
    ("endpoint", "body", "where"),
    [
        (
            "/v1/chat/completions",
            chat(response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": SCHEMA}}),
            "response_format",
        ),
        ("/v1/chat/completions", chat(response_format={"type": "json_object"}), "response_format"),
        (
            "/v1/responses",
            {"model": "m", "input": "x", "text": {"format": {"type": "json_schema", "name": "x", "schema": SCHEMA}}},
            "text.format",
        ),
    ],
)
def test_json_answer_formats_are_structured_output(endpoint, body, where):
    found = scan(endpoint, body)
    assert found == {"structured_output": (f"the request asks for the answer as JSON ({where})", ("response_shape",))}


def test_plain_text_format_is_nothing():
    assert scan("/v1/chat/completions", chat(response_format={"type": "text"})) == {}


def test_sources_tell_declared_function_tools_from_hosted_tools_and_text():
    found = scan(
        "/v1/responses",
        {"model": "m", "input": "x", "tools": [{"type": "web_search"}, {"type": "function", "name": "notes"}]},
    )
    assert found["agentic"][1] == ("declared_tools", "hosted_tools")
    assert found["internet"][1] == ("hosted_tools",)
    prompt = "You have access to the following tools:\nnotes_lookup: find a note"
    found = scan(
        "/v1/chat/completions",
        {"model": "m", "messages": [{"role": "user", "content": prompt}], "tools": [chat_tool("notes")]},
    )
    assert found["agentic"][1] == ("declared_tools", "text")


@pytest.mark.parametrize(
    ("choice", "name"),
    [
        ({"type": "function", "function": {"name": "A"}}, "A"),
        ({"type": "tool", "name": "A"}, "A"),
        ({"type": "function", "name": "A"}, "A"),
        ({"name": "A"}, "A"),
        ({"type": "any"}, None),
        ({"type": "function", "function": {"name": ""}}, None),
        ("required", None),
        (None, None),
    ],
)
def test_forced_tool_name(choice, name):
    assert forced_tool_name(choice) == name


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("notes_for_AB123456C", "notes_for_<number>"),
        ("case_SW1A1AA_lookup", "case_<number>_lookup"),
        ("s3_upload", "s3_upload"),
        ("lookup_record", "lookup_record"),
        ("v2_search", "v2_search"),
    ],
)
def test_identifiers_in_a_tool_name_never_reach_the_evidence(name, shown):
    found = scan("/v1/chat/completions", chat(tools=[chat_tool(name)]))
    assert found["agentic"][0] == f"the request offers the model the tool '{shown}'"
