"""Appending to the hash chains: one writer at a time per shard, many shards at once.

The trail is ``audit.shards`` chains (shards), each with its own head row, its own gap-free positions
(``shard_seq`` 1, 2, 3 …) and its own links. Every append runs in a transaction that first locks one shard's head —
on PostgreSQL the first of the shards not locked by another writer, starting from the writer's own
(``SELECT ... FOR UPDATE SKIP LOCKED``), or its own if all are busy; on SQLite the writer's own, under the database
write lock (``BEGIN IMMEDIATE``) — then writes the entry with ``shard_seq = head.seq + 1`` and ``prev = head.hash``
and moves that head. So each shard stays a single line with no gaps, writers on different shards never wait for one
another, and a transaction that fails leaves no trace.

Every entry also gets ``seq``, the global order key that queries sort and page by: from a PostgreSQL sequence
(``audit_ledger_order``, which needs no lock; a rolled-back transaction leaves a gap) or, on SQLite, the next after
the largest. It is taken while the shard is locked, so it grows along each shard.

An entry's body (see ``audit.canonical``) is::

    {"v": 2, "seq": ORDER, "shard": K, "shard_seq": N, "prev": "<hash of entry N-1 of shard K, or 64 zeros>",
     "kind": "request|completion|access|purge", "request_id": "...", "recorded_at": "...Z",
     "text_sha256": "<hex or null>", "data": {...}}

or, version 3, the same with ``"v": 3`` and ``"sealed": {"identity": "<commitment>", ...}``: the entry's identity,
evidence and subjects are kept beside the body in ``audit_sealed`` (see ``audit.sealing``). Version 1 is the legacy
single-chain body (see ``audit.canonical``).

and its hash is SHA-256 of the body. Entries written before sharding have ``"v": 1`` and no ``shard``/``shard_seq``:
they are shard 0, at position ``seq``. Checkpoints are written after the append commits (``audit.checkpoint``); the
writer only says whether one looks due.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Subquery, func, insert, select, text, update

from audit.canonical import (
    SEALED_BODY_VERSION,
    SHARDED_BODY_VERSION,
    canonical_json,
    clean_text,
    format_time,
    sha256_hex,
    utc,
)
from audit.checkpoint import CheckpointPolicy, is_due, latest_checkpoint, positions
from audit.database import writer_connection
from audit.schema import audit_checkpoint_head, audit_ledger, audit_shard_heads

_NEXT_ORDER = text("SELECT nextval('audit_ledger_order') FROM generate_series(1, :count)")


@dataclass(frozen=True, slots=True)
class Appended:
    seq: int  # the global order key
    shard: int
    shard_seq: int
    hash: str
    recorded_at: datetime


@dataclass
class CheckpointView:
    """What a writer last saw of the latest checkpoint, to tell cheaply whether the next one is due."""

    number: int = -1
    at: datetime | None = None
    positions: dict[int, int] = field(default_factory=dict)


def entry_body(
    seq: int,
    shard: int,
    shard_seq: int,
    prev: str,
    kind: str,
    request_id: str,
    recorded_at: datetime,
    text: str | None,
    data: dict[str, Any],
    sealed: dict[str, str] | None = None,
) -> str:
    """The canonical body; ``data`` must already be plain JSON values (``audit.canonical.jsonable``).

    ``sealed``: the commitments of the entry's sealed sections (``audit.sealing``), which makes it a version 3 body;
    without it the body is version 2 (sharded, nothing sealed)."""
    body: dict[str, object] = {
        "v": SHARDED_BODY_VERSION,
        "seq": seq,
        "shard": shard,
        "shard_seq": shard_seq,
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
    """The open append transaction: one shard's head is locked until it commits.

    Entries are hashed as they are appended and written together by ``finish`` (one round trip for many entries
    when appends are grouped, see ``audit.store``).
    """

    def __init__(
        self,
        connection: Connection,
        shards: int = 1,
        preferred: int = 0,
        policy: CheckpointPolicy | None = None,
        view: CheckpointView | None = None,
        reserve: int = 1,
        every_shard: bool = False,
    ) -> None:
        """``reserve``: how many entries the transaction will likely append (order keys are fetched for them).
        ``every_shard``: lock every shard's head (in shard order) before taking one to append to, so that no append
        on any shard commits until this transaction does (an erasure reads and removes under that lock)."""
        self.connection = connection
        if every_shard and connection.dialect.name == "postgresql":
            # SQLite: BEGIN IMMEDIATE has locked the whole database already. Always in shard order, and an ordinary
            # writer holds only one head, so two such transactions, or one and a writer, cannot deadlock.
            connection.execute(
                select(audit_shard_heads.c.shard).order_by(audit_shard_heads.c.shard).with_for_update()
            ).all()
        self._policy = policy or CheckpointPolicy()
        self._view = view if view is not None else CheckpointView()
        self._orders: list[int] = []
        self._last_order: int | None = None
        head = self._lock_head(shards, preferred % shards, reserve)
        self.shard: int = head["shard"]
        self._seq: int = head["seq"]
        self._hash: str = head["hash"]
        self._start_seq = self._seq
        self._rows: list[dict[str, object]] = []
        self.checkpoint_due = False

    def _lock_head(self, shards: int, preferred: int, reserve: int) -> dict[str, Any]:
        heads = audit_shard_heads.c
        if self.connection.dialect.name == "postgresql":
            # Any free shard, the writer's own first: writers spread over the shards and rarely wait. The order keys
            # come in the same round trip, taken once the row is locked (the outer query runs on the locked row),
            # so they grow along the shard.
            free = (
                select(audit_shard_heads)
                .where(heads.shard < shards)
                .order_by((heads.shard + shards - preferred) % shards)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            row = self._locked_with_orders(free.subquery(), reserve)
            if row is None:
                mine = select(audit_shard_heads).where(heads.shard == preferred).with_for_update()
                row = self._locked_with_orders(mine.subquery(), reserve)
            if row is None:
                raise LookupError(f"shard {preferred} has no head row")
            self._orders = sorted(row.pop("orders") or ())
            return row
        # SQLite: the whole database is locked already (BEGIN IMMEDIATE).
        own = self.connection.execute(select(audit_shard_heads).where(heads.shard == preferred)).mappings().one()
        self.reserve(reserve)
        return dict(own)

    def _locked_with_orders(self, locked: Subquery, count: int) -> dict[str, Any] | None:
        orders = select(func.array_agg(func.nextval("audit_ledger_order"))).select_from(func.generate_series(1, count))
        row = (
            self.connection.execute(
                select(locked.c.shard, locked.c.seq, locked.c.hash, orders.scalar_subquery().label("orders"))
            )
            .mappings()
            .first()
        )
        return dict(row) if row is not None else None

    def reserve(self, count: int) -> None:
        """Fetch ``count`` more order keys in one round trip (a grouped transaction appends about one entry per work)."""
        if count <= 0:
            return
        if self.connection.dialect.name == "postgresql":
            self._orders += sorted(self.connection.execute(_NEXT_ORDER, {"count": count}).scalars())
            return
        if self._last_order is None:
            self._last_order = self.connection.execute(
                select(func.coalesce(func.max(audit_ledger.c.seq), 0))
            ).scalar_one()
        self._orders += range(self._last_order + 1, self._last_order + 1 + count)
        self._last_order += count

    def _next_order(self) -> int:
        if not self._orders:
            self.reserve(1)
        return self._orders.pop(0)

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
        order = self._next_order()
        shard_seq = self._seq + 1
        body = entry_body(order, self.shard, shard_seq, self._hash, kind, request_id, recorded_at, text, data, sealed)
        entry_hash = sha256_hex(body)
        self._rows.append(
            {
                "seq": order,
                "shard": self.shard,
                "shard_seq": shard_seq,
                "kind": kind,
                "request_id": request_id,
                "recorded_at": recorded_at,
                "body": body,
                "text": text,
                "hash": entry_hash,
            }
        )
        self._seq, self._hash = shard_seq, entry_hash
        return Appended(order, self.shard, shard_seq, entry_hash, recorded_at)

    def finish(self) -> None:
        """Write the entries and move the head; say whether a checkpoint looks due. Call last, before commit."""
        if not self._rows:
            return
        self.connection.execute(insert(audit_ledger), self._rows)
        self._rows = []
        self.connection.execute(
            update(audit_shard_heads)
            .where(audit_shard_heads.c.shard == self.shard)
            .values(seq=self._seq, hash=self._hash)
        )
        self.checkpoint_due = self._looks_due()

    def _looks_due(self) -> bool:
        # The checkpoint head is read only when what this writer last saw says one is due: another writer may have
        # signed one since (then it is not due), and most appends are far from due, so they cost no round trip.
        if not self._due_by(self._view):
            return False
        number, at = self.connection.execute(
            select(audit_checkpoint_head.c.checkpoint_number, audit_checkpoint_head.c.checkpoint_at)
        ).one()
        view = self._view
        if number != view.number:
            view.number, view.at = number, utc(at) if at is not None else None
            view.positions = positions(latest_checkpoint(self.connection)) if number else {}
        return self._due_by(view)

    def _due_by(self, view: CheckpointView) -> bool:
        covered = view.positions.get(self.shard, 0)
        return is_due(self._policy, datetime.now(UTC), view.at, self._seq - covered, self._seq != covered)


@contextmanager
def chain_transaction(
    engine: Engine,
    shards: int = 1,
    preferred: int = 0,
    policy: CheckpointPolicy | None = None,
    view: CheckpointView | None = None,
    reserve: int = 1,
    every_shard: bool = False,
) -> Iterator[ChainWriter]:
    """Lock a shard's head (every shard's, with ``every_shard``), yield a writer, and commit everything at once (or
    nothing, on an exception)."""
    with writer_connection(engine) as connection, connection.begin():
        writer = ChainWriter(connection, shards, preferred, policy, view, reserve, every_shard)
        yield writer
        writer.finish()
