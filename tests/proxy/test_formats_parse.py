"""Each wire format parses into one Conversation, with every text a model would read and its place."""

from __future__ import annotations

import base64

import pytest

from core.errors import BadRequest, NotFound
from proxy.formats import client_headers, parse_request


def texts(conversation) -> list[tuple[str, str, str]]:
    return [(part.kind, part.role, part.text) for part in conversation.parts]


def test_chat_reads_every_text_that_is_forwarded():
    body = {
        "model": "m",
        "messages": [
            {"role": "system", "content": "You are helpful."},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Hi"},
                    {"type": "image_url", "image_url": {"url": "https://x.example/a.png"}},
                ],
            },
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "find", "arguments": '{"q": "Ann"}'}}
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "Ann Lee, 4 High St"},
        ],
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "find",
                    "description": "Find a person",
                    "parameters": {"type": "object", "properties": {"q": {"description": "Name"}}},
                },
            }
        ],
    }
    conversation = parse_request("/v1/chat/completions", body)
    assert texts(conversation) == [
        ("message", "system", "You are helpful."),
        ("message", "user", "Hi"),
        ("message", "user", "https://x.example/a.png"),  # a URL can carry a name in its query: it is read
        ("tool_call", "assistant", "find"),
        ("tool_call", "assistant", '{"q": "Ann"}'),
        ("tool_result", "tool", "Ann Lee, 4 High St"),
        ("tool_definition", "system", "find"),
        ("tool_definition", "system", "Find a person"),
        # free JSON: keys too, and the place shown never quotes a key
        ("tool_definition", "system", "type"),
        ("tool_definition", "system", "properties"),
        ("tool_definition", "system", "q"),
        ("tool_definition", "system", "description"),
        ("tool_definition", "system", "Name"),
        ("tool_definition", "system", "object"),
    ]
    assert [t.name for t in conversation.tools] == ["find"]
    assert [(a.kind, a.name) for a in conversation.tool_activity] == [("call", "find"), ("result", None)]
    assert [o.kind for o in conversation.opaque_parts] == ["image"]
    assert conversation.parts[1].location == "messages[1].content[0].text"
    assert {p.location for p in conversation.parts if p.kind == "tool_definition"} == {
        "tools[0].function.name",
        "tools[0].function.description",
        "tools[0].function.parameters{…}",
    }
    # client ids are replaced by the gateway's own, consistently
    assert conversation.outbound["messages"][2]["tool_calls"][0]["id"] == "call_1"
    assert conversation.outbound["messages"][3]["tool_call_id"] == "call_1"


def test_with_texts_writes_back_by_path_only_where_changed():
    body = {"model": "m", "messages": [{"role": "user", "content": "Ann"}, {"role": "user", "content": "Bob"}]}
    conversation = parse_request("/v1/chat/completions", body)
    new_body = conversation.with_texts(["<PERSON_1>", "Bob"])
    assert new_body == {"messages": [{"role": "user", "content": "<PERSON_1>"}, {"role": "user", "content": "Bob"}]}
    assert body["messages"][0]["content"] == "Ann"  # the original is untouched


def test_with_texts_renames_keys_after_writing_values_below_them():
    body = {
        "model": "m",
        "messages": [{"role": "user", "content": "x"}],
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {"Ann": {"Bob": "Cy"}}}}],
    }
    conversation = parse_request("/v1/chat/completions", body)
    replaced = {"Ann": "<P1>", "Bob": "<P2>", "Cy": "<P3>"}
    new_body = conversation.with_texts([replaced.get(p.text, p.text) for p in conversation.parts])
    assert new_body["tools"][0]["function"]["parameters"] == {"<P1>": {"<P2>": "<P3>"}}


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
    assert ("message", "system", "Be careful.") in texts(conversation)
    assert ("tool_result", "tool", "found it") in texts(conversation)
    assert [t.type for t in conversation.tools] == ["web_search_preview", "function"]
    assert [a.kind for a in conversation.tool_activity] == ["call", "result"]
    # the hosted tool is recorded for the policy, and refused only if the policy ever allows it
    assert conversation.unforwardable == ["Hosted tools cannot be forwarded by this gateway; only function tools can."]


