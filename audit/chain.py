"""Where an entry sits in the chain, and the chain's head and last signed checkpoint, as an auditor is shown them.

Only reads; ``audit.access`` records who asked. Proving the chain intact is ``audit.verify``'s job: this says what
the chain claims (its head, the entry's hash, the first checkpoint that covers the entry), not that it is true.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from audit.canonical import format_time, utc
from audit.ledger import latest_checkpoint
from audit.schema import audit_chain_head, audit_checkpoints, audit_ledger


def checkpoint_document(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "number": row["number"],
        "seq": row["seq"],
        "hash": row["hash"],
        "created_at": format_time(utc(row["created_at"])),
        "algorithm": row["algorithm"],
        "key_id": row["key_id"],
    }


def head(connection: Connection) -> dict[str, Any]:
    """The chain's last entry and its last checkpoint (None for an empty trail)."""
    row = connection.execute(select(audit_chain_head.c.seq, audit_chain_head.c.hash)).first()
    latest = latest_checkpoint(connection)
    return {
        "seq": row.seq if row else 0,
        "hash": row.hash if row else None,
        "checkpoint": {**latest.to_document(), "signature": None} if latest else None,
    }


def position(connection: Connection, seq: int) -> dict[str, Any]:
    """An entry's hash and the first checkpoint whose signature covers it (None: not yet covered)."""
    entry_hash = connection.execute(select(audit_ledger.c.hash).where(audit_ledger.c.seq == seq)).scalar_one_or_none()
    covering = (
        connection.execute(
            select(audit_checkpoints)
            .where(audit_checkpoints.c.seq >= seq)
            .order_by(audit_checkpoints.c.number)
            .limit(1)
        )
        .mappings()
        .first()
    )
    return {"seq": seq, "hash": entry_hash, "covered_by": checkpoint_document(dict(covering)) if covering else None}
