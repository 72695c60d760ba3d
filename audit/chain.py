"""Where an entry sits in the chains, and the shards' heads and last signed checkpoint, as an auditor is shown them.

Only reads; ``audit.access`` records who asked. Proving the chains intact is ``audit.verify``'s job: this says what
the chains claim (their heads, the entry's hash, the first checkpoint that covers the entry), not that it is true.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from audit.canonical import format_time, utc
from audit.checkpoint import checkpoint_from_row, latest_checkpoint, positions
from audit.schema import audit_checkpoints, audit_ledger, audit_shard_heads

SCAN = 200  # checkpoints read at a time while looking for the first that covers an entry


def checkpoint_document(row: dict[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = {
        "number": row["number"],
        "seq": row["seq"],
        "hash": row["hash"],
        "created_at": format_time(utc(row["created_at"])),
        "algorithm": row["algorithm"],
        "key_id": row["key_id"],
    }
    if row.get("root") is not None:
        document["root"] = row["root"]
    return document


def head(connection: Connection) -> dict[str, Any]:
    """The trail's last entry, every shard's head and the last checkpoint (seq 0 and no hash for an empty trail)."""
    last = connection.execute(select(func.max(audit_ledger.c.seq))).scalar_one()
    last_hash = (
        connection.execute(select(audit_ledger.c.hash).where(audit_ledger.c.seq == last)).scalar_one_or_none()
        if last is not None
        else None
    )
    shards = [
        {"shard": shard, "seq": seq, "hash": hash_}
        for shard, seq, hash_ in connection.execute(
            select(audit_shard_heads.c.shard, audit_shard_heads.c.seq, audit_shard_heads.c.hash).order_by(
                audit_shard_heads.c.shard
            )
        )
    ]
    latest = latest_checkpoint(connection)
    return {
        "seq": last or 0,
        "hash": last_hash,
        "shards": shards,
        "checkpoint": {**latest.to_document(), "signature": None} if latest else None,
    }


def position(connection: Connection, seq: int) -> dict[str, Any]:
    """An entry's hash and shard, and the first checkpoint whose signature covers it (None: not yet covered)."""
    row = connection.execute(
        select(audit_ledger.c.hash, audit_ledger.c.shard, audit_ledger.c.shard_seq).where(audit_ledger.c.seq == seq)
    ).first()
    covering = _first_covering(connection, row.shard, row.shard_seq) if row is not None else None
    return {
        "seq": seq,
        "hash": row.hash if row else None,
        "shard": row.shard if row else None,
        "shard_seq": row.shard_seq if row else None,
        "covered_by": checkpoint_document(covering) if covering else None,
    }


def _first_covering(connection: Connection, shard: int, shard_seq: int) -> dict[str, Any] | None:
    # Checkpoints only grow, so the first one whose position for the shard reaches the entry covers it; the scan
    # starts at the first checkpoint that covers at least that many entries in all (a cheap lower bound).
    after = 0
    while True:
        rows = (
            connection.execute(
                select(audit_checkpoints)
                .where(audit_checkpoints.c.number > after, audit_checkpoints.c.seq >= shard_seq)
                .order_by(audit_checkpoints.c.number)
                .limit(SCAN)
            )
            .mappings()
            .all()
        )
        for row in rows:
            if positions(checkpoint_from_row(dict(row))).get(shard, 0) >= shard_seq:
                return dict(row)
        if len(rows) < SCAN:
            return None
        after = rows[-1]["number"]
