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


@dataclass(frozen=True, slots=True)
class JsonKey:
    """The last step of a path that names an object *key* (not its value): keys in free JSON are text too."""

    name: str

    def __str__(self) -> str:
        return "{key}"


JsonPath = tuple["str | int | JsonKey", ...]

# Where a piece of text sits in the conversation.
PartKind = Literal[
    "message",  # ordinary message text (any role)
    "instructions",  # top-level system prompt / instructions field
    "tool_call",  # arguments of a tool call made by the assistant
    "tool_result",  # output of a tool fed back to the model
    "tool_definition",  # a declared tool's name, description or parameter schema text
    "embedding_input",  # text sent to an embeddings endpoint
    "request_field",  # any other text field that is forwarded: user ids, stop sequences, names, predictions
]


@dataclass(frozen=True, slots=True)
class TextPart:
    """One piece of text a model would read."""

    text: str
    path: JsonPath
    role: str
    kind: PartKind
    message_index: int | None = None
    # Shown instead of the path where the path runs through client-chosen keys (free JSON),
    # which are text that must not be quoted before it is scanned.
    place: str | None = None

    @property
    def location(self) -> str:
        """A short, human-readable place name such as ``messages[2].content``."""
        return self.place or format_path(self.path)


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
    """A parsed API request, whatever API it arrived on.

    ``body`` is what the client sent; ``outbound`` is the request Handrail would
    forward, built field by field from the API's declaration
    (``proxy.formats.outbound``). ``parts`` are every piece of text in
    ``outbound``: what is scanned is exactly what would leave.
    """

    api: Api
    model: str
    body: dict
    stream: bool = False
    outbound: dict = field(default_factory=dict)
    parts: list[TextPart] = field(default_factory=list)
    # Paths of client fields that were not forwarded (recorded in the audit event).
    dropped: list[str] = field(default_factory=list)
    # Content that was accepted but cannot be forwarded (hosted tools, server tool results):
    # refused with a 400 only once the policy has allowed the request.
    unforwardable: list[str] = field(default_factory=list)
    tools: list[ToolDeclaration] = field(default_factory=list)
    tool_choice: object | None = None
    tool_activity: list[ToolActivity] = field(default_factory=list)
    opaque_parts: list[OpaquePart] = field(default_factory=list)
    # Request headers that detectors may use as supporting evidence
    # (user-agent, framework markers). Credentials are never copied here.
    client_headers: Mapping[str, str] = field(default_factory=dict)

    def with_texts(self, texts: Sequence[str]) -> dict:
        """A copy of the outbound request with each part's text replaced by ``texts[i]``.

        Parts whose text is unchanged are left alone, so the copy differs from
        the original only where redaction changed something.
        """
        if len(texts) != len(self.parts):
            raise ValueError("one replacement text is needed per part")
        body = copy.deepcopy(self.outbound)
        changes = [(part, text) for part, text in zip(self.parts, texts) if text != part.text]
        # Paths name keys by their old names: write every value first, then rename keys, deepest first.
        changes.sort(key=lambda change: _key_depth(change[0].path))
        for part, text in changes:
            _replace_text_at(body, part.path, part.text, text)
        return body


def _key_depth(path: JsonPath) -> tuple[int, int]:
    return (1, -len(path)) if isinstance(path[-1], JsonKey) else (0, 0)


def format_path(path: JsonPath) -> str:
    """``messages[2].content``; a key in free JSON is shown as ``{key}``, never by its (unscanned) name."""
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out += f".{step}" if out else str(step)
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
    if isinstance(last, JsonKey):
        if not isinstance(container, dict) or last.name != old or old not in container:
            raise ValueError(f"key at {format_path(path)} is not the parsed key")
        # Rebuild the object so the renamed key keeps its place.
        items = [(new if key == old else key, value) for key, value in container.items()]
        container.clear()
        container.update(items)
        return
    current = container[last]  # type: ignore[index]
    if current != old:
        # Two parts never share a path; a mismatch means the adapter is wrong.
        raise ValueError(f"text at {format_path(path)} is not the parsed text")
    container[last] = new  # type: ignore[index]
