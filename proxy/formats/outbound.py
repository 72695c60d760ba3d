"""What Handrail forwards, declared field by field.

Every API a client speaks (OpenAI chat, Responses, Anthropic Messages) is
forwarded as one chat-completion request, and embeddings as one embeddings
request. This module declares those two shapes, position by position:

- ``Text``: free text. Every ``Text`` is a part the detectors read.
- ``Json``: free JSON (a tool's parameter schema, a response schema): every key
  and every string in it is text, and is read.
- ``Enum``, ``Number``, ``Flag``: values from a closed vocabulary, finite numbers
  within bounds, booleans. They cannot carry free text, so they are checked, not read.
- ``Id``: an identifier the client chose (a tool call's id). It is replaced by
  one the gateway makes, so no client string leaves through it.
- ``Media``: base64 data of an image, audio clip or file: checked to be what its
  label says (a "PNG" that is really text is reported as unscannable) and never
  read as text.
- ``Obj``, ``Seq``, ``Either``, ``Tagged``: structure.

``project`` copies a value through a declaration: declared fields are checked
and kept, undeclared ones dropped (their paths returned, so the audit event can
say what was not forwarded), and an unknown variant of a tagged union refused
(dropping it would change the meaning). ``text_parts`` then lists every text in
the projected request. Together they make "forward only what was scanned" a
property of the construction: a string can only reach the provider through a
``Text`` or ``Json`` position, and every such position is a part.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from core.conversation import Conversation, JsonKey, JsonPath, OpaquePart, PartKind, TextPart, format_path
from core.errors import BadRequest

# Free JSON deeper than this is refused: no schema a client sends needs it, and
# it keeps every walk over a request linear and shallow.
MAX_JSON_DEPTH = 32
_MEDIA_SNIFF_BYTES = 64


@dataclass(frozen=True, slots=True)
class Slot:
    """One text found in a projected request."""

    path: JsonPath
    text: str
    place: str | None = None  # set inside free JSON, whose keys are not to be shown


@dataclass(frozen=True, slots=True)
class MediaNote:
    """Base64 media seen while projecting: what it was labelled, and what it is."""

    path: JsonPath
    kind: str  # "image", "audio", "file"
    label: str  # the media type the client gave
    actual: str  # what the bytes are: "image/png", "text", "unknown" ...

    @property
    def mislabelled(self) -> bool:
        """Data that is not what its place says: text or a PDF sent as an "image" reads as nothing to a scanner."""
        if self.kind == "image":
            return not self.actual.startswith("image/")
        if self.kind == "audio":
            return self.actual in {"text", "application/pdf"} or self.actual.startswith("image/")
        return False


@dataclass(slots=True)
class Projection:
    """The state of one projection: ids handed out, fields dropped, media seen."""

    dropped: list[str] = field(default_factory=list)
    media: list[MediaNote] = field(default_factory=list)
    _ids: dict[str, str] = field(default_factory=dict)

    def gateway_id(self, client_id: str) -> str:
        if client_id not in self._ids:
            self._ids[client_id] = f"call_{len(self._ids) + 1}"
        return self._ids[client_id]


def _where(path: JsonPath) -> str:
    return format_path(path) or "the request body"


class Node:
    """One position in a declaration."""

    def project(self, value: object, path: JsonPath, state: Projection) -> object:
        raise NotImplementedError

    def slots(self, value: object, path: JsonPath) -> Iterator[Slot]:
        return iter(())

    def accepts(self, value: object) -> bool:
        """Whether ``value`` has this node's JSON type (used to choose an ``Either`` branch)."""
        return True


class Text(Node):
    def project(self, value: object, path: JsonPath, state: Projection) -> object:
        if not isinstance(value, str):
            raise BadRequest(f"'{_where(path)}' must be a string.", param=format_path(path))
        return value

    def slots(self, value: object, path: JsonPath) -> Iterator[Slot]:
        assert isinstance(value, str)
        if value:
            yield Slot(path, value)

    def accepts(self, value: object) -> bool:
        return isinstance(value, str)


@dataclass(frozen=True)
class Enum(Node):
    values: tuple[str, ...]

    def project(self, value: object, path: JsonPath, state: Projection) -> object:
        if not isinstance(value, str) or value not in self.values:
            choices = ", ".join(repr(v) for v in self.values)
            raise BadRequest(f"'{_where(path)}' must be one of {choices}.", param=format_path(path))
        return value

    def accepts(self, value: object) -> bool:
        return isinstance(value, str)


