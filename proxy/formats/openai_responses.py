"""OpenAI Responses: ``POST /v1/responses``.

Requests are forwarded as chat completions (see docs/architecture.md: one
upstream path means one place for streaming, restoration and output checks),
and answers are rendered back as Responses objects and events.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from typing import Any

from core.conversation import Api, Conversation, OpaquePart, ToolActivity
from core.errors import BadRequest, ErrorView
from proxy.answer import Answer, AnswerDelta, StreamStart, ToolCall, Usage
from proxy.formats import fields, outbound
from proxy.formats.openai_chat import error_body  # same error shape on every OpenAI endpoint

API: Api = "openai.responses"
__all__ = ["API", "parse", "render_answer", "StreamRenderer", "error_body"]

_TEXT_PARTS = {"input_text", "output_text", "text", "summary_text", "reasoning_text"}
_OPAQUE_PARTS = {"input_image": "image", "input_file": "file", "input_audio": "audio"}
_MESSAGE_ROLES = {"user", "assistant", "system", "developer"}
# Items that record a call to a tool, and items that feed a tool's output back.
_CALL_ITEMS = {
    "function_call",
    "web_search_call",
    "file_search_call",
    "computer_call",
    "code_interpreter_call",
    "local_shell_call",
    "mcp_call",
    "custom_tool_call",
    "image_generation_call",
    "shell_call",
    "apply_patch_call",
    "mcp_list_tools",
    "mcp_approval_request",
}
_RESULT_ITEMS = {
    "function_call_output",
    "computer_call_output",
    "local_shell_call_output",
    "custom_tool_call_output",
    "shell_call_output",
    "apply_patch_call_output",
    "mcp_approval_response",
}


# Documented request fields: read and translated, or dropped (and recorded), or refused because
# they refer to state stored at the provider, which this gateway cannot read and scan.
CONSUMED_FIELDS = frozenset(
    {
        "model",
        "stream",
        "input",
        "instructions",
        "tools",
        "tool_choice",
        "max_output_tokens",
        "temperature",
        "top_p",
        "user",
        "parallel_tool_calls",
        "reasoning",
        "text",
        "safety_identifier",
        "top_logprobs",
    }
)
IGNORED_FIELDS = frozenset(
    {
        "store",
        "metadata",
        "include",
        "truncation",
        "service_tier",
        "prompt_cache_key",
        "prompt_cache_retention",
        "max_tool_calls",
        "stream_options",
    }
)
REFUSED_FIELDS = ("previous_response_id", "conversation", "prompt", "background")


def parse(body: dict[str, Any], client_headers: Mapping[str, str] | None = None) -> Conversation:
    model = fields.model_name(body)
    if "input" not in body or body["input"] is None:
        raise BadRequest("'input' is required.", param="input")
    fields.expect(body["input"], (str, list), ("input",))
    for key in REFUSED_FIELDS:
        if body.get(key) not in (None, False):
            raise BadRequest(
                f"'{key}' refers to state stored at the provider, which this gateway cannot scan; send the whole "
                "conversation in 'input' instead.",
                param=key,
            )
    conversation = Conversation(
        api=API,
        model=model,
        body=body,
        stream=fields.stream_flag(body),
        tool_choice=body.get("tool_choice"),
        client_headers=dict(client_headers or {}),
    )
    fields.optional(body, "instructions", str)
    if isinstance(body["input"], list):
        for index, item in enumerate(body["input"]):
            _parse_item(conversation, item, index)
    _parse_tools(conversation, body)
    chat = _chat_request(conversation, body)
    known = CONSUMED_FIELDS | IGNORED_FIELDS | set(REFUSED_FIELDS)
    unknown = ["{field}" for key in body if key not in known]
    outbound.attach(conversation, chat, outbound.CHAT_REQUEST, sorted(IGNORED_FIELDS & body.keys()) + unknown)
    return conversation


def _parse_item(conversation: Conversation, item: object, index: int) -> None:
    """Record what the usage safeguards look at; the text itself is read where it is forwarded."""
    path = ("input", index)
    item = fields.object_at(item, path)
    item_type = fields.word(item.get("type", "message"))
    if item_type == "message":
        role = fields.word(item.get("role"))
        if role not in _MESSAGE_ROLES:
            raise BadRequest(
                f"'input[{index}].role' must be one of {', '.join(sorted(_MESSAGE_ROLES))}.",
                param=f"input[{index}].role",
            )
        content = item.get("content")
        if isinstance(content, str):
            return
        for part_index, part in enumerate(fields.list_at(content, (*path, "content"))):
            part_path = (*path, "content", part_index)
            fields.expect(part, dict, part_path)
            part_type = fields.word(part.get("type"))
            if part_type in _TEXT_PARTS or part_type == "refusal":
                fields.expect(part.get("refusal" if part_type == "refusal" else "text"), str, part_path)
            elif part_type in _OPAQUE_PARTS:
                conversation.opaque_parts.append(OpaquePart(_OPAQUE_PARTS[part_type], part_path, index))
            else:
                raise BadRequest(
                    f"'input[{index}].content[{part_index}].type' is not a supported content type.",
                    param=f"input[{index}].content[{part_index}].type",
                )
    elif item_type in _CALL_ITEMS:
        conversation.tool_activity.append(ToolActivity("call", item.get("name") or item_type, path, index))
    elif item_type in _RESULT_ITEMS:
        conversation.tool_activity.append(ToolActivity("result", item_type, path, index))
    elif item_type == "item_reference":
        # Refers to an item the provider stored; its content never passes through here.
        conversation.opaque_parts.append(OpaquePart("stored_item", path, index))
    elif item_type != "reasoning":
        raise BadRequest(f"'input[{index}].type' is not a supported input item.", param=f"input[{index}].type")


def _parse_tools(conversation: Conversation, body: dict[str, Any]) -> None:
    tools = fields.optional_list(body, "tools")
    for index, tool in enumerate(tools):
        path = ("tools", index)
        fields.expect(tool, dict, path)
        definition = (
            tool if tool.get("name") or not tool.get("server_label") else {**tool, "name": tool["server_label"]}
        )
        fields.declare_tool(conversation, str(tool.get("type") or "function"), definition, path)


def _chat_request(conversation: Conversation, body: dict[str, Any]) -> dict[str, Any]:
    """The chat-completion request equivalent to a Responses body (projected and checked by the caller)."""
    messages: list[dict[str, Any]] = []
    if body.get("instructions"):
        messages.append({"role": "system", "content": body["instructions"]})
    if isinstance(body["input"], str):
        messages.append({"role": "user", "content": body["input"]})
    else:
        for item in body["input"]:
            _append_chat_message(conversation, messages, item)
    if not messages:
        raise BadRequest("'input' must contain at least one message.", param="input")
    request: dict[str, Any] = {"messages": messages}
    tools = [chat_tool for tool in body.get("tools") or [] if (chat_tool := _chat_tool(conversation, tool))]
    if tools:
        request["tools"] = tools
    choice = body.get("tool_choice")
    if isinstance(choice, str):
        request["tool_choice"] = choice
    elif isinstance(choice, dict) and choice.get("type") == "function":
        request["tool_choice"] = {"type": "function", "function": {"name": choice.get("name")}}
    elif choice is not None:
        conversation.unforwardable.append("A hosted tool choice cannot be forwarded by this gateway.")
    outbound.copy_renamed(
        body,
        request,
        (
            ("max_output_tokens", "max_tokens"),
            ("temperature", "temperature"),
            ("top_p", "top_p"),
            ("user", "user"),
            ("safety_identifier", "user"),
            ("parallel_tool_calls", "parallel_tool_calls"),
            ("top_logprobs", "top_logprobs"),
        ),
    )
    reasoning = body.get("reasoning")
    if reasoning is not None:
        fields.expect(reasoning, dict, ("reasoning",))
        if reasoning.get("effort") is not None:
            request["reasoning_effort"] = reasoning["effort"]
    text = body.get("text")
    if text is not None:
        fields.expect(text, dict, ("text",))
        text_format = text.get("format")
        if isinstance(text_format, dict) and text_format.get("type") == "json_schema":
            schema = {key: value for key, value in text_format.items() if key != "type"}
            request["response_format"] = {"type": "json_schema", "json_schema": schema}
        elif isinstance(text_format, dict) and text_format.get("type") == "json_object":
            request["response_format"] = {"type": "json_object"}
        elif text_format is not None:
            fields.expect(text_format, dict, ("text", "format"))
        if text.get("verbosity") is not None:
            request["verbosity"] = text["verbosity"]
    return request


def _append_chat_message(conversation: Conversation, messages: list[dict[str, Any]], item: dict[str, Any]) -> None:
    item_type = fields.word(item.get("type", "message"))
    if item_type == "message":
        content = item["content"]
        if isinstance(content, list):
            content = [_chat_content(part) for part in content]
            if all(part["type"] == "text" for part in content):
                content = "".join(part["text"] for part in content)
        messages.append({"role": item["role"], "content": content})
    elif item_type == "function_call":
        call = {
            "id": item.get("call_id") or item.get("id"),
            "type": "function",
            "function": {"name": item.get("name"), "arguments": item.get("arguments", "")},
        }
        if messages and messages[-1]["role"] == "assistant" and messages[-1].get("tool_calls") is not None:
            messages[-1]["tool_calls"].append(call)
        else:
            messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
    elif item_type == "function_call_output":
        output = item.get("output")
        messages.append(
            {
                "role": "tool",
                "tool_call_id": item.get("call_id"),
                "content": output if isinstance(output, str) else _output_text(output),
            }
        )
    elif item_type == "reasoning":
        return  # reasoning summaries are the provider's own; they are not replayed
    else:
        conversation.unforwardable.append("Hosted tool items cannot be forwarded by this gateway.")


def _output_text(output: object) -> str:
    """A function call's output given as content parts (or any JSON) as the text a chat message carries."""
    if isinstance(output, list) and all(
        isinstance(part, dict) and isinstance(part.get("text"), str) for part in output
    ):
        return "".join(part["text"] for part in output)
    return json.dumps(output)


