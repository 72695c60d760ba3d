"""Retention and erasure on a sharded trail: the person's entries in every shard are erased by one record in one
shard, a retention purge in another covers the rest, and verify walks every shard, checks the Merkle checkpoints and
accepts exactly what the signed records cover (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, select

from audit.access import Auditor, AuditReader
from audit.database import read_only_engine
from audit.ledger import chain_transaction
from audit.schema import audit_ledger, audit_removals, audit_shard_heads
from audit.settings import AuditSettings
from audit.signing import KeyRing
from audit.store import AuditStore
from audit.verify import verify
from tests.audit.conftest import HMAC_SECRET, Traffic
from tests.audit.forgery import change
from tests.audit.retention_support import occurrences

ZED = "zed.erasable@example.gov.uk"
PROMPT = "Zedsecret prompt about the Quarrington appeal"


def _settings(database_url: str) -> AuditSettings:
    return AuditSettings(database_url=database_url, checkpoint_key=HMAC_SECRET, checkpoint_every=4, shards=3)


def _verify(settings: AuditSettings):  # type: ignore[no-untyped-def]
    engine = read_only_engine(settings.database_url)
    try:
        return verify(engine, KeyRing.for_settings(settings))
    finally:
        engine.dispose()


@pytest.fixture()
def stores(database_url):  # type: ignore[no-untyped-def]
    """Three writers, each on its own shard; Zed's requests land in shards 0 and 2, Ann's in all three."""
    settings = _settings(database_url)
    found = [AuditStore(settings, shard=k) for k in range(3)]
    for round_ in range(2):
        for k, store in enumerate(found):
            if k != 1:
                Traffic(store).allowed(user_id=ZED, prompt_text=PROMPT)
            Traffic(store).allowed(user_id="ann@example.gov.uk", prompt_text=f"Ann's prompt {round_}")
    yield found
    for store in found:
        store.engine.dispose()


def test_one_erasure_covers_every_shard_and_the_sharded_trail_still_verifies(stores):
    settings = stores[0].settings
    with stores[0].engine.connect() as connection:
        zed_shards = set(
            connection.execute(
                select(audit_ledger.c.shard).where(audit_ledger.c.request_id.in_(_zed_requests(stores[0])))
            ).scalars()
        )
    assert zed_shards == {0, 2}
    result = AuditReader(stores[1], Auditor.from_command_line()).erase(ZED, "ticket 42", dry_run=False)
    assert result.record_seq is not None and result.plan.summary()["events"] == 4  # two shards, two rounds
    assert occurrences(stores[0].engine, ZED) == [] and occurrences(stores[0].engine, "Quarrington") == []
    with stores[0].engine.connect() as connection:
        record_shard = connection.execute(
            select(audit_ledger.c.shard).where(audit_ledger.c.seq == result.record_seq)
        ).scalar_one()
    assert record_shard == 1  # the record is in a shard that holds none of Zed's entries
    stores[0].checkpoint()
    report = _verify(settings)
    assert report.intact, report.problems
    assert len(report.shards) == 3 and report.signed_through == report.entries
    assert report.erasures == 1 and report.erased_entries == 8  # Zed's four requests and their completions
    document = report.to_document()
    assert {"shards", "purged_entries", "erased_entries", "erasures"} <= set(document)

    # Retention in another shard, after the erasure: what it removes is covered by its own signed record.
    purge = AuditReader(stores[2], Auditor.from_command_line()).apply_retention({"identity": 0, "text": 0})
    assert purge.record_seq is not None and purge.removed["identity"] > 0
    report = _verify(settings)
    assert report.intact, report.problems
    # (an entry whose text both records cover is counted once, as purged: the retention cutoff is tried first)
    assert report.purged_entries > 0 and report.erasures == 1

    # A removal listed under the erasure record, dropped: the record's digest no longer matches.
    change(stores[0].engine, delete(audit_removals).where(audit_removals.c.record_seq == result.record_seq))
    report = _verify(settings)
    assert report.tampered and any(p.kind == "erasure" for p in report.problems)


def _zed_requests(store: AuditStore) -> list[str]:
    from audit.schema import audit_events

    with store.engine.connect() as connection:
        return list(
            connection.execute(select(audit_events.c.request_id).where(audit_events.c.user_id == ZED)).scalars()
        )


# PostgreSQL only: on SQLite, BEGIN IMMEDIATE already locks the whole database for any writer.
@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_an_erasure_holds_every_shard_until_it_commits(stores, database_url):
    """While an erasure's transaction is open, no writer can take any shard's head: nothing commits in between."""
    store = stores[0]
    appended = threading.Event()

    def write() -> None:
        Traffic(stores[1]).rejected()  # prefers shard 1, may take any free one
        appended.set()

    with chain_transaction(store.engine, 3, 0, every_shard=True) as chain:
        with store.engine.connect() as other:
            free = other.execute(select(audit_shard_heads.c.shard).with_for_update(skip_locked=True)).all()
            other.rollback()
        assert free == []
        writer = threading.Thread(target=write)
        writer.start()
        assert not appended.wait(1.0)  # the writer waits for the erasure's locks
        assert chain.shard == 0
    writer.join(30)
    assert appended.is_set()
    assert _verify(store.settings).intact
