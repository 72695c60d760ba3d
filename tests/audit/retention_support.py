"""Helpers for the retention and erasure tests: a shifted clock for the ledger, whole-database snapshots and scans."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

import pytest
from sqlalchemy import Engine, MetaData, select

from audit.events import RequestEvent
from audit.index import IndexWriter, request_row
from audit.ledger import chain_transaction
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


def write_legacy_request(store: AuditStore, event: RequestEvent) -> RequestEvent:
    """Record a request as the store did before body version 2: identity and evidence inside the hashed body."""
    data = event.to_dict()
    prompt = data.pop("prompt_text")
    with chain_transaction(store.engine, store.signer, store.checkpoints) as chain:
        appended = chain.append("request", event.request_id, data, prompt)
        index = IndexWriter(chain.connection)
        index.add(request_row(appended.seq, data))
        index.flush()
    return event