def enum(*values: str) -> Enum:
    return Enum(tuple(values))


@dataclass(frozen=True)
class Number(Node):
    low: float
    high: float
    integer: bool = False

    def project(self, value: object, path: JsonPath, state: Projection) -> object:
        kind = "an integer" if self.integer else "a number"
        ok_type = isinstance(value, int) if self.integer else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok_type:
            raise BadRequest(f"'{_where(path)}' must be {kind}.", param=format_path(path))
        assert isinstance(value, (int, float))
        if isinstance(value, float) and not math.isfinite(value):
            raise BadRequest(f"'{_where(path)}' must be a finite number.", param=format_path(path))
        if not self.low <= value <= self.high:
            raise BadRequest(
                f"'{_where(path)}' must be between {_plain(self.low)} and {_plain(self.high)}.", param=format_path(path)
            )
        return value

    def accepts(self, value: object) -> bool:
        return isinstance(value, (int, float)) and not isinstance(value, bool)


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


class Flag(Node):
    def project(self, value: object, path: JsonPath, state: Projection) -> object:
        if not isinstance(value, bool):
            raise BadRequest(f"'{_where(path)}' must be a boolean.", param=format_path(path))
        return value

    def accepts(self, value: object) -> bool:
        return isinstance(value, bool)


class Id(Node):
    """A client-chosen identifier, replaced by a gateway-made one (consistently within the request)."""

    def project(self, value: object, path: JsonPath, state: Projection) -> object:
        if not isinstance(value, str):
            raise BadRequest(f"'{_where(path)}' must be a string.", param=format_path(path))
        return state.gateway_id(value)

    def accepts(self, value: object) -> bool:
        return isinstance(value, str)


class Json(Node):
    """Free JSON: every key and string in it is text."""

    def project(self, value: object, path: JsonPath, state: Projection) -> object:
        return _copy_json(value, path, len(path), path)

    def slots(self, value: object, path: JsonPath) -> Iterator[Slot]:
        place = f"{format_path(path)}{{…}}"
        stack: list[tuple[object, JsonPath]] = [(value, path)]
        while stack:
            item, where = stack.pop()
            if isinstance(item, str):
                if item:
                    yield Slot(where, item, place)
            elif isinstance(item, dict):
                for key, inner in item.items():
                    if key:
                        yield Slot((*where, JsonKey(key)), key, place)
                    stack.append((inner, (*where, key)))
            elif isinstance(item, list):
                stack.extend((inner, (*where, index)) for index, inner in enumerate(item))


def _copy_json(value: object, path: JsonPath, root_depth: int, root: JsonPath) -> object:
    # Errors name the root of the free JSON, never a key inside it: keys are client text not yet scanned.
    if len(path) - root_depth > MAX_JSON_DEPTH:
        raise BadRequest(f"'{_where(root)}' is nested more than {MAX_JSON_DEPTH} levels deep.", param=format_path(root))
    if isinstance(value, dict):
        return {key: _copy_json(inner, (*path, key), root_depth, root) for key, inner in value.items()}
    if isinstance(value, list):
        return [_copy_json(inner, (*path, index), root_depth, root) for index, inner in enumerate(value)]
    if isinstance(value, float) and not math.isfinite(value):
        raise BadRequest(f"'{_where(root)}' holds a number that is not finite.", param=format_path(root))
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**63:
        raise BadRequest(f"'{_where(root)}' holds an integer that is too large.", param=format_path(root))
    return value


@dataclass(frozen=True)
class Media(Node):
    """Base64 data (or a ``data:`` URL) of an image, audio clip or file."""

    kind: str
    allow_url: bool = False  # an image may also be a plain https URL, which is text

    def project(self, value: object, path: JsonPath, state: Projection) -> object:
        if not isinstance(value, str):
            raise BadRequest(f"'{_where(path)}' must be a string.", param=format_path(path))
        if self.allow_url and not value.startswith("data:"):
            return value
        label, payload = _split_data_url(value)
        state.media.append(MediaNote(path, self.kind, label, sniff(payload)))
        return value

    def slots(self, value: object, path: JsonPath) -> Iterator[Slot]:
        # A URL is read like any text (it can carry a name in its query); data is not text.
        if self.allow_url and isinstance(value, str) and value and not value.startswith("data:"):
            yield Slot(path, value)

    def accepts(self, value: object) -> bool:
        return isinstance(value, str)


