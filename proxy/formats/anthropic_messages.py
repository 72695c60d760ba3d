"""Anthropic Messages: ``POST /v1/messages``.

Forwarded as chat completions through litellm (which speaks Anthropic's native
API to Anthropic models) and rendered back as Messages objects and events.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from core.conversation import Api, Conversation, JsonPath, OpaquePart, ToolActivity, ToolDeclaration, format_path
from core.errors import BadRequest, ErrorView
from proxy.answer import Answer, AnswerDelta, StreamStart, Usage
from proxy.formats import fields, outbound

API: Api = "anthropic.messages"

_ROLES = {"user", "assistant"}
# Content blocks that record a tool being used or its result coming back.
_CALL_BLOCKS = {"tool_use", "server_tool_use", "mcp_tool_use"}
_RESULT_BLOCKS = {
    "tool_result",
    "mcp_tool_result",
    "web_search_tool_result",
    "web_fetch_tool_result",
    "code_execution_tool_result",
    "bash_code_execution_tool_result",
    "text_editor_code_execution_tool_result",
    "tool_search_tool_result",
}
_OPAQUE_BLOCKS = {"image": "image", "container_upload": "file", "redacted_thinking": "redacted_thinking"}
_STOP_REASONS = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "content_filter": "refusal",
}


# Documented request fields that are read but not forwarded as they are.
CONSUMED_FIELDS = frozenset(
    {
        "model",
        "stream",
        "messages",
        "system",
        "max_tokens",
        "metadata",
        "stop_sequences",
        "temperature",
        "top_p",
        "top_k",
        "tools",
        "tool_choice",
        "thinking",
        "mcp_servers",
    }
)
IGNORED_FIELDS = frozenset({"service_tier", "container", "context_management", "inference_geo"})


def parse(body: dict[str, Any], client_headers: Mapping[str, str] | None = None) -> Conversation:
    model = fields.model_name(body)
    fields.required(body, "max_tokens", int)
    messages = fields.non_empty_list(body, "messages", "message")
    conversation = Conversation(
        api=API,
        model=model,
        body=body,
        stream=fields.stream_flag(body),
        tool_choice=body.get("tool_choice"),
        client_headers=dict(client_headers or {}),
    )
    system = body.get("system")
    if isinstance(system, list):
        for index, block in enumerate(system):
            fields.expect(block, dict, ("system", index))
            fields.expect(block.get("text"), str, ("system", index, "text"))
    elif system is not None:
        fields.expect(system, (str, list), ("system",))
    for index, message in enumerate(messages):
        _parse_message(conversation, message, index)
    _parse_tools(conversation, body)
    chat = _chat_request(conversation, body)
    unknown = ["{field}" for key in body if key not in CONSUMED_FIELDS and key not in IGNORED_FIELDS]
    outbound.attach(conversation, chat, outbound.CHAT_REQUEST, sorted(IGNORED_FIELDS & body.keys()) + unknown)
    return conversation


def _parse_message(conversation: Conversation, message: object, index: int) -> None:
    path = ("messages", index)
    message = fields.object_at(message, path)
    role = fields.word(message.get("role"))
    if role not in _ROLES:
        raise BadRequest(f"'messages[{index}].role' must be 'user' or 'assistant'.", param=f"messages[{index}].role")
    content = message.get("content")
    if isinstance(content, str):
        return
    for block_index, block in enumerate(fields.list_at(content, (*path, "content"))):
        _parse_block(conversation, block, (*path, "content", block_index), index)


def _parse_block(conversation: Conversation, block: object, path: JsonPath, index: int) -> None:
    """Record what the usage safeguards look at; the text itself is read where it is forwarded."""
    fields.expect(block, dict, path)
    assert isinstance(block, dict)
    block_type = fields.word(block.get("type"))
    if block_type in {"text", "thinking"}:
        fields.expect(block.get(block_type), str, (*path, block_type))
    elif block_type in _CALL_BLOCKS:
        conversation.tool_activity.append(ToolActivity("call", block.get("name"), path, index))
    elif block_type in _RESULT_BLOCKS:
        conversation.tool_activity.append(ToolActivity("result", block_type, path, index))
    elif block_type == "document":
        source = block.get("source")
        if not isinstance(source, dict) or source.get("type") != "text":
            conversation.opaque_parts.append(OpaquePart("document", path, index))
    elif block_type in _OPAQUE_BLOCKS:
        conversation.opaque_parts.append(OpaquePart(_OPAQUE_BLOCKS[block_type], path, index))
    elif block_type != "search_result":
        where = format_path(path)
        raise BadRequest(f"'{where}.type' is not a supported content block.", param=f"{where}.type")


def _parse_tools(conversation: Conversation, body: dict[str, Any]) -> None:
    tools = fields.optional_list(body, "tools")
    for index, tool in enumerate(tools):
        path = ("tools", index)
        fields.expect(tool, dict, path)
        fields.declare_tool(conversation, str(tool.get("type") or "custom"), tool, path)
    servers = fields.optional_list(body, "mcp_servers")
    for index, server in enumerate(servers):
        name = server.get("name") if isinstance(server, dict) else None
        conversation.tools.append(ToolDeclaration("mcp", name, "", ("mcp_servers", index)))
    if servers:
        conversation.unforwardable.append("MCP servers cannot be forwarded by this gateway.")


def _chat_request(conversation: Conversation, body: dict[str, Any]) -> dict[str, Any]:
    """The chat-completion request equivalent to a Messages body (projected and checked by the caller)."""
    messages: list[dict[str, Any]] = []
    system = body.get("system")
    if isinstance(system, list):
        system = "\n\n".join(block["text"] for block in system)
    if system:
        messages.append({"role": "system", "content": system})
    for message in body["messages"]:
        messages.extend(_chat_messages(conversation, message))
    request: dict[str, Any] = {"messages": messages, "max_tokens": body["max_tokens"]}
    tools = [chat_tool for tool in body.get("tools") or [] if (chat_tool := _chat_tool(conversation, tool))]
    if tools:
        request["tools"] = tools
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        kind = fields.word(choice.get("type"))
        if kind not in {"auto", "any", "none", "tool"}:
            raise BadRequest("'tool_choice.type' must be one of any, auto, none, tool.", param="tool_choice.type")
        request["tool_choice"] = {"auto": "auto", "any": "required", "none": "none"}.get(kind) or {
            "type": "function",
            "function": {"name": choice.get("name")},
        }
    elif choice is not None:
        fields.expect(choice, dict, ("tool_choice",))
    outbound.copy_renamed(
        body,
        request,
        (
            ("temperature", "temperature"),
            ("top_p", "top_p"),
            ("top_k", "top_k"),
            ("stop_sequences", "stop"),
            ("thinking", "thinking"),
        ),
    )
    metadata = body.get("metadata")
    if metadata is not None:
        fields.expect(metadata, dict, ("metadata",))
        if metadata.get("user_id") is not None:
            request["user"] = metadata["user_id"]
    return request


def _chat_messages(conversation: Conversation, message: dict[str, Any]) -> list[dict[str, Any]]:
    role, content = message["role"], message["content"]
    if isinstance(content, str):
        return [{"role": role, "content": content}]
    tool_messages: list[dict[str, Any]] = []
    parts: list[dict[str, Any]] = []
    tool_calls: list[dict[str, Any]] = []
    for block in content:
        block_type = block.get("type")
        if block_type == "text":
            parts.append({"type": "text", "text": block["text"]})
        elif block_type == "document" and (block.get("source") or {}).get("type") == "text":
            parts.append({"type": "text", "text": block["source"].get("data")})
        elif block_type == "search_result":
            parts.append({"type": "text", "text": _result_text(block.get("content"))})
        elif block_type == "image":
            parts.append({"type": "image_url", "image_url": {"url": _image_url(block.get("source"))}})
        elif block_type == "tool_use":
            tool_calls.append(
                {
                    "id": block.get("id"),
                    "type": "function",
                    "function": {"name": block.get("name"), "arguments": json.dumps(block.get("input") or {})},
                }
            )
        elif block_type == "tool_result":
            tool_messages.append(
                {
                    "role": "tool",
                    "tool_call_id": block.get("tool_use_id"),
                    "content": _result_text(block.get("content")),
                }
            )
        elif block_type in {"thinking", "redacted_thinking"}:
            continue  # the provider's own reasoning is not replayed through chat completions
        else:
            conversation.unforwardable.append("Server tool blocks cannot be forwarded by this gateway.")
    out = list(tool_messages)
    if role == "assistant":
        text = "".join(part["text"] for part in parts if part["type"] == "text")
        if text or tool_calls:
            message_out: dict[str, Any] = {"role": "assistant", "content": text or None}
            if tool_calls:
                message_out["tool_calls"] = tool_calls
            out.append(message_out)
    elif parts:
        only_text = all(part["type"] == "text" for part in parts)
        out.append({"role": "user", "content": "".join(p["text"] for p in parts) if only_text else parts})
    return out


def _image_url(source: object) -> object:
    if not isinstance(source, dict):
        return None
    if source.get("type") == "base64":
        return f"data:{source.get('media_type', 'image/png')};base64,{source.get('data', '')}"
    return source.get("url")


def _result_text(content: object) -> object:
    """A tool result's content as text: a string, the text of its blocks, or a number or boolean written out."""
    if isinstance(content, list):
        return "".join(
            block["text"] for block in content if isinstance(block, dict) and isinstance(block.get("text"), str)
        )
    if isinstance(content, (int, float)) and not isinstance(content, bool):
        return json.dumps(content)
    return content if content is not None else ""


