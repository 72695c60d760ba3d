"""Helpers for the retention and erasure tests: a shifted clock for the ledger, whole-database snapshots and scans."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, func, insert, select, update
from sqlalchemy import text as sql_text

import audit.ledger
from audit.canonical import canonical_json, clean_text, format_time, jsonable, sha256_hex
from audit.events import RequestEvent
from audit.index import IndexWriter, request_row, row_for_entry
from audit.ledger import chain_transaction
from audit.schema import audit_ledger, audit_shard_heads
from audit.store import AuditStore


class LedgerClock:
    """Makes the ledger record entries as if written ``age`` ago (the store itself is untouched)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.age = timedelta(0)
        clock = self

        class Shifted(datetime):
            @classmethod
            def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
                return datetime.now(tz) - clock.age

        monkeypatch.setattr("audit.ledger.datetime", Shifted)


def snapshot(engine: Engine) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table, as text, in a stable order."""
    tables = MetaData()
    tables.reflect(engine)
    with engine.connect() as connection:
        return {
            name: sorted(tuple(str(value) for value in row) for row in connection.execute(select(table)))
            for name, table in tables.tables.items()
        }


def occurrences(engine: Engine, needle: str) -> list[str]:
    """Where ``needle`` appears in any column of any row of any table (case-insensitive), as 'table.column'."""
    found = []
    for table, rows in snapshot(engine).items():
        for row in rows:
            if any(needle.casefold() in value.casefold() for value in row):
                found.append(f"{table}: {row}")
    return found


def append_legacy(store: AuditStore, kind: str, request_id: str, data: dict[str, Any], text: str | None = None) -> int:
    """Append an entry as the store wrote it before sharding and sealing: body version 1, identity and evidence inside
    the hashed body, in shard 0 at the position its ``seq`` names (what a trail migrated at revision 0004 holds).
    Only at the start of a trail, where no sharded entry has taken a larger order key."""
    with chain_transaction(store.engine) as chain:  # shard 0's head, locked
        connection = chain.connection
        head = connection.execute(select(audit_shard_heads).where(audit_shard_heads.c.shard == 0)).mappings().one()
        seq = head["seq"] + 1
        highest = connection.execute(select(func.coalesce(func.max(audit_ledger.c.seq), 0))).scalar_one()
        assert highest < seq, "legacy entries come before every sharded one"
        recorded_at = audit.ledger.datetime.now(UTC)  # the shifted clock (LedgerClock), if a test set one
        text = None if text is None else clean_text(text)
        body = canonical_json(
            {
                "v": 1,
                "seq": seq,
                "prev": head["hash"],
                "kind": kind,
                "request_id": request_id,
                "recorded_at": format_time(recorded_at),
                "text_sha256": None if text is None else sha256_hex(text),
                "data": jsonable(data),
            },
            prepared=True,
        )
        entry_hash = sha256_hex(body)
        connection.execute(
            insert(audit_ledger).values(
                seq=seq,
                shard=0,
                shard_seq=seq,
                kind=kind,
                request_id=request_id,
                recorded_at=recorded_at,
                body=body,
                text=text,
                hash=entry_hash,
            )
        )
        connection.execute(
            update(audit_shard_heads).where(audit_shard_heads.c.shard == 0).values(seq=seq, hash=entry_hash)
        )
        if connection.dialect.name == "postgresql":  # later sharded entries take order keys after it
            connection.execute(sql_text("SELECT setval('audit_ledger_order', :seq)"), {"seq": seq})
        index = IndexWriter(connection)
        index.add(row_for_entry(seq, kind, data) if kind != "request" else request_row(seq, data))
        index.flush()
    return seq


def write_legacy_request(store: AuditStore, event: RequestEvent) -> RequestEvent:
    """Record a request as the store did before body version 2 (sharding) and 3 (sealing)."""
    data = event.to_dict()
    prompt = data.pop("prompt_text")
    append_legacy(store, "request", event.request_id, data, prompt)
    return event
