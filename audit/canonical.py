"""The canonical form the audit chain hashes: one definition, used to write and to verify.

An entry's **body** is a JSON object serialised as

    json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)

i.e. keys sorted by code point at every level, no whitespace, every non-ASCII character escaped as ``\\uXXXX``, no
NaN or infinity. The body is stored exactly as those bytes (ASCII), and the entry's hash is the lowercase hex
SHA-256 of them. Times are UTC strings ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (always six fractional digits).
Free text (a redacted prompt or answer) is kept out of the body; the body holds ``text_sha256``, the SHA-256 of the
text's UTF-8 bytes, so text can be purged later without breaking the chain.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import UTC, date, datetime

GENESIS_HASH = "0" * 64
# Body versions. 1: the legacy single chain (read as shard 0, at position ``seq``). 2: sharded (``shard``,
# ``shard_seq``). 3: sharded, with identity, evidence and subjects kept beside the body and committed to by salted
# digests under ``sealed`` (``audit.sealing``).
BODY_VERSION = 1
LEGACY_BODY_VERSION = BODY_VERSION
SHARDED_BODY_VERSION = 2
SEALED_BODY_VERSION = 3
BODY_VERSIONS = (LEGACY_BODY_VERSION, SHARDED_BODY_VERSION, SEALED_BODY_VERSION)


def canonical_json(document: object, prepared: bool = False) -> str:
    """``prepared``: the document is already made of plain JSON values (``jsonable``)."""
    return json.dumps(
        document if prepared else jsonable(document),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
        allow_nan=False,
    )


def sha256_hex(data: str) -> str:
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is taken to be UTC already (SQLite returns them so)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def format_time(moment: datetime) -> str:
    return utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    return utc(datetime.fromisoformat(text.replace("Z", "+00:00")))


def clean_text(text: str) -> str:
    """Text as it can be stored in every database: no NUL characters, no lone surrogates."""
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")


def jsonable(value: object) -> object:
    """Plain JSON values: datetimes become canonical time strings, tuples lists, sets sorted lists."""
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return sorted(jsonable(item) for item in value)  # type: ignore[type-var]
    if isinstance(value, str):
        return clean_text(value)
    return value