def _chat_tool(conversation: Conversation, tool: dict[str, Any]) -> dict[str, Any] | None:
    if tool.get("type") not in (None, "custom"):
        conversation.unforwardable.append("Server tools cannot be forwarded by this gateway; only custom tools can.")
        return None
    function = {
        "name": tool.get("name"),
        "parameters": tool.get("input_schema") or {"type": "object", "properties": {}},
    }
    if tool.get("description") is not None:
        function["description"] = tool["description"]
    return {"type": "function", "function": function}


def _message_id(answer_id: str) -> str:
    return answer_id if answer_id.startswith("msg_") else f"msg_{answer_id}"


def render_answer(answer: Answer, model: str) -> dict[str, Any]:
    choice = answer.choices[0] if answer.choices else None
    content: list[dict[str, Any]] = []
    if choice and choice.text:
        content.append({"type": "text", "text": choice.text})
    for call in choice.tool_calls if choice else []:
        content.append({"type": "tool_use", "id": call.id, "name": call.name, "input": _arguments(call.arguments)})
    usage = answer.usage or Usage()
    return {
        "id": _message_id(answer.id),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": _STOP_REASONS.get(choice.finish_reason or "stop", "end_turn") if choice else "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens},
    }


def _arguments(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except json.JSONDecodeError:
        return {"_raw": text}
    return value if isinstance(value, dict) else {"value": value}


def _event(event_type: str, data: dict[str, Any]) -> bytes:
    return f"event: {event_type}\ndata: {json.dumps({'type': event_type, **data}, separators=(',', ':'))}\n\n".encode()


class StreamRenderer:
    """Messages streaming events for one streamed chat completion."""

    def __init__(self, start: StreamStart, model: str, body: dict[str, Any]) -> None:
        self._id = _message_id(start.id or uuid.uuid4().hex)
        self._model = model
        self._block = -1
        self._text_open = False
        self._call_blocks: dict[int, int] = {}
        self._stop_reason = "end_turn"

    def begin(self) -> bytes:
        message: dict[str, Any] = {
            "id": self._id,
            "type": "message",
            "role": "assistant",
            "model": self._model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 0, "output_tokens": 0},
        }
        return _event("message_start", {"message": message}) + _event("ping", {})

    def delta(self, delta: AnswerDelta) -> bytes:
        if delta.choice != 0:
            return b""
        out = b""
        if delta.text:
            if not self._text_open:
                out += self._close_open_block()
                self._block += 1
                self._text_open = True
                out += _event(
                    "content_block_start", {"index": self._block, "content_block": {"type": "text", "text": ""}}
                )
            out += _event(
                "content_block_delta", {"index": self._block, "delta": {"type": "text_delta", "text": delta.text}}
            )
        for call in delta.tool_calls:
            if call.index not in self._call_blocks:
                out += self._close_open_block()
                self._block += 1
                self._call_blocks[call.index] = self._block
                block = {
                    "type": "tool_use",
                    "id": call.id or f"toolu_{uuid.uuid4().hex[:24]}",
                    "name": call.name or "",
                    "input": {},
                }
                out += _event("content_block_start", {"index": self._block, "content_block": block})
            if call.arguments:
                out += _event(
                    "content_block_delta",
                    {
                        "index": self._call_blocks[call.index],
                        "delta": {"type": "input_json_delta", "partial_json": call.arguments},
                    },
                )
        if delta.finish_reason:
            self._stop_reason = _STOP_REASONS.get(delta.finish_reason, "end_turn")
        return out

    def _close_open_block(self) -> bytes:
        if self._block < 0:
            return b""
        self._text_open = False
        return _event("content_block_stop", {"index": self._block})

    def end(self, usage: Usage | None) -> bytes:
        out = self._close_open_block() if self._block >= 0 else b""
        output_tokens = usage.output_tokens if usage else 0
        out += _event(
            "message_delta",
            {
                "delta": {"stop_reason": self._stop_reason, "stop_sequence": None},
                "usage": {"output_tokens": output_tokens},
            },
        )
        return out + _event("message_stop", {})

    def error(self, view: ErrorView, request_id: str) -> bytes:
        return _event(
            "error", {"error": {"type": view.anthropic_type, "message": view.message_with_request_id(request_id)}}
        )


def error_body(view: ErrorView, request_id: str) -> dict[str, Any]:
    # Anthropic's error object has only type and message; the SDKs keep any other field in the parsed body
    # (error.body["error"]["code"]), so the reason code rides along as in the OpenAI shape.
    return {
        "type": "error",
        "error": {"type": view.anthropic_type, "message": view.message_with_request_id(request_id), "code": view.code},
        "request_id": request_id,
    }
