"""Appending to the hash chain: one writer at a time, across threads, processes and replicas.

Every append runs in a transaction that first locks the chain head — ``SELECT ... FOR UPDATE`` on its single row
in PostgreSQL, ``BEGIN IMMEDIATE`` (the database write lock) in SQLite — then writes the entry with
``seq = head.seq + 1`` and ``prev = head.hash`` and moves the head. Concurrent appenders wait for the lock, so
the chain stays a single line with no gaps, and a transaction that fails leaves no trace.

An entry's body (see ``audit.canonical``) is::

    {"v": 1, "seq": N, "prev": "<hash of entry N-1, or 64 zeros>", "kind": "request|completion|access|purge",
     "request_id": "...", "recorded_at": "...Z", "text_sha256": "<hex or null>", "data": {...}}

or, version 2, the same with ``"v": 2`` and ``"sealed": {"identity": "<commitment>", ...}`` (see ``audit.sealing``).

and its hash is SHA-256 of the body. Checkpoints are written inside the same transaction when one is due.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from audit.canonical import BODY_VERSION, SEALED_BODY_VERSION, canonical_json, clean_text, format_time, sha256_hex, utc
from audit.database import writer_connection
from audit.schema import audit_chain_head, audit_checkpoints, audit_ledger
from audit.signing import Signer, checkpoint_message

_MOVE_HEAD = update(audit_chain_head).where(audit_chain_head.c.id == 1)


@dataclass(frozen=True, slots=True)
class CheckpointPolicy:
    every_entries: int = 1000
    every_seconds: float = 60.0


@dataclass(frozen=True, slots=True)
class Appended:
    seq: int
    hash: str
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class Checkpoint:
    number: int
    seq: int
    hash: str
    created_at: datetime
    algorithm: str
    key_id: str
    signature: str

    def to_document(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "seq": self.seq,
            "hash": self.hash,
            "created_at": format_time(self.created_at),
            "algorithm": self.algorithm,
            "key_id": self.key_id,
            "signature": self.signature,
        }


def entry_body(
    seq: int,
    prev: str,
    kind: str,
    request_id: str,
    recorded_at: datetime,
    text: str | None,
    data: dict[str, Any],
    sealed: dict[str, str] | None = None,
) -> str:
    """The canonical body; ``data`` must already be plain JSON values (``audit.canonical.jsonable``).

    ``sealed``: the commitments of the entry's sealed sections (``audit.sealing``), which makes it a version 2 body;
    without it the body is version 1, exactly as before."""
    body = {
        "v": BODY_VERSION,
        "seq": seq,
        "prev": prev,
        "kind": kind,
        "request_id": request_id,
        "recorded_at": format_time(recorded_at),
        "text_sha256": None if text is None else sha256_hex(text),
        "data": data,
    }
    if sealed is not None:
        body.update(v=SEALED_BODY_VERSION, sealed=sealed)
    return canonical_json(body, prepared=True)


class ChainWriter:
    """The open append transaction: the head is locked until it commits.

    Entries are hashed as they are appended and written together by ``finish`` (one round trip for many entries
    when appends are grouped, see ``audit.store``).
    """

    def __init__(self, connection: Connection, signer: Signer, policy: CheckpointPolicy) -> None:
        self.connection = connection
        self._signer = signer
        self._policy = policy
        statement = select(audit_chain_head).where(audit_chain_head.c.id == 1)
        if connection.dialect.name == "postgresql":
            statement = statement.with_for_update()
        head = connection.execute(statement).mappings().one()
        self._seq: int = head["seq"]
        self._hash: str = head["hash"]
        self._checkpoint_number: int = head["checkpoint_number"]
        self._checkpoint_seq: int = head["checkpoint_seq"]
        self._checkpoint_at: datetime | None = utc(head["checkpoint_at"]) if head["checkpoint_at"] else None
        self._start_seq = self._seq
        self._rows: list[dict[str, Any]] = []
        self.checkpoint_written: Checkpoint | None = None

    def append(
        self,
        kind: str,
        request_id: str,
        data: dict[str, Any],
        text: str | None = None,
        sealed: dict[str, str] | None = None,
    ) -> Appended:
        recorded_at = datetime.now(UTC)
        if text is not None:
            text = clean_text(text)
        seq = self._seq + 1
        body = entry_body(seq, self._hash, kind, request_id, recorded_at, text, data, sealed)
        entry_hash = sha256_hex(body)
        self._rows.append(
            {
                "seq": seq,
                "kind": kind,
                "request_id": request_id,
                "recorded_at": recorded_at,
                "body": body,
                "text": text,
                "hash": entry_hash,
            }
        )
        self._seq, self._hash = seq, entry_hash
        return Appended(seq, entry_hash, recorded_at)

    def checkpoint_due(self, now: datetime) -> bool:
        if self._seq == self._checkpoint_seq:
            return False
        if self._seq - self._checkpoint_seq >= self._policy.every_entries or self._checkpoint_at is None:
            return True
        return (now - self._checkpoint_at).total_seconds() >= self._policy.every_seconds

    def write_checkpoint(self, now: datetime) -> Checkpoint:
        number = self._checkpoint_number + 1
        message = checkpoint_message(
            number, self._seq, self._hash, format_time(now), self._signer.algorithm, self._signer.key_id
        )
        checkpoint = Checkpoint(
            number, self._seq, self._hash, now, self._signer.algorithm, self._signer.key_id, self._signer.sign(message)
        )
        self.connection.execute(
            insert(audit_checkpoints).values(
                number=number,
                seq=checkpoint.seq,
                hash=checkpoint.hash,
                created_at=now,
                algorithm=checkpoint.algorithm,
                key_id=checkpoint.key_id,
                signature=checkpoint.signature,
            )
        )
        self._checkpoint_number, self._checkpoint_seq, self._checkpoint_at = number, self._seq, now
        self.checkpoint_written = checkpoint
        return checkpoint

    def finish(self, force_checkpoint: bool = False) -> None:
        """Write the entries, move the head (and sign a checkpoint if one is due); call last, before commit."""
        if self._rows:
            self.connection.execute(insert(audit_ledger), self._rows)
            self._rows = []
        now = datetime.now(UTC)
        if (force_checkpoint and self._seq != self._checkpoint_seq) or self.checkpoint_due(now):
            self.write_checkpoint(now)
        if self._seq == self._start_seq and self.checkpoint_written is None:
            return
        self.connection.execute(
            _MOVE_HEAD,
            {
                "seq": self._seq,
                "hash": self._hash,
                "checkpoint_number": self._checkpoint_number,
                "checkpoint_seq": self._checkpoint_seq,
                "checkpoint_at": self._checkpoint_at,
            },
        )


@contextmanager
def chain_transaction(
    engine: Engine, signer: Signer, policy: CheckpointPolicy, force_checkpoint: bool = False
) -> Iterator[ChainWriter]:
    """Lock the chain head, yield a writer, and commit everything at once (or nothing, on an exception)."""
    with writer_connection(engine) as connection, connection.begin():
        writer = ChainWriter(connection, signer, policy)
        yield writer
        writer.finish(force_checkpoint)


def latest_checkpoint(connection: Connection) -> Checkpoint | None:
    row = (
        connection.execute(select(audit_checkpoints).order_by(audit_checkpoints.c.number.desc()).limit(1))
        .mappings()
        .first()
    )
    if row is None:
        return None
    return Checkpoint(
        row["number"],
        row["seq"],
        row["hash"],
        utc(row["created_at"]),
        row["algorithm"],
        row["key_id"],
        row["signature"],
    )