def test_anthropic_blocks_and_server_tools():
    body = {
        "model": "m",
        "max_tokens": 10,
        "system": [{"type": "text", "text": "System words"}],
        "metadata": {"user_id": "u-7"},
        "messages": [
            {"role": "user", "content": "Question"},
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": "t", "name": "bash", "input": {"command": "ls"}}],
            },
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": "t", "content": [{"type": "text", "text": "a.txt"}]},
                    {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
                ],
            },
        ],
        "tools": [{"type": "code_execution_20250522", "name": "code_execution"}],
    }
    conversation = parse_request("/v1/messages", body)
    assert texts(conversation) == [
        ("message", "system", "System words"),
        ("message", "user", "Question"),
        ("tool_call", "assistant", "bash"),
        ("tool_call", "assistant", '{"command": "ls"}'),
        ("tool_result", "tool", "a.txt"),
        ("request_field", "user", "u-7"),
    ]
    assert conversation.tools[0].type == "code_execution_20250522"
    assert [o.kind for o in conversation.opaque_parts] == ["image"]


def test_anthropic_tool_result_given_as_a_number_is_read_as_text():
    body = {
        "model": "m",
        "max_tokens": 10,
        "messages": [
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "count", "input": {}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": 42}]},
        ],
    }
    conversation = parse_request("/v1/messages", body)
    assert ("tool_result", "tool", "42") in texts(conversation)


def test_embeddings_inputs_and_token_arrays():
    conversation = parse_request("/v1/embeddings", {"model": "e", "input": ["a", "b"], "user": "u"})
    assert [p.text for p in conversation.parts] == ["a", "b", "u"]
    tokens = parse_request("/v1/embeddings", {"model": "e", "input": [1, 2, 3]})
    assert tokens.parts == [] and [o.kind for o in tokens.opaque_parts] == ["tokens"]


def test_an_image_label_is_not_believed():
    text_as_png = "data:image/png;base64," + base64.b64encode(b"NI number JK 41 22 90 B").decode()
    real_png = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(16)).decode()
    for url, kinds in ((text_as_png, ["image", "mislabelled"]), (real_png, ["image"])):
        body = {
            "model": "m",
            "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}}]}],
        }
        conversation = parse_request("/v1/chat/completions", body)
        assert [o.kind for o in conversation.opaque_parts] == kinds
        assert conversation.parts == []  # data is never read as if it were text


@pytest.mark.parametrize(
    ("endpoint", "body", "fragment"),
    [
        ("/v1/chat/completions", {"model": "m"}, "'messages' is required"),
        (
            "/v1/chat/completions",
            {"model": "m", "messages": [{"role": "user", "content": [{"type": "video"}]}]},
            "not a supported content type",
        ),
        (
            "/v1/chat/completions",
            {"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": float("nan")},
            "'temperature' must be a finite number",
        ),
        (
            "/v1/chat/completions",
            {"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": 10**5000},
            "'max_tokens' must be between 1 and 10000000",
        ),
        (
            "/v1/chat/completions",
            {"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": "hot"},
            "'temperature' must be a number",
        ),
        (
            "/v1/chat/completions",
            {"model": "m", "messages": [{"role": "user", "content": "x"}], "logit_bias": {"JK": 1}},
            "'logit_bias' must map token ids",
        ),
        (
            "/v1/responses",
            {"model": "m", "input": "x", "previous_response_id": "resp_1"},
            "'previous_response_id' refers to state stored",
        ),
        (
            "/v1/chat/completions",
            {"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": {}},
            "'tools' must be an array",
        ),
        ("/v1/responses", {"model": "m", "input": [{"type": "mystery"}]}, "is not a supported input item"),
        (
            "/v1/messages",
            {"model": "m", "max_tokens": "10", "messages": [{"role": "user", "content": "x"}]},
            "max_tokens",
        ),
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
    headers = client_headers(
        {"Authorization": "Bearer secret", "X-Api-Key": "k", "User-Agent": "curl/8", "Cookie": "c=1"}
    )
    assert headers == {"user-agent": "curl/8"}


def test_undeclared_fields_are_dropped_and_named_only_by_place():
    body = {
        "model": "m",
        "api_base": "http://evil",
        "mock_response": "x",
        "metadata": {"a": "b"},
        "JK412290B": 1,
        "messages": [{"role": "user", "content": "hi", "context": "JK 41 22 90 B", "reasoning_content": "r"}],
    }
    conversation = parse_request("/v1/chat/completions", body)
    assert conversation.outbound == {"messages": [{"role": "user", "content": "hi"}]}
    assert conversation.dropped == [
        "metadata",
        "{field}",
        "{field}",
        "{field}",
        "messages[0].{field}",
        "messages[0].{field}",
    ]
    assert "JK" not in repr(conversation.dropped)
