"""Reading what the client sent: the body (within its size limit) and Handrail's own headers."""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.requests import Request

from core.errors import BadRequest, BodyTooLarge
from core.vocabulary import CLASSIFICATIONS

CLASSIFICATION_HEADER = "x-data-classification"
EXPERIMENT_HEADER = "x-handrail-experiment"


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


def decode_json_object(raw: bytes) -> dict:
    if not raw.strip():
        raise BadRequest("The request body is empty; a JSON object is expected.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("The request body is not UTF-8 text.") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadRequest(
            f"The request body is not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})."
        ) from None
    if not isinstance(value, dict):
        raise BadRequest("The request body must be a JSON object.")
    return value


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
