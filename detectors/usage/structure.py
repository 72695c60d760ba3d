"""Signals from the request's structure: declared tools, and tool calls and results in the history."""

from __future__ import annotations

from detectors.usage.capabilities import tool_capabilities, words_of
from detectors.usage.evidence import AGENTIC, Evidence
from proxy.conversation import Conversation, format_path

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


def describe_tool(tool_type: str, name: str | None) -> str:
    for prefix, words in _KIND_NAMES.items():
        if tool_type.startswith(prefix):
            return words
    return f"the tool '{name}'" if name else "a tool"


def add_structural_evidence(conversation: Conversation, evidence: Evidence) -> None:
    for tool in conversation.tools:
        where = format_path(tool.path)
        what = f"the request offers the model {describe_tool(tool.type, tool.name)}"
        evidence.add(AGENTIC, what, where)
        evidence.add_all(tool_capabilities(tool.type, tool.name, tool.description), what, where)
    for activity in conversation.tool_activity:
        where = format_path(activity.path)
        name = activity.name or ""
        if activity.kind == "call":
            what = f"the conversation history contains a call to {describe_tool(name, words_of(name) or None)}"
        else:
            what = "the conversation history contains a tool's result"
        evidence.add(AGENTIC, what, where)
        # The name says what the tool could do: a call to `fetch_url` or a `web_search_tool_result` block.
        evidence.add_all(tool_capabilities(name, name, ""), what, where)
