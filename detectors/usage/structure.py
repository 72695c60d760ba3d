"""Signals from the request's structure: declared tools, tool calls and results in the history, and answer shapes."""

from __future__ import annotations

import re
from typing import Any

from core.conversation import Conversation, ToolDeclaration, format_path
from detectors.usage.capabilities import tool_capabilities, words_of
from detectors.usage.evidence import (
    AGENTIC,
    DECLARED_TOOLS,
    HISTORY,
    HOSTED_TOOLS,
    RESPONSE_SHAPE,
    STRUCTURED_OUTPUT,
    Evidence,
)

_KIND_NAMES = {
    "web_search": "a web search tool",
    "web_fetch": "a web page fetching tool",
    "web_search_options": "web search",
    "code_interpreter": "a code interpreter",
    "code_execution": "a code execution tool",
    "bash": "a shell (bash) tool",
    "local_shell": "a shell tool",
    "shell": "a shell tool",
    "text_editor": "a file editing tool",
    "computer": "control of a computer",
    "file_search": "a file search tool",
    "mcp": "an MCP server's tools",
    "image_generation": "an image generation tool",
    "apply_patch": "a file patching tool",
}
# Tools the client defines and runs itself, only when the model asks: removing
# them from the request removes the capability. Every other type is run by the provider.
CLIENT_TOOL_TYPES = frozenset({"function", "custom", ""})
# response_format / text.format / output_format types that only shape the answer.
_SHAPE_TYPES = frozenset({"json_schema", "json_object"})


# A run of letters and digits holding two or more digits (a reference, a NINO, a postcode) inside a tool's
# name: the name is a client string no detector has read, so such runs never reach the evidence.
_NUMBERED_RUN = re.compile(r"[A-Za-z0-9]*[0-9][A-Za-z]*[0-9][A-Za-z0-9]*")


def shown_name(name: str) -> str:
    """A tool's name as evidence may show it: identifier-like runs replaced by ``<number>``."""
    return _NUMBERED_RUN.sub(lambda match: "<number>" if len(match.group(0)) >= 5 else match.group(0), name)


def describe_tool(tool_type: str, name: str | None) -> str:
    for prefix, words in _KIND_NAMES.items():
        if tool_type.startswith(prefix):
            return words
    return f"the tool '{shown_name(name)}'" if name else "a tool"


def forced_tool_name(tool_choice: object) -> str | None:
    """The one tool ``tool_choice`` forces, in any API's shape, or None.

    OpenAI chat ``{"type": "function", "function": {"name": X}}`` (legacy
    ``function_call: {"name": X}``), Anthropic ``{"type": "tool", "name": X}``,
    Responses ``{"type": "function", "name": X}``.
    """
    if not isinstance(tool_choice, dict):
        return None
    kind = tool_choice.get("type")
    function = tool_choice.get("function")
    if kind == "function" and isinstance(function, dict):
        name = function.get("name")
    elif kind in {"function", "tool"} or (kind is None and "name" in tool_choice):
        name = tool_choice.get("name")
    else:
        return None
    return name if isinstance(name, str) and name else None


def structured_output_tool(conversation: Conversation) -> ToolDeclaration | None:
    """The declared tool that exists only as the answer's schema, or None.

    One client-defined tool, forced by ``tool_choice``, that grants nothing
    beyond its arguments (no web, no code), in a conversation with no tool
    calls or results: nothing is executed and there is no loop.
    """
    if len(conversation.tools) != 1 or conversation.tool_activity:
        return None
    tool = conversation.tools[0]
    if (
        tool.type not in CLIENT_TOOL_TYPES
        or tool.name is None
        or forced_tool_name(conversation.tool_choice) != tool.name
    ):
        return None
    if tool_capabilities(tool.type, tool.name, tool.description):
        return None
    return tool


def response_shape(body: dict[str, Any]) -> str | None:
    """Where the request asks for the answer as JSON (response_format, text.format, output_format), or None."""
    candidates = (
        ("response_format", body.get("response_format")),
        ("text.format", (body.get("text") or {}).get("format") if isinstance(body.get("text"), dict) else None),
        ("output_format", body.get("output_format")),
    )
    for where, shape in candidates:
        if isinstance(shape, dict) and shape.get("type") in _SHAPE_TYPES:
            return where
    return None


def add_structural_evidence(conversation: Conversation, evidence: Evidence) -> None:
    schema_tool = structured_output_tool(conversation)
    if schema_tool is not None:
        evidence.add(
            STRUCTURED_OUTPUT,
            f"the request forces {describe_tool(schema_tool.type, schema_tool.name)} "
            "as the shape of the answer (tool_choice)",
            format_path(schema_tool.path),
            DECLARED_TOOLS,
        )
    shape = response_shape(conversation.body)
    if shape is not None:
        evidence.add(STRUCTURED_OUTPUT, f"the request asks for the answer as JSON ({shape})", shape, RESPONSE_SHAPE)
    for tool in conversation.tools:
        if tool is schema_tool:
            continue
        where = format_path(tool.path)
        what = f"the request offers the model {describe_tool(tool.type, tool.name)}"
        source = DECLARED_TOOLS if tool.type in CLIENT_TOOL_TYPES else HOSTED_TOOLS
        evidence.add(AGENTIC, what, where, source)
        evidence.add_all(tool_capabilities(tool.type, tool.name, tool.description), what, where, source)
    for activity in conversation.tool_activity:
        where = format_path(activity.path)
        name = activity.name or ""
        if activity.kind == "call":
            what = f"the conversation history contains a call to {describe_tool(name, words_of(name) or None)}"
        else:
            what = "the conversation history contains a tool's result"
        evidence.add(AGENTIC, what, where, HISTORY)
        # The name says what the tool could do: a call to `fetch_url` or a `web_search_tool_result` block.
        evidence.add_all(tool_capabilities(name, name, ""), what, where, HISTORY)
