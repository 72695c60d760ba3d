"""Responses and Messages requests become chat completions upstream; answers come back in each API's shape."""

from __future__ import annotations

import json

from core.errors import ErrorView, PolicyRefusal
from proxy.answer import Answer, AnswerDelta, Choice, StreamStart, ToolCall, ToolCallDelta, Usage
from proxy.formats import anthropic_messages, openai_chat, openai_responses, parse_request


def test_responses_to_chat():
    body = {
        "model": "m",
        "instructions": "Be brief.",
        "input": [
            {"role": "user", "content": [{"type": "input_text", "text": "Hi"}]},
            {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c1", "output": "done"},
        ],
        "tools": [{"type": "function", "name": "f", "description": "F", "parameters": {"type": "object"}}],
        "max_output_tokens": 50,
        "tool_choice": {"type": "function", "name": "f"},
    }
    request = parse_request("/v1/responses", body).outbound
    assert request["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {
            "role": "assistant",
            "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "done"},
    ]
    assert request["max_tokens"] == 50
    assert request["tool_choice"] == {"type": "function", "function": {"name": "f"}}
    assert request["tools"][0]["function"]["name"] == "f"


def test_hosted_tools_are_marked_unforwardable():
    responses = parse_request("/v1/responses", {"model": "m", "input": "x", "tools": [{"type": "web_search_preview"}]})
    assert "tools" not in responses.outbound and responses.unforwardable
    anthropic = parse_request(
        "/v1/messages",
        {
            "model": "m",
            "max_tokens": 5,
            "messages": [{"role": "user", "content": "x"}],
            "tools": [{"type": "web_search_20250305", "name": "web_search"}],
        },
    )
    assert "tools" not in anthropic.outbound and anthropic.unforwardable


def test_anthropic_to_chat_orders_tool_results_first():
    body = {
        "model": "m",
        "max_tokens": 5,
        "system": "S",
        "stop_sequences": ["END"],
        "messages": [
            {"role": "user", "content": "Q"},
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "Let me check."},
                    {"type": "tool_use", "id": "t1", "name": "f", "input": {"a": 1}},
                ],
            },
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": "t1", "content": "42"},
                    {"type": "text", "text": "Thanks"},
                ],
            },
        ],
        "tool_choice": {"type": "any"},
    }
    request = parse_request("/v1/messages", body).outbound
    roles = [m["role"] for m in request["messages"]]
    assert roles == ["system", "user", "assistant", "tool", "user"]
    assert json.loads(request["messages"][2]["tool_calls"][0]["function"]["arguments"]) == {"a": 1}
    assert request["tool_choice"] == "required" and request["stop"] == ["END"] and request["max_tokens"] == 5


ANSWER = Answer("abc", "m", 1, [Choice(0, "Hello", [ToolCall("call_1", "f", '{"x": 1}')], "tool_calls")], Usage(3, 4))


def test_render_answers():
    chat = openai_chat.render_answer(ANSWER, "m")
    assert chat["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "f"
    assert chat["usage"] == {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}
    responses = openai_responses.render_answer(ANSWER, "m")
    assert [item["type"] for item in responses["output"]] == ["message", "function_call"]
    assert responses["usage"]["total_tokens"] == 7
    message = anthropic_messages.render_answer(ANSWER, "m")
    assert [block["type"] for block in message["content"]] == ["text", "tool_use"]
    assert message["content"][1]["input"] == {"x": 1} and message["stop_reason"] == "tool_use"


def sse_payloads(raw: bytes) -> list[dict]:
    out = []
    for line in raw.decode().splitlines():
        if line.startswith("data: ") and line != "data: [DONE]":
            out.append(json.loads(line[6:]))
    return out


def run_stream(renderer) -> bytes:
    raw = renderer.begin()
    raw += renderer.delta(AnswerDelta(0, "Hel"))
    raw += renderer.delta(AnswerDelta(0, "lo"))
    raw += renderer.delta(AnswerDelta(0, "", [ToolCallDelta(0, "call_1", "f", "")]))
    raw += renderer.delta(AnswerDelta(0, "", [ToolCallDelta(0, None, None, '{"x": 1}')], "tool_calls"))
    return raw + renderer.end(Usage(3, 4))


def test_chat_stream_rendering():
    raw = run_stream(
        openai_chat.StreamRenderer(StreamStart("id", "m", 1), "m", {"stream_options": {"include_usage": True}})
    )
    payloads = sse_payloads(raw)
    assert "".join(p["choices"][0]["delta"].get("content", "") for p in payloads if p["choices"]) == "Hello"
    assert payloads[-1]["usage"]["total_tokens"] == 7
    assert raw.endswith(b"data: [DONE]\n\n")


def test_responses_stream_rendering():
    events = sse_payloads(run_stream(openai_responses.StreamRenderer(StreamStart("id", "m", 1), "m", {})))
    kinds = [event["type"] for event in events]
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    assert "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta") == "Hello"
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    final = events[-1]["response"]["output"]
    assert [item["type"] for item in final] == ["message", "function_call"]
    assert final[1]["arguments"] == '{"x": 1}'


def test_anthropic_stream_rendering():
    events = sse_payloads(run_stream(anthropic_messages.StreamRenderer(StreamStart("id", "m", 1), "m", {})))
    kinds = [event["type"] for event in events]
    assert kinds[:2] == ["message_start", "ping"] and kinds[-1] == "message_stop"
    starts = [e["content_block"]["type"] for e in events if e["type"] == "content_block_start"]
    assert starts == ["text", "tool_use"]
    assert kinds.count("content_block_start") == kinds.count("content_block_stop")
    delta = next(e for e in events if e["type"] == "message_delta")
    assert delta["delta"]["stop_reason"] == "tool_use" and delta["usage"]["output_tokens"] == 4


def test_error_shapes_carry_the_request_id():
    view = ErrorView.of(PolicyRefusal("Not allowed.", code="blocked_data"))
    openai_body = openai_chat.error_body(view, "req_1")
    assert openai_body == {
        "error": {
            "message": "Not allowed. (request id: req_1)",
            "type": "policy_violation",
            "param": None,
            "code": "blocked_data",
        }
    }
    anthropic_body = anthropic_messages.error_body(view, "req_1")
    assert anthropic_body["type"] == "error" and anthropic_body["error"]["type"] == "permission_error"
