"""The one internal model of an API request, shared by every stage of the pipeline.

Format adapters (``proxy.formats``) are the only code that knows a wire format.
They turn a request body into a :class:`Conversation`: every piece of text a
model would read, each with the path where it lives in the body, plus the
structure the usage safeguards look at (declared tools, tool calls and results,
content that cannot be scanned). Redaction writes new text back by path, so the
body keeps its own shape and nothing outside the scanned text changes.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

Api = Literal["openai.chat", "openai.responses", "anthropic.messages", "openai.embeddings"]
JsonPath = tuple[str | int, ...]

# Where a piece of text sits in the conversation.
PartKind = Literal[
    "message",  # ordinary message text (any role)
    "instructions",  # top-level system prompt / instructions field
    "tool_call",  # arguments of a tool call made by the assistant
    "tool_result",  # output of a tool fed back to the model
    "tool_definition",  # a declared tool's name, description or parameter schema text
    "embedding_input",  # text sent to an embeddings endpoint
]


@dataclass(frozen=True, slots=True)
class TextPart:
    """One piece of text a model would read."""

    text: str
    path: JsonPath
    role: str
    kind: PartKind
    message_index: int | None = None

    @property
    def location(self) -> str:
        """A short, human-readable place name such as ``messages[2].content``."""
        return format_path(self.path)


@dataclass(frozen=True, slots=True)
class ToolDeclaration:
    """A tool the client offers the model (function, hosted or server tool)."""

    type: str  # "function", "web_search_preview", "code_interpreter", "web_search_20250305", "mcp", ...
    name: str | None
    description: str
    path: JsonPath


@dataclass(frozen=True, slots=True)
class ToolActivity:
    """A tool call or tool result already present in the conversation history."""

    kind: Literal["call", "result"]
    name: str | None
    path: JsonPath
    message_index: int | None = None


@dataclass(frozen=True, slots=True)
class OpaquePart:
    """Content that cannot be scanned as text: images, files, audio."""

    kind: str  # "image", "file", "audio", "document", ...
    path: JsonPath
    message_index: int | None = None


@dataclass(slots=True)
class Conversation:
    """A parsed API request, whatever API it arrived on."""

    api: Api
    model: str
    body: dict
    stream: bool = False
    parts: list[TextPart] = field(default_factory=list)
    tools: list[ToolDeclaration] = field(default_factory=list)
    tool_choice: object | None = None
    tool_activity: list[ToolActivity] = field(default_factory=list)
    opaque_parts: list[OpaquePart] = field(default_factory=list)
    # Request headers that detectors may use as supporting evidence
    # (user-agent, framework markers). Credentials are never copied here.
    client_headers: Mapping[str, str] = field(default_factory=dict)

    def texts(self) -> list[str]:
        return [part.text for part in self.parts]

    def with_texts(self, texts: Sequence[str]) -> dict:
        """A copy of the body with each part's text replaced by ``texts[i]``.

        Parts whose text is unchanged are left alone, so the copy differs from
        the original only where redaction changed something.
        """
        if len(texts) != len(self.parts):
            raise ValueError("one replacement text is needed per part")
        body = copy.deepcopy(self.body)
        for part, text in zip(self.parts, texts):
            if text != part.text:
                _replace_text_at(body, part.path, part.text, text)
        return body


def format_path(path: JsonPath) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


def _replace_text_at(body: object, path: JsonPath, old: str, new: str) -> None:
    """Set the string at ``path`` to ``new``.

    A path may end inside a string that itself holds JSON (tool-call arguments):
    the adapter then records the path of that string and the part's text is the
    whole string, so a plain assignment is still right.
    """
    if not path:
        raise ValueError("empty path")
    container = body
    for step in path[:-1]:
        container = container[step]  # type: ignore[index]
    last = path[-1]
    current = container[last]  # type: ignore[index]
    if current != old:
        # Two parts never share a path; a mismatch means the adapter is wrong.
        raise ValueError(f"text at {format_path(path)} is not the parsed text")
    container[last] = new  # type: ignore[index]
