"""Signatures on retention and erasure records, with the key that signs checkpoints.

A record that says "these fields were removed" excuses missing content when ``verify`` runs; signing it means someone
with only database access cannot append a record that excuses a deletion of their own. The signed message is the
record's summary (what was removed and the digests of which entries), canonical JSON, so the record's identity
fields — sealed, and themselves removable — are not part of it.
"""

from __future__ import annotations

from typing import Any

from audit.canonical import canonical_json
from audit.signing import UNSIGNED, KeyRing, Signer


def record_message(kind: str, request_id: str, occurred_at: str, summary: dict[str, Any]) -> bytes:
    document = {"v": 1, "kind": kind, "request_id": request_id, "occurred_at": occurred_at, "summary": summary}
    return canonical_json(document).encode("ascii")


def sign_record(
    signer: Signer, kind: str, request_id: str, occurred_at: str, summary: dict[str, Any]
) -> dict[str, str]:
    message = record_message(kind, request_id, occurred_at, summary)
    return {"algorithm": signer.algorithm, "key_id": signer.key_id, "value": signer.sign(message)}


def check_record(keys: KeyRing, kind: str, data: dict[str, Any], summary_key: str) -> str | None:
    """None if the record's signature holds; otherwise what is wrong with it ("unverifiable: ..." when no key to
    check it was given)."""
    signature = data.get("signature")
    summary = data.get(summary_key)
    if not isinstance(signature, dict) or not isinstance(summary, dict):
        return "it carries no signature"
    message = record_message(kind, str(data.get("request_id")), str(data.get("occurred_at")), summary)
    algorithm = str(signature.get("algorithm"))
    if algorithm == UNSIGNED and keys.requires_signatures:
        return "it is not signed, but this trail's checkpoints are: a record anyone could have written"
    verdict = keys.check(algorithm, str(signature.get("key_id")), message, str(signature.get("value")))
    if verdict is None:
        return f"unverifiable: it was signed by key {signature.get('key_id')}, which was not given"
    return None if verdict else "its signature does not match what it says"