def _split_data_url(value: str) -> tuple[str, str]:
    if value.startswith("data:") and "," in value:
        header, payload = value[5:].split(",", 1)
        return header.split(";", 1)[0].strip().lower() or "unknown", payload
    return "unknown", value


_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"ID3", "audio/mpeg"),
    (b"\xff\xfb", "audio/mpeg"),
    (b"fLaC", "audio/flac"),
    (b"OggS", "audio/ogg"),
)


def sniff(payload: str) -> str:
    """What base64 ``payload`` really holds, from its first bytes (labels are the client's word, bytes are not)."""
    head = payload[: _MEDIA_SNIFF_BYTES * 4 // 3 + 4].strip()
    head = head[: len(head) - len(head) % 4]
    try:
        data = base64.b64decode(head, validate=True)
    except (binascii.Error, ValueError):
        return "unknown"
    for signature, media_type in _SIGNATURES:
        if data.startswith(signature):
            return media_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "unknown"
    return "text" if text and all(ch.isprintable() or ch in "\r\n\t" for ch in text) else "unknown"


@dataclass(frozen=True)
class Obj(Node):
    fields: dict[str, Node]
    required: tuple[str, ...] = ()

    def project(self, value: object, path: JsonPath, state: Projection) -> object:
        if not isinstance(value, dict):
            raise BadRequest(f"'{_where(path)}' must be an object.", param=format_path(path))
        out: dict[str, Any] = {}
        for key, item in value.items():
            node = self.fields.get(key)
            if node is None:
                # The key itself is client text that was never scanned: the audit shows its place only.
                state.dropped.append(f"{format_path(path)}.{{field}}" if path else "{field}")
                continue
            if item is None:
                continue
            out[key] = node.project(item, (*path, key), state)
        for key in self.required:
            if key not in out:
                raise BadRequest(f"'{_where((*path, key))}' is required.", param=format_path((*path, key)))
        return out

    def slots(self, value: object, path: JsonPath) -> Iterator[Slot]:
        assert isinstance(value, dict)
        for key, item in value.items():
            yield from self.fields[key].slots(item, (*path, key))

    def accepts(self, value: object) -> bool:
        return isinstance(value, dict)


@dataclass(frozen=True)
class Seq(Node):
    item: Node
    min_items: int = 0
    max_items: int = 100_000

    def project(self, value: object, path: JsonPath, state: Projection) -> object:
        if not isinstance(value, list):
            raise BadRequest(f"'{_where(path)}' must be an array.", param=format_path(path))
        if not self.min_items <= len(value) <= self.max_items:
            raise BadRequest(
                f"'{_where(path)}' must hold between {self.min_items} and {self.max_items} items.",
                param=format_path(path),
            )
        return [self.item.project(item, (*path, index), state) for index, item in enumerate(value)]

    def slots(self, value: object, path: JsonPath) -> Iterator[Slot]:
        assert isinstance(value, list)
        for index, item in enumerate(value):
            yield from self.item.slots(item, (*path, index))

    def accepts(self, value: object) -> bool:
        return isinstance(value, list)


@dataclass(frozen=True)
class Either(Node):
    """The first option whose JSON type fits (a string, or an array of parts)."""

    options: tuple[Node, ...]

    def _option(self, value: object) -> Node | None:
        return next((option for option in self.options if option.accepts(value)), None)

    def project(self, value: object, path: JsonPath, state: Projection) -> object:
        option = self._option(value)
        if option is None:
            raise BadRequest(f"'{_where(path)}' has the wrong type.", param=format_path(path))
        return option.project(value, path, state)

    def slots(self, value: object, path: JsonPath) -> Iterator[Slot]:
        option = self._option(value)
        assert option is not None
        return option.slots(value, path)

    def accepts(self, value: object) -> bool:
        return self._option(value) is not None


def either(*options: Node) -> Either:
    return Either(tuple(options))


@dataclass(frozen=True)
class Tagged(Node):
    """Objects told apart by a ``type`` field; an unknown type is refused, since dropping it would change the meaning."""

    variants: dict[str, Obj]
    tag: str = "type"
    default: str | None = None

    def _variant(self, value: object, path: JsonPath) -> tuple[str, Obj]:
        if not isinstance(value, dict):
            raise BadRequest(f"'{_where(path)}' must be an object.", param=format_path(path))
        tag = value.get(self.tag, self.default)
        if not isinstance(tag, str) or tag not in self.variants:
            where = format_path((*path, self.tag))
            known = ", ".join(repr(name) for name in self.variants)
            raise BadRequest(f"'{where}' must be one of {known}.", param=where)
        return tag, self.variants[tag]

    def project(self, value: object, path: JsonPath, state: Projection) -> object:
        tag, variant = self._variant(value, path)
        assert isinstance(value, dict)
        projected = variant.project({k: v for k, v in value.items() if k != self.tag}, path, state)
        assert isinstance(projected, dict)
        return {self.tag: tag, **projected}

    def slots(self, value: object, path: JsonPath) -> Iterator[Slot]:
        _, variant = self._variant(value, path)
        assert isinstance(value, dict)
        return variant.slots({k: v for k, v in value.items() if k != self.tag}, path)

    def accepts(self, value: object) -> bool:
        return isinstance(value, dict)


# ---------------------------------------------------------------------------------------------------------------
# The chat-completion request every chat-like API is forwarded as.

TOKENS = Number(1, 10_000_000, integer=True)
TEXT_PART = Obj({"text": Text()}, required=("text",))
CONTENT_PART = Tagged(
    {
        "text": TEXT_PART,
        "image_url": Obj(
            {
                "image_url": Obj(
                    {"url": Media("image", allow_url=True), "detail": enum("auto", "low", "high")}, ("url",)
                )
            },
            required=("image_url",),
        ),
        "input_audio": Obj(
            {
                "input_audio": Obj(
                    {"data": Media("audio"), "format": enum("wav", "mp3", "flac", "ogg", "pcm16")}, ("data",)
                )
            },
            required=("input_audio",),
        ),
        "file": Obj(
            {"file": Obj({"file_data": Media("file"), "file_id": Text(), "filename": Text()})}, required=("file",)
        ),
    }
)
FUNCTION_CALL = Obj({"name": Text(), "arguments": Text()})
TOOL_CALL = Obj({"id": Id(), "type": enum("function"), "function": FUNCTION_CALL}, required=("function",))
MESSAGE = Obj(
    {
        "role": enum("system", "developer", "user", "assistant", "tool", "function"),
        "content": either(Text(), Seq(CONTENT_PART)),
        "name": Text(),
        "tool_calls": Seq(TOOL_CALL),
        "tool_call_id": Id(),
        "function_call": FUNCTION_CALL,
        "refusal": Text(),
    },
    required=("role",),
)
FUNCTION = Obj({"name": Text(), "description": Text(), "parameters": Json(), "strict": Flag()}, required=("name",))
TOOL = Obj({"type": enum("function"), "function": FUNCTION}, required=("function",))
LOGIT_BIAS = Json()  # token id -> bias; the keys are checked to be token ids in ``_check_logit_bias``

CHAT_REQUEST = Obj(
    {
        "messages": Seq(MESSAGE, min_items=1),
        "temperature": Number(0, 2),
        "top_p": Number(0, 1),
        "top_k": Number(0, 1_000_000, integer=True),
        "n": Number(1, 128, integer=True),
        "stop": either(Text(), Seq(Text(), max_items=16)),
        "max_tokens": TOKENS,
        "max_completion_tokens": TOKENS,
        "presence_penalty": Number(-2, 2),
        "frequency_penalty": Number(-2, 2),
        "logit_bias": LOGIT_BIAS,
        "logprobs": Flag(),
        "top_logprobs": Number(0, 20, integer=True),
        "user": Text(),
        "response_format": Tagged(
            {
                "text": Obj({}),
                "json_object": Obj({}),
                "json_schema": Obj(
                    {"json_schema": Obj({"name": Text(), "description": Text(), "schema": Json(), "strict": Flag()})},
                    required=("json_schema",),
                ),
            }
        ),
        "seed": Number(-(2**63), 2**63 - 1, integer=True),
        "tools": Seq(TOOL),
        "tool_choice": either(
            enum("auto", "none", "required"), Obj({"type": enum("function"), "function": Obj({"name": Text()})})
        ),
        "parallel_tool_calls": Flag(),
        "functions": Seq(FUNCTION),
        "function_call": either(enum("auto", "none"), Obj({"name": Text()})),
        "stream_options": Obj({"include_usage": Flag()}),
        "reasoning_effort": enum("none", "minimal", "low", "medium", "high"),
        "verbosity": enum("low", "medium", "high"),
        "modalities": Seq(enum("text", "audio"), max_items=2),
        "audio": Obj({"voice": Text(), "format": enum("wav", "mp3", "flac", "opus", "pcm16", "aac")}),
        "prediction": Obj({"type": enum("content"), "content": either(Text(), Seq(Tagged({"text": TEXT_PART})))}),
        "service_tier": enum("auto", "default", "flex", "priority", "scale"),
        "web_search_options": Json(),
        "thinking": Obj({"type": enum("enabled", "disabled"), "budget_tokens": TOKENS}),
    },
    required=("messages",),
)

EMBEDDINGS_REQUEST = Obj(
    {
        "input": either(
            Text(),
            Seq(either(Text(), Number(0, 2**31, integer=True), Seq(Number(0, 2**31, integer=True))), min_items=1),
        ),
        "encoding_format": enum("float", "base64"),
        "dimensions": Number(1, 100_000, integer=True),
        "user": Text(),
    },
    required=("input",),
)


def project(
    value: dict[str, Any], declaration: Obj, state: Projection | None = None
) -> tuple[dict[str, Any], Projection]:
    """``value`` with only what ``declaration`` declares, checked; and what was dropped or seen on the way."""
    state = state or Projection()
    projected = declaration.project(value, (), state)
    assert isinstance(projected, dict)
    _check_logit_bias(projected)
    return projected, state


def _check_logit_bias(request: dict[str, Any]) -> None:
    bias = request.get("logit_bias")
    if bias is None:
        return
    if not isinstance(bias, dict) or not all(
        key.isdigit()
        and len(key) <= 10
        and isinstance(value, (int, float))
        and not isinstance(value, bool)
        and -100 <= value <= 100
        for key, value in bias.items()
    ):
        raise BadRequest("'logit_bias' must map token ids to numbers between -100 and 100.", param="logit_bias")


def attach(
    conversation: Conversation, request: dict[str, Any], declaration: Obj, ignored: list[str] | None = None
) -> None:
    """Project ``request`` through ``declaration`` and make the result what ``conversation`` forwards and scans."""
    projected, state = project(request, declaration)
    conversation.outbound = projected
    conversation.parts = text_parts(projected, declaration)
    conversation.dropped = [*(ignored or []), *state.dropped]
    for note in state.media:
        if note.mislabelled:
            conversation.opaque_parts.append(OpaquePart("mislabelled", note.path))


def check_renamed(value: object, target: str, client_field: str, declaration: Obj | None = None) -> object:
    """Check a value the client sent as ``client_field`` against the declaration of ``target``, which it becomes.

    An adapter that renames a field (Responses ``max_output_tokens`` becomes ``max_tokens``) checks it here, so a
    bad value is refused naming the field the client wrote, not the one it was renamed to.
    """
    node = (declaration or CHAT_REQUEST).fields[target]
    return node.project(value, (client_field,), Projection())


def copy_renamed(body: dict[str, Any], request: dict[str, Any], renames: tuple[tuple[str, str], ...]) -> None:
    """Copy each field the client sent to its chat-completion name, checked against that name's declaration where
    it is renamed (a value under its own name is checked when the whole request is projected)."""
    for client_field, target in renames:
        if body.get(client_field) is not None:
            value = body[client_field]
            request[target] = value if client_field == target else check_renamed(value, target, client_field)


def text_parts(request: dict[str, Any], declaration: Obj) -> list[TextPart]:
    """Every text in a projected request, in document order, as the parts the detectors read."""
    messages = request.get("messages") if declaration is CHAT_REQUEST else None
    return [_part(slot, messages) for slot in declaration.slots(request, ())]


_DEFINITIONS = {"tools", "functions", "response_format"}


def _part(slot: Slot, messages: list[Any] | None) -> TextPart:
    head = slot.path[0]
    if head == "messages" and messages is not None:
        index = slot.path[1]
        assert isinstance(index, int)
        role = messages[index]["role"]
        if "tool_calls" in slot.path or "function_call" in slot.path:
            kind: PartKind = "tool_call"
        elif slot.path[2] == "name":
            kind = "request_field"
        elif role in {"tool", "function"}:
            kind = "tool_result"
        else:
            kind = "message"
        return TextPart(slot.text, slot.path, role, kind, index, slot.place)
    if head in _DEFINITIONS:
        return TextPart(slot.text, slot.path, "system", "tool_definition", None, slot.place)
    if head == "input":
        return TextPart(slot.text, slot.path, "user", "embedding_input", None, slot.place)
    return TextPart(slot.text, slot.path, "user", "request_field", None, slot.place)
