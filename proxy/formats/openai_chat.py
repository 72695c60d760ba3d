"""OpenAI Chat Completions: ``POST /v1/chat/completions``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from core.conversation import Api, Conversation, OpaquePart, ToolActivity, ToolDeclaration
from core.errors import BadRequest, ErrorView
from proxy.answer import Answer, AnswerDelta, StreamStart, Usage
from proxy.formats import fields, outbound

API: Api = "openai.chat"

# Documented request fields that are read but not forwarded: ``model`` and ``stream``
# are the gateway's to set; the rest would make the provider store or label the
# request (or, for ``metadata``, reconfigure litellm), and are dropped and recorded.
CONSUMED_FIELDS = frozenset({"model", "stream"})
IGNORED_FIELDS = frozenset({"metadata", "store", "safety_identifier", "prompt_cache_key", "prompt_cache_retention"})

_ROLES = {"system", "developer", "user", "assistant", "tool", "function"}
_OPAQUE_CONTENT = {"image_url": "image", "input_audio": "audio", "file": "file"}


def parse(body: dict[str, Any], client_headers: Mapping[str, str] | None = None) -> Conversation:
    model = fields.model_name(body)
    messages = fields.non_empty_list(body, "messages", "message")
    conversation = Conversation(
        api=API,
        model=model,
        body=body,
        stream=fields.stream_flag(body),
        tool_choice=body.get("tool_choice") or body.get("function_call"),
        client_headers=dict(client_headers or {}),
    )
    for index, message in enumerate(messages):
        _parse_message(conversation, message, index)
    _parse_tools(conversation, body)
    forwarded = {k: v for k, v in body.items() if k not in CONSUMED_FIELDS and k not in IGNORED_FIELDS}
    outbound.attach(conversation, forwarded, outbound.CHAT_REQUEST, sorted(IGNORED_FIELDS & body.keys()))
    return conversation


def _parse_message(conversation: Conversation, message: object, index: int) -> None:
    path = ("messages", index)
    message = fields.object_at(message, path)
    role = fields.word(message.get("role"))
    if role not in _ROLES:
        raise BadRequest(
            f"'messages[{index}].role' must be one of {', '.join(sorted(_ROLES))}.", param=f"messages[{index}].role"
        )
    kind = "tool_result" if role in {"tool", "function"} else "message"
    if kind == "tool_result":
        conversation.tool_activity.append(ToolActivity("result", message.get("name"), path, index))
    content = message.get("content")
    if isinstance(content, list):
        for part_index, part in enumerate(content):
            part_path = (*path, "content", part_index)
            fields.expect(part, dict, part_path)
            part_type = fields.word(part.get("type"))
            if part_type == "text" and isinstance(part.get("text"), str):
                continue
            elif part_type in _OPAQUE_CONTENT:
                conversation.opaque_parts.append(OpaquePart(_OPAQUE_CONTENT[part_type], part_path, index))
            else:
                raise BadRequest(
                    f"'messages[{index}].content[{part_index}].type' is not a supported content type.",
                    param=f"messages[{index}].content[{part_index}].type",
                )
    elif content is not None:
        fields.expect(content, (str, list), (*path, "content"))
    elif role not in {"assistant"}:
        raise BadRequest(
            f"'messages[{index}].content' is required for role {role!r}.", param=f"messages[{index}].content"
        )

    tool_calls = message.get("tool_calls")
    if tool_calls is not None:
        fields.expect(tool_calls, list, (*path, "tool_calls"))
        for call_index, call in enumerate(tool_calls):
            call_path = (*path, "tool_calls", call_index)
            fields.expect(call, dict, call_path)
            function = call.get("function") or {}
            fields.expect(function, dict, (*call_path, "function"))
            conversation.tool_activity.append(ToolActivity("call", function.get("name"), call_path, index))
    function_call = message.get("function_call")
    if isinstance(function_call, dict):
        conversation.tool_activity.append(
            ToolActivity("call", function_call.get("name"), (*path, "function_call"), index)
        )


def _parse_tools(conversation: Conversation, body: dict[str, Any]) -> None:
    tools = fields.optional_list(body, "tools")
    for index, tool in enumerate(tools):
        path = ("tools", index)
        fields.expect(tool, dict, path)
        tool_type = tool.get("type") or "function"
        definition = tool.get("function") if isinstance(tool.get("function"), dict) else tool
        fields.declare_tool(
            conversation, str(tool_type), definition, path if definition is tool else (*path, "function")
        )
    functions = fields.optional_list(body, "functions")
    for index, function in enumerate(functions):
        fields.expect(function, dict, ("functions", index))
        fields.declare_tool(conversation, "function", function, ("functions", index))
    web_search = body.get("web_search_options")
    if web_search is not None:
        conversation.tools.append(ToolDeclaration("web_search_options", "web_search", "", ("web_search_options",)))


def render_answer(answer: Answer, model: str) -> dict[str, Any]:
    choices = []
    for choice in answer.choices:
        message: dict[str, Any] = {"role": "assistant", "content": choice.text}
        if choice.tool_calls:
            message["tool_calls"] = [
                {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}
                for call in choice.tool_calls
            ]
        choices.append(
            {"index": choice.index, "message": message, "finish_reason": choice.finish_reason, "logprobs": None}
        )
    return {
        "id": answer.id,
        "object": "chat.completion",
        "created": answer.created,
        "model": model,
        "choices": choices,
        "usage": _usage(answer.usage),
    }


def _usage(usage: Usage | None) -> dict[str, Any] | None:
    if usage is None:
        return None
    return {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
    }


def sse(data: dict[str, Any] | str) -> bytes:
    payload = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return f"data: {payload}\n\n".encode()


class StreamRenderer:
    """Chat-completion chunks, then ``[DONE]``."""

    def __init__(self, start: StreamStart, model: str, body: dict[str, Any]) -> None:
        self._base = {"id": start.id, "object": "chat.completion.chunk", "created": start.created, "model": model}
        options = body.get("stream_options")
        self._include_usage = isinstance(options, dict) and bool(options.get("include_usage"))

    def begin(self) -> bytes:
        return self._chunk([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}])

    def delta(self, delta: AnswerDelta) -> bytes:
        body: dict[str, Any] = {}
        if delta.text:
            body["content"] = delta.text
        if delta.tool_calls:
            body["tool_calls"] = [
                {
                    "index": call.index,
                    **({"id": call.id, "type": "function"} if call.id else {}),
                    "function": {**({"name": call.name} if call.name else {}), "arguments": call.arguments},
                }
                for call in delta.tool_calls
            ]
        if not body and delta.finish_reason is None:
            return b""
        return self._chunk([{"index": delta.choice, "delta": body, "finish_reason": delta.finish_reason}])

    def end(self, usage: Usage | None) -> bytes:
        tail = b""
        if self._include_usage and usage is not None:
            tail += sse({**self._base, "choices": [], "usage": _usage(usage)})
        return tail + sse("[DONE]")

    def error(self, view: ErrorView, request_id: str) -> bytes:
        return sse(error_body(view, request_id))

    def _chunk(self, choices: list[dict[str, Any]]) -> bytes:
        return sse({**self._base, "choices": choices})


def error_body(view: ErrorView, request_id: str) -> dict[str, Any]:
    return {
        "error": {
            "message": view.message_with_request_id(request_id),
            "type": view.openai_type,
            "param": view.param,
            "code": view.code,
        }
    }
