"""Reading what the client sent: the body (within its size limit) and Handrail's own headers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import Request

from core.conversation import JsonPath, format_path
from core.errors import BadRequest, BodyTooLarge
from core.vocabulary import CLASSIFICATIONS

CLASSIFICATION_HEADER = "x-data-classification"
EXPERIMENT_HEADER = "x-handrail-experiment"
# Headers that decide something (who is asking, how sensitive the data is, which policy experiment applies).
DECIDING_HEADERS = {
    "authorization": "Authorization",
    "x-api-key": "x-api-key",
    CLASSIFICATION_HEADER: "X-Data-Classification",
    EXPERIMENT_HEADER: "X-Handrail-Experiment",
}


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refusing it as soon as it is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"The request body is larger than the {limit // 1024} KiB this gateway accepts.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"The request body is larger than the {limit // 1024} KiB this gateway accepts.")
        chunks.append(chunk)
    return b"".join(chunks)


# No API body needs more: deeper JSON is refused before any recursive code walks it.
MAX_BODY_DEPTH = 64
# Longer integers are refused as they are read; every number the gateway forwards is bounded far below this.
MAX_INTEGER_DIGITS = 64
# Keys shown by name when an error names a place; any other key is client text nobody scanned, shown as {field}.
_NAMEABLE_KEYS = frozenset(
    {
        "messages",
        "input",
        "system",
        "instructions",
        "tools",
        "functions",
        "function",
        "content",
        "text",
        "role",
        "name",
        "arguments",
        "parameters",
        "description",
        "tool_calls",
        "type",
        "response_format",
        "json_schema",
        "schema",
        "tool_choice",
        "metadata",
        "prompt",
        "output",
        "source",
        "data",
        "input_schema",
        "refusal",
        "image_url",
        "url",
    }
)


def decode_json_object(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object, refused with a 400 naming the problem if it is not one the gateway can work on.

    Beyond JSON syntax: nesting deeper than ``MAX_BODY_DEPTH``, integers longer than ``MAX_INTEGER_DIGITS`` digits,
    and lone UTF-16 surrogates (``"\\ud800"``, valid JSON but not a character, so no provider can be sent it).
    """
    if not raw.strip():
        raise BadRequest("The request body is empty; a JSON object is expected.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("The request body is not UTF-8 text.") from None
    try:
        value = json.loads(text, parse_int=_integer)
    except json.JSONDecodeError as error:
        raise BadRequest(
            f"The request body is not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})."
        ) from None
    except RecursionError:
        raise _too_deep() from None
    except ValueError:  # the interpreter's own limit on integer digits, should parse_int ever be bypassed
        raise _too_long_integer() from None
    if not isinstance(value, dict):
        raise BadRequest("The request body must be a JSON object.")
    _check_tree(value)
    return value


def _integer(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise _too_long_integer()
    return int(digits)


def _too_long_integer() -> BadRequest:
    return BadRequest(
        f"The request body holds an integer longer than {MAX_INTEGER_DIGITS} digits; no field accepts one."
    )


def _too_deep() -> BadRequest:
    return BadRequest(f"The request body is nested more than {MAX_BODY_DEPTH} levels deep.", code="too_deeply_nested")


def _check_tree(body: dict[str, Any]) -> None:
    """Depth and lone surrogates, walked without recursion (the body may be as deep as the decoder allowed)."""
    stack: list[tuple[object, JsonPath, int]] = [(body, (), 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, dict):
            if depth > MAX_BODY_DEPTH:
                raise _too_deep()
            for key, item in value.items():
                step = key if key in _NAMEABLE_KEYS else "{field}"
                if not _encodable(key):
                    raise _surrogate((*path, step), "key")
                stack.append((item, (*path, step), depth + 1))
        elif isinstance(value, list):
            if depth > MAX_BODY_DEPTH:
                raise _too_deep()
            stack.extend((item, (*path, index), depth + 1) for index, item in enumerate(value))
        elif isinstance(value, str) and not _encodable(value):
            raise _surrogate(path, "value")


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _surrogate(path: JsonPath, what: str) -> BadRequest:
    where = format_path(path)
    return BadRequest(
        f"'{where}' holds a {what} with a lone UTF-16 surrogate (an escape from \\ud800 to \\udfff that is not part of a"
        " pair), which is not a character.",
        code="invalid_unicode",
        param=where,
    )


def refuse_ambiguous_headers(headers: Headers) -> None:
    """A deciding header sent more than once with different values is refused: no copy may silently win."""
    for name, shown in DECIDING_HEADERS.items():
        if len({value.strip() for value in headers.getlist(name)}) > 1:
            raise BadRequest(
                f"The {shown} header was sent more than once with different values; send it once.",
                code="ambiguous_header",
                param=shown,
            )
    key = headers.get("authorization", "").partition(" ")[2].strip()
    other = headers.get("x-api-key", "").strip()
    if key and other and key != other:
        raise BadRequest(
            "Both Authorization and x-api-key carry a key, and they differ; send one.",
            code="ambiguous_header",
            param="Authorization",
        )


def classification(headers: Mapping[str, str]) -> str:
    """The data classification the client declares (``X-Data-Classification``), OFFICIAL by default."""
    value = headers.get(CLASSIFICATION_HEADER, "").strip().upper().replace("_", "-")
    if not value:
        return "OFFICIAL"
    if value == "TOP-SECRET":
        value = "TOP SECRET"
    if value not in CLASSIFICATIONS:
        raise BadRequest(
            f"The X-Data-Classification header must be one of {', '.join(CLASSIFICATIONS)}.",
            code="invalid_classification",
            param="X-Data-Classification",
        )
    return value


def experiment(headers: Mapping[str, str]) -> str | None:
    value = headers.get(EXPERIMENT_HEADER, "").strip()
    if not value:
        return None
    if len(value) > 100 or not all(ch.isalnum() or ch in "-_." for ch in value):
        raise BadRequest(
            "The X-Handrail-Experiment header must be an experiment name (letters, digits, '-', '_', '.').",
            code="invalid_experiment",
            param="X-Handrail-Experiment",
        )
    return value
