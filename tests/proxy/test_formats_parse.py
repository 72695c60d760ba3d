"""Each wire format parses into one Conversation, with every text a model would read and its place."""

from __future__ import annotations

import pytest

from proxy.errors import BadRequest, NotFound
from proxy.formats import client_headers, parse_request


def texts(conversation) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return [(part.kind, part.role, part.text) for part in conversation.parts]


def test_chat_reads_every_text_and_tool_structure():
    body = {
        "model": "m",
        "messages": [
            {"role": "system", "content": "You are helpful."},
            {"role": "user", "content": [{"type": "text", "text": "Hi"}, {"type": "image_url", "image_url": {"url": "x"}}]},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "find", "arguments": "{\"q\": \"Ann\"}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "Ann Lee, 4 High St"},
        ],
        "tools": [{"type": "function", "function": {"name": "find", "description": "Find a person",
                   "parameters": {"type": "object", "properties": {"q": {"type": "string", "description": "Name"}}}}}],
    }  # fmt: skip
    conversation = parse_request("/v1/chat/completions", body)
    assert texts(conversation) == [
        ("message", "system", "You are helpful."),
        ("message", "user", "Hi"),
        ("tool_call", "assistant", '{"q": "Ann"}'),
        ("tool_result", "tool", "Ann Lee, 4 High St"),
        ("tool_definition", "system", "Find a person"),
        ("tool_definition", "system", "Name"),
    ]
    assert [t.name for t in conversation.tools] == ["find"]
    assert [(a.kind, a.name) for a in conversation.tool_activity] == [("call", "find"), ("result", None)]
    assert [o.kind for o in conversation.opaque_parts] == ["image"]
    assert conversation.parts[1].location == "messages[1].content[0].text"


def test_with_texts_writes_back_by_path_only_where_changed():
    body = {"model": "m", "messages": [{"role": "user", "content": "Ann"}, {"role": "user", "content": "Bob"}]}
    conversation = parse_request("/v1/chat/completions", body)
    new_body = conversation.with_texts(["<PERSON_1>", "Bob"])
    assert new_body["messages"][0]["content"] == "<PERSON_1>"
    assert new_body["messages"][1]["content"] == "Bob"
    assert body["messages"][0]["content"] == "Ann"  # the original is untouched


def test_responses_items_and_hosted_tools():
    body = {
        "model": "m",
        "instructions": "Be careful.",
        "input": [
            {"role": "user", "content": [{"type": "input_text", "text": "Look this up"}]},
            {"type": "function_call", "call_id": "c", "name": "lookup", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c", "output": "found it"},
        ],
        "tools": [{"type": "web_search_preview"}, {"type": "function", "name": "lookup", "description": "Look up"}],
    }
    conversation = parse_request("/v1/responses", body)
    assert ("instructions", "system", "Be careful.") in texts(conversation)
    assert ("tool_result", "tool", "found it") in texts(conversation)
    assert [t.type for t in conversation.tools] == ["web_search_preview", "function"]
    assert [a.kind for a in conversation.tool_activity] == ["call", "result"]


def test_anthropic_blocks_and_server_tools():
    body = {
        "model": "m",
        "max_tokens": 10,
        "system": [{"type": "text", "text": "System words"}],
        "messages": [
            {"role": "user", "content": "Question"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "bash", "input": {"command": "ls"}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": [{"type": "text", "text": "a.txt"}]},
                                         {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AA"}}]},
        ],
        "tools": [{"type": "code_execution_20250522", "name": "code_execution"}],
    }  # fmt: skip
    conversation = parse_request("/v1/messages", body)
    assert texts(conversation) == [
        ("instructions", "system", "System words"),
        ("message", "user", "Question"),
        ("tool_call", "assistant", "ls"),
        ("tool_result", "tool", "a.txt"),
    ]
    assert conversation.tools[0].type == "code_execution_20250522"
    assert [o.kind for o in conversation.opaque_parts] == ["image"]


def test_embeddings_inputs_and_token_arrays():
    conversation = parse_request("/v1/embeddings", {"model": "e", "input": ["a", "b"]})
    assert [p.text for p in conversation.parts] == ["a", "b"]
    tokens = parse_request("/v1/embeddings", {"model": "e", "input": [1, 2, 3]})
    assert tokens.parts == [] and [o.kind for o in tokens.opaque_parts] == ["tokens"]


@pytest.mark.parametrize(
    ("endpoint", "body", "fragment"),
    [
        ("/v1/chat/completions", {"model": "m"}, "'messages' is required"),
        ("/v1/chat/completions", {"model": "m", "messages": [{"role": "user", "content": [{"type": "video"}]}]}, "video"),
        ("/v1/chat/completions", {"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": {}}, "'tools' must be an array"),
        ("/v1/responses", {"model": "m", "input": [{"type": "mystery"}]}, "mystery"),
        ("/v1/messages", {"model": "m", "max_tokens": "10", "messages": [{"role": "user", "content": "x"}]}, "max_tokens"),
        ("/v1/messages", {"model": "m", "max_tokens": 10, "messages": [{"role": "system", "content": "x"}]}, "role"),
        ("/v1/embeddings", {"model": "m", "input": []}, "non-empty"),
        ("/v1/embeddings", {"model": "m", "input": "x", "encoding_format": "hex"}, "encoding_format"),
    ],
)
def test_schema_errors_name_the_field(endpoint, body, fragment):
    with pytest.raises(BadRequest) as error:
        parse_request(endpoint, body)
    assert fragment in error.value.message


def test_unknown_endpoint():
    with pytest.raises(NotFound):
        parse_request("/v1/unknown", {})


def test_credentials_never_reach_detectors():
    headers = client_headers({"Authorization": "Bearer secret", "X-Api-Key": "k", "User-Agent": "curl/8", "Cookie": "c=1"})
    assert headers == {"user-agent": "curl/8"}
