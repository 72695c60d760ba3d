"""The canonical form is the documented one: an auditor's own script, using nothing but hashlib and json, can check
the chain without Handrail's code."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from audit.canonical import canonical_json, format_time
from audit.schema import audit_checkpoints, audit_ledger, audit_sealed


def _root(leaves: list[dict]) -> bytes:
    """RFC 6962's Merkle tree hash, as docs/audit.md describes it."""
    if len(leaves) == 1:
        encoded = json.dumps(leaves[0], sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")
        return hashlib.sha256(b"\x00" + encoded).digest()
    split = 1
    while split * 2 < len(leaves):
        split *= 2
    return hashlib.sha256(b"\x01" + _root(leaves[:split]) + _root(leaves[split:])).digest()


def independent_check(rows: list[dict], checkpoints: list[dict], secret: str, sealed: list[dict] | None = None) -> int:
    """What docs/audit.md tells an auditor to do, written from the documentation alone."""
    bodies = {row["seq"]: json.loads(row["body"]) for row in rows}
    for section in sealed or []:
        salted = (section["salt"] + ":" + section["content"]).encode("utf-8")
        assert hashlib.sha256(salted).hexdigest() == bodies[section["seq"]]["sealed"][section["section"]]
    hashes: dict[tuple[int, int], str] = {}
    previous: dict[int, str] = {}
    last_order: dict[int, int] = {}
    for row in sorted(rows, key=lambda r: (r["shard"], r["shard_seq"])):
        body = json.loads(row["body"])
        shard = row["shard"]
        assert json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True) == row["body"]
        assert body["v"] == 3 and "sealed" in body and body["seq"] == row["seq"] and body["shard"] == shard
        assert body["shard_seq"] == row["shard_seq"] == len([k for k in hashes if k[0] == shard]) + 1
        assert body["seq"] > last_order.get(shard, 0)
        assert body["prev"] == previous.get(shard, "0" * 64)
        assert hashlib.sha256(row["body"].encode("ascii")).hexdigest() == row["hash"]
        if row["text"] is not None:
            assert hashlib.sha256(row["text"].encode("utf-8")).hexdigest() == body["text_sha256"]
        previous[shard], last_order[shard] = row["hash"], body["seq"]
        hashes[shard, row["shard_seq"]] = row["hash"]
    for checkpoint in checkpoints:
        leaves = json.loads(checkpoint["leaves"])
        root = _root(leaves).hex()
        message = json.dumps(
            {
                "v": 2,
                "number": checkpoint["number"],
                "entries": sum(leaf["seq"] for leaf in leaves),
                "shards": len(leaves),
                "root": root,
                "created_at": checkpoint["created_at"],
                "algorithm": checkpoint["algorithm"],
                "key_id": checkpoint["key_id"],
            },
            sort_keys=True,
            separators=(",", ":"),
        )
        signature = hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()
        assert signature == checkpoint["signature"] and root == checkpoint["root"]
        assert all(hashes[leaf["shard"], leaf["seq"]] == leaf["hash"] for leaf in leaves)
    return len(rows)


def test_an_auditor_can_verify_the_chain_with_hashlib_and_json_alone(store, traffic, settings):
    traffic.allowed(prompt_text="Ünïcode prompt with <PERSON>")
    traffic.blocked()
    traffic.rejected()
    for _ in range(10):
        traffic.redacted()
    with store.engine.connect() as connection:
        rows = [dict(r) for r in connection.execute(select(audit_ledger).order_by(audit_ledger.c.seq)).mappings()]
        checkpoints = [dict(r) for r in connection.execute(select(audit_checkpoints)).mappings()]
        sealed = [dict(r) for r in connection.execute(select(audit_sealed)).mappings()]
    for checkpoint in checkpoints:
        checkpoint["created_at"] = format_time(checkpoint["created_at"])
    assert len(sealed) == 13  # the identity of every request (a refused one still has its client address)
    assert independent_check(rows, checkpoints, settings.checkpoint_key.get_secret_value(), sealed) == 24
    assert len(checkpoints) == 3


def test_canonical_json_and_times():
    assert canonical_json({"b": 1, "a": {"d": [1, "é"], "c": None}}) == '{"a":{"c":null,"d":[1,"\\u00e9"]},"b":1}'
    moment = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=1)))
    assert format_time(moment) == "2025-01-02T02:04:05.000000Z"
    assert format_time(datetime(2025, 1, 2, 3, 4, 5, 7)) == "2025-01-02T03:04:05.000007Z"  # naive = UTC
