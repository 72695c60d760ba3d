"""Small checks shared by the wire-format parsers.

Each raises :class:`~core.errors.BadRequest` naming the offending field, so a
client learns exactly what to fix.
"""

from __future__ import annotations

from typing import Any

from core.conversation import Conversation, JsonPath, ToolDeclaration, format_path
from core.errors import BadRequest

_TYPE_NAMES = {str: "a string", int: "an integer", bool: "a boolean", list: "an array", dict: "an object"}


def expect(value: object, kind: type | tuple[type, ...], path: JsonPath) -> None:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    # bool is an int in Python; JSON keeps them apart.
    if isinstance(value, bool) and bool not in kinds:
        ok = False
    else:
        ok = isinstance(value, kinds)
    if not ok:
        wanted = " or ".join(_TYPE_NAMES.get(k, k.__name__) for k in kinds)
        raise BadRequest(f"'{format_path(path)}' must be {wanted}.", param=format_path(path))


def word(value: object) -> str | None:
    """A value that selects something (a role, a content type) if it is a string, else None.

    Selectors are looked up in sets and dicts; a list or object there must read as "not one of
    them" (a 400 naming the field), never reach the lookup, where it cannot be hashed.
    """
    return value if isinstance(value, str) else None


def required(body: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> object:
    if key not in body or body[key] is None:
        raise BadRequest(f"'{key}' is required.", param=key)
    expect(body[key], kind, (key,))
    return body[key]


def optional(body: dict[str, Any], key: str, kind: type | tuple[type, ...], path: JsonPath = ()) -> object | None:
    value = body.get(key)
    if value is not None:
        expect(value, kind, (*path, key))
    return value


def optional_list(body: dict[str, Any], key: str) -> list[Any]:
    """An optional array field: the array, or ``[]`` when it is absent or null."""
    value = optional(body, key, list)
    return value if isinstance(value, list) else []


def list_at(value: object, path: JsonPath) -> list[Any]:
    expect(value, list, path)
    assert isinstance(value, list)
    return value


def object_at(value: object, path: JsonPath) -> dict[str, Any]:
    expect(value, dict, path)
    assert isinstance(value, dict)
    return value


def non_empty_list(body: dict[str, Any], key: str, what: str) -> list[Any]:
    value = required(body, key, list)
    assert isinstance(value, list)
    if not value:
        raise BadRequest(f"'{key}' must contain at least one {what}.", param=key)
    return value


def model_name(body: dict[str, Any]) -> str:
    model = required(body, "model", str)
    assert isinstance(model, str)
    if not model.strip():
        raise BadRequest("'model' must not be empty.", param="model")
    return model


def stream_flag(body: dict[str, Any]) -> bool:
    return bool(optional(body, "stream", bool))


def declare_tool(conversation: Conversation, tool_type: str, definition: dict[str, Any], path: JsonPath) -> None:
    """Record a declared tool for the usage safeguards (its text is read where it is forwarded)."""
    name = definition.get("name")
    description = definition.get("description")
    description = description if isinstance(description, str) else ""
    conversation.tools.append(ToolDeclaration(tool_type, name if isinstance(name, str) else None, description, path))
