"""Signed checkpoints over every shard's head, written by whichever writer finds one due.

A checkpoint is written in its own short transaction, after the entries it follows are committed: it locks the one
row of ``audit_checkpoint_head`` (so checkpoints are numbered without gaps), reads every shard's committed head,
and signs the Merkle root of those heads (``audit.merkle``). Appenders never wait for it: they lock their own shard's
head, and a checkpoint only reads those rows. Because each checkpoint reads the heads after the one before it was
committed, and heads only grow, every shard's position in a checkpoint is at least its position in the one before.

A writer whose checkpoint is due but finds another writer signing one skips it (PostgreSQL ``SKIP LOCKED``): the
other covers its entries, or the next due append tries again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, insert, select, update

from audit.canonical import format_time, utc
from audit.merkle import Leaf, leaves_json, merkle_root, parse_leaves
from audit.schema import audit_checkpoint_head, audit_checkpoints, audit_shard_heads
from audit.signing import Signer, merkle_checkpoint_message


@dataclass(frozen=True, slots=True)
class CheckpointPolicy:
    every_entries: int = 1000
    every_seconds: float = 60.0


@dataclass(frozen=True, slots=True)
class Checkpoint:
    number: int
    seq: int  # entries covered (the sum of the leaves' positions); for a single-chain checkpoint, its entry
    hash: str  # the Merkle root; for a single-chain checkpoint, its entry's hash
    created_at: datetime
    algorithm: str
    key_id: str
    signature: str
    leaves: tuple[Leaf, ...] | None = None  # None: a checkpoint of the single chain, from before revision 0004

    @property
    def root(self) -> str | None:
        return self.hash if self.leaves is not None else None

    def to_document(self) -> dict[str, object]:
        document: dict[str, object] = {
            "number": self.number,
            "seq": self.seq,
            "hash": self.hash,
            "created_at": format_time(self.created_at),
            "algorithm": self.algorithm,
            "key_id": self.key_id,
            "signature": self.signature,
        }
        if self.leaves is not None:
            document.update(v=2, root=self.hash, leaves=[leaf.to_document() for leaf in self.leaves])
        return document


def checkpoint_from_row(row: dict[str, object]) -> Checkpoint:
    leaves = row.get("leaves")
    return Checkpoint(
        row["number"],  # type: ignore[arg-type]
        row["seq"],  # type: ignore[arg-type]
        row["hash"],  # type: ignore[arg-type]
        utc(row["created_at"]),  # type: ignore[arg-type]
        row["algorithm"],  # type: ignore[arg-type]
        row["key_id"],  # type: ignore[arg-type]
        row["signature"],  # type: ignore[arg-type]
        parse_leaves(leaves) if leaves is not None else None,
    )


def latest_checkpoint(connection: Connection) -> Checkpoint | None:
    row = (
        connection.execute(select(audit_checkpoints).order_by(audit_checkpoints.c.number.desc()).limit(1))
        .mappings()
        .first()
    )
    return checkpoint_from_row(dict(row)) if row is not None else None


def shard_leaves(connection: Connection) -> tuple[Leaf, ...]:
    """Every non-empty shard's committed head, ordered by shard."""
    rows = connection.execute(
        select(audit_shard_heads.c.shard, audit_shard_heads.c.seq, audit_shard_heads.c.hash)
        .where(audit_shard_heads.c.seq > 0)
        .order_by(audit_shard_heads.c.shard)
    ).all()
    return tuple(Leaf(shard, seq, hash_) for shard, seq, hash_ in rows)


def is_due(
    policy: CheckpointPolicy, now: datetime, last_at: datetime | None, advanced: int, anything_new: bool
) -> bool:
    """``advanced``: how far the shard that advanced most moved since the last checkpoint."""
    if not anything_new:
        return False
    if last_at is None or advanced >= policy.every_entries:
        return True
    return (now - last_at).total_seconds() >= policy.every_seconds


def write_checkpoint(
    connection: Connection, signer: Signer, policy: CheckpointPolicy, force: bool = False
) -> Checkpoint | None:
    """Sign a checkpoint of every shard's head if one is due (``force``: if anything was appended since the last);
    run inside a transaction. None if none was written (not due, or another writer holds the lock)."""
    statement = select(audit_checkpoint_head).where(audit_checkpoint_head.c.id == 1)
    if connection.dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=not force)
    head = connection.execute(statement).mappings().first()
    if head is None:
        return None
    number = head["checkpoint_number"]
    last_at = utc(head["checkpoint_at"]) if head["checkpoint_at"] is not None else None
    previous = latest_checkpoint(connection) if number else None
    before = positions(previous)
    leaves = shard_leaves(connection)
    advanced = max((leaf.seq - before.get(leaf.shard, 0) for leaf in leaves), default=0)
    now = datetime.now(UTC)
    anything_new = any(leaf.seq != before.get(leaf.shard, 0) for leaf in leaves)
    if not (anything_new if force else is_due(policy, now, last_at, advanced, anything_new)):
        return None
    number += 1
    root = merkle_root(leaves)
    entries = sum(leaf.seq for leaf in leaves)
    message = merkle_checkpoint_message(
        number, entries, len(leaves), root, format_time(now), signer.algorithm, signer.key_id
    )
    checkpoint = Checkpoint(number, entries, root, now, signer.algorithm, signer.key_id, signer.sign(message), leaves)
    connection.execute(
        insert(audit_checkpoints).values(
            number=number,
            seq=entries,
            hash=root,
            created_at=now,
            algorithm=checkpoint.algorithm,
            key_id=checkpoint.key_id,
            signature=checkpoint.signature,
            root=root,
            leaves=leaves_json(leaves),
        )
    )
    connection.execute(
        update(audit_checkpoint_head)
        .where(audit_checkpoint_head.c.id == 1)
        .values(checkpoint_number=number, checkpoint_at=now)
    )
    return checkpoint


def positions(checkpoint: Checkpoint | None) -> dict[int, int]:
    """Each shard's position in ``checkpoint``; a single-chain checkpoint covers shard 0 up to its entry."""
    if checkpoint is None:
        return {}
    if checkpoint.leaves is None:
        return {0: checkpoint.seq}
    return {leaf.shard: leaf.seq for leaf in checkpoint.leaves}