def _chat_content(part: dict[str, Any]) -> dict[str, Any]:
    if part["type"] in _TEXT_PARTS:
        return {"type": "text", "text": part["text"]}
    if part["type"] == "refusal":
        return {"type": "text", "text": part["refusal"]}
    if part["type"] == "input_image":
        return {"type": "image_url", "image_url": {"url": part.get("image_url") or part.get("file_id", "")}}
    if part["type"] == "input_file":
        return {"type": "file", "file": {k: part[k] for k in ("file_id", "file_data", "filename") if k in part}}
    raise BadRequest("Content of this type cannot be forwarded by this gateway.", param="input")


def _chat_tool(conversation: Conversation, tool: dict[str, Any]) -> dict[str, Any] | None:
    if tool.get("type", "function") != "function":
        conversation.unforwardable.append("Hosted tools cannot be forwarded by this gateway; only function tools can.")
        return None
    function = {"name": tool.get("name"), "parameters": tool.get("parameters") or {"type": "object", "properties": {}}}
    if tool.get("description") is not None:
        function["description"] = tool["description"]
    if tool.get("strict") is not None:
        function["strict"] = tool["strict"]
    return {"type": "function", "function": function}


def _output_items(answer_text: str | None, tool_calls: list[ToolCall], message_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if answer_text:
        items.append(_message_item(message_id, answer_text, "completed"))
    for call in tool_calls:
        items.append(
            {
                "type": "function_call",
                "id": f"fc_{call.id}",
                "call_id": call.id,
                "name": call.name,
                "arguments": call.arguments,
                "status": "completed",
            }
        )
    return items


def _message_item(message_id: str, text: str, status: str) -> dict[str, Any]:
    content = [{"type": "output_text", "text": text, "annotations": []}] if status == "completed" else []
    return {"type": "message", "id": message_id, "status": status, "role": "assistant", "content": content}


def _response(
    response_id: str, created: int, model: str, status: str, output: list[dict[str, Any]], usage: Usage | None
) -> dict[str, Any]:
    return {
        "id": response_id,
        "object": "response",
        "created_at": created,
        "status": status,
        "model": model,
        "output": output,
        "usage": _usage(usage),
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "metadata": {},
        "parallel_tool_calls": True,
        "temperature": None,
        "top_p": None,
        "tool_choice": "auto",
        "tools": [],
        "text": {"format": {"type": "text"}},
    }


def _usage(usage: Usage | None) -> dict[str, Any] | None:
    if usage is None:
        return None
    return {
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens_details": {"reasoning_tokens": 0},
    }


def render_answer(answer: Answer, model: str) -> dict[str, Any]:
    choice = answer.choices[0] if answer.choices else None
    output = _output_items(choice.text, choice.tool_calls, f"msg_{answer.id}") if choice else []
    return _response(_response_id(answer.id), answer.created, model, "completed", output, answer.usage)


def _response_id(answer_id: str) -> str:
    return answer_id if answer_id.startswith("resp_") else f"resp_{answer_id}"


class StreamRenderer:
    """Responses streaming events for one streamed chat completion."""

    def __init__(self, start: StreamStart, model: str, body: dict[str, Any]) -> None:
        self._id = _response_id(start.id)
        self._created = start.created or int(time.time())
        self._model = model
        self._sequence = 0
        self._message_id = f"msg_{uuid.uuid4().hex}"
        self._text = ""
        self._message_open = False
        self._calls: dict[int, dict[str, Any]] = {}

    def _event(self, event_type: str, data: dict[str, Any]) -> bytes:
        payload = {"type": event_type, "sequence_number": self._sequence, **data}
        self._sequence += 1
        return f"event: {event_type}\ndata: {json.dumps(payload, separators=(',', ':'))}\n\n".encode()

    def begin(self) -> bytes:
        response = _response(self._id, self._created, self._model, "in_progress", [], None)
        return self._event("response.created", {"response": response}) + self._event(
            "response.in_progress", {"response": response}
        )

    def delta(self, delta: AnswerDelta) -> bytes:
        if delta.choice != 0:
            return b""
        out = b""
        if delta.text:
            if not self._message_open:
                self._message_open = True
                out += self._event(
                    "response.output_item.added",
                    {"output_index": 0, "item": _message_item(self._message_id, "", "in_progress")},
                )
                out += self._event(
                    "response.content_part.added",
                    {
                        "item_id": self._message_id,
                        "output_index": 0,
                        "content_index": 0,
                        "part": {"type": "output_text", "text": "", "annotations": []},
                    },
                )
            self._text += delta.text
            out += self._event(
                "response.output_text.delta",
                {
                    "item_id": self._message_id,
                    "output_index": 0,
                    "content_index": 0,
                    "delta": delta.text,
                    "logprobs": [],
                },
            )
        for call in delta.tool_calls:
            state = self._calls.get(call.index)
            output_index = (1 if self._message_open else 0) + call.index
            if state is None:
                state = {
                    "type": "function_call",
                    "id": f"fc_{call.id or call.index}",
                    "call_id": call.id or "",
                    "name": call.name or "",
                    "arguments": "",
                    "status": "in_progress",
                    "_index": output_index,
                }
                self._calls[call.index] = state
                out += self._event("response.output_item.added", {"output_index": output_index, "item": _public(state)})
            if call.arguments:
                state["arguments"] += call.arguments
                out += self._event(
                    "response.function_call_arguments.delta",
                    {"item_id": state["id"], "output_index": state["_index"], "delta": call.arguments},
                )
        return out

    def end(self, usage: Usage | None) -> bytes:
        out = b""
        output: list[dict[str, Any]] = []
        if self._message_open:
            part = {"type": "output_text", "text": self._text, "annotations": []}
            out += self._event(
                "response.output_text.done",
                {
                    "item_id": self._message_id,
                    "output_index": 0,
                    "content_index": 0,
                    "text": self._text,
                    "logprobs": [],
                },
            )
            out += self._event(
                "response.content_part.done",
                {"item_id": self._message_id, "output_index": 0, "content_index": 0, "part": part},
            )
            item = _message_item(self._message_id, self._text, "completed")
            out += self._event("response.output_item.done", {"output_index": 0, "item": item})
            output.append(item)
        for state in self._calls.values():
            state["status"] = "completed"
            out += self._event(
                "response.function_call_arguments.done",
                {"item_id": state["id"], "output_index": state["_index"], "arguments": state["arguments"]},
            )
            out += self._event("response.output_item.done", {"output_index": state["_index"], "item": _public(state)})
            output.append(_public(state))
        response = _response(self._id, self._created, self._model, "completed", output, usage)
        return out + self._event("response.completed", {"response": response})

    def error(self, view: ErrorView, request_id: str) -> bytes:
        return self._event(
            "error", {"code": view.code, "message": view.message_with_request_id(request_id), "param": view.param}
        )


def _public(state: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in state.items() if not key.startswith("_")}
