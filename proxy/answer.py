"""The model's answer, independent of wire format.

``proxy.upstream`` turns litellm's responses into these; the pipeline restores
placeholders and scans them; each adapter renders them in its own API shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(slots=True)
class ToolCall:
    id: str
    name: str
    arguments: str  # JSON text, as the model wrote it


@dataclass(slots=True)
class Choice:
    index: int
    text: str | None
    tool_calls: list[ToolCall] = field(default_factory=list)
    finish_reason: str | None = "stop"


@dataclass(slots=True)
class Answer:
    id: str
    model: str
    created: int
    choices: list[Choice]
    usage: Usage | None = None


@dataclass(slots=True)
class ToolCallDelta:
    index: int
    id: str | None = None
    name: str | None = None
    arguments: str = ""


@dataclass(slots=True)
class AnswerDelta:
    """One streamed increment of one choice."""

    choice: int = 0
    text: str = ""
    tool_calls: list[ToolCallDelta] = field(default_factory=list)
    finish_reason: str | None = None
    usage: Usage | None = None


@dataclass(slots=True)
class StreamStart:
    """What every stream announces before its first delta."""

    id: str
    model: str
    created: int


@dataclass(slots=True)
class EmbeddingAnswer:
    model: str
    vectors: list[list[float] | str]  # floats, or base64 text when the client asked for it
    usage: Usage | None = None
