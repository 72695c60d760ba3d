"""Refusals recorded while the audit store cannot write (a read-only database), through the local spool, replayed in
order when it can; forwarded requests still fail closed; the write probe behind ``/readyz``. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from audit.schema import audit_events
from audit.settings import AuditSettings
from audit.signing import KeyRing
from audit.store import AuditStore, AuditUnavailable
from audit.verify import verify
from tests.audit.conftest import HMAC_SECRET, Traffic
from tests.audit.forgery import rows


def read_only(store: AuditStore, on: bool) -> None:
    """Make the real database refuse writes (or accept them again), as a read-only database would."""
    if store.engine.dialect.name == "sqlite":
        with store.engine.begin() as connection:
            for table, when in (
                ("audit_ledger", "INSERT"),
                ("audit_shard_heads", "UPDATE"),
                ("audit_checkpoint_head", "UPDATE"),
            ):
                if on:
                    connection.exec_driver_sql(
                        f"CREATE TRIGGER read_only_{table} BEFORE {when} ON {table} "
                        "BEGIN SELECT RAISE(ABORT, 'attempt to write a readonly database'); END"
                    )
                else:
                    connection.exec_driver_sql(f"DROP TRIGGER read_only_{table}")
        return
    name = make_url(store.settings.database_url).database
    admin = create_engine(store.settings.database_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("SET default_transaction_read_only = off"))
            setting = "SET default_transaction_read_only = on" if on else "RESET default_transaction_read_only"
            connection.execute(text(f'ALTER DATABASE "{name}" {setting}'))
    finally:
        admin.dispose()
    store.engine.dispose()  # new connections take the database's setting


@pytest.fixture()
def spooled(database_url, tmp_path) -> Iterator[AuditStore]:
    store = AuditStore(
        AuditSettings(
            database_url=database_url,
            checkpoint_key=HMAC_SECRET,
            checkpoint_every=1000,
            spool_dir=str(tmp_path / "spool"),
            write_probe_seconds=30,
        )
    )
    yield store
    store.engine.dispose()


def depth_metric() -> float | None:
    return REGISTRY.get_sample_value("handrail_audit_spool_depth")


def test_refusals_are_spooled_while_the_database_is_read_only_and_replayed_in_order(spooled):
    traffic = Traffic(spooled)
    traffic.allowed()  # entries 1, 2
    read_only(spooled, True)
    refused = [traffic.blocked(), traffic.rejected(), traffic.blocked(code="secret_to_any_model"), traffic.rejected()]
    assert spooled.spool.depth() == 4 and depth_metric() == 4.0
    spooled_lines = [json.loads(line) for line in spooled.spool.path.read_text().splitlines()]
    assert [line["request_id"] for line in spooled_lines] == [event.request_id for event in refused]
    with pytest.raises(AuditUnavailable):  # a request to be forwarded is refused, never spooled
        spooled.record_request(traffic.request())
    assert spooled.spool.depth() == 4
    assert spooled.write_probe().startswith("cannot write: ")
    assert max(rows(spooled.engine)) == 2

    read_only(spooled, False)
    spooled._probe_at = float("-inf")  # the operator's next /readyz after the probe interval
    assert spooled.write_probe() == "ok"  # ... which also replays the spool
    assert spooled.spool.depth() == 0 and depth_metric() == 0.0
    ledger = rows(spooled.engine)
    assert [ledger[seq]["request_id"] for seq in (3, 4, 5, 6)] == [event.request_id for event in refused]
    assert max(ledger) == 6
    with spooled.engine.connect() as connection:
        outcomes = dict(connection.execute(select(audit_events.c.request_id, audit_events.c.outcome)).all())
    assert [outcomes[event.request_id] for event in refused] == ["blocked", "rejected", "blocked", "rejected"]
    assert spooled.count_requests() == 5
    report = verify(spooled.engine, KeyRing.for_settings(spooled.settings))
    assert report.intact, report.problems


def test_a_replay_after_a_crash_records_nothing_twice(spooled):
    traffic = Traffic(spooled)
    recorded = traffic.blocked()  # in the chain already (entry 1)
    late = traffic.request(outcome="rejected", status_code=401)
    for event in (recorded, late):  # as if a replay committed, then crashed before emptying the spool
        data = event.to_dict()
        prompt = data.pop("prompt_text")
        spooled.spool.put({"kind": "request", "request_id": event.request_id, "data": data, "text": prompt})
    assert spooled.replay_spool() == 2  # both handed over ...
    ledger = rows(spooled.engine)
    assert [ledger[seq]["request_id"] for seq in sorted(ledger)] == [
        recorded.request_id,
        late.request_id,
    ]  # ... one new
    assert spooled.spool.depth() == 0


def test_the_spool_is_bounded_and_then_refusals_fail_as_before(database_url, tmp_path):
    store = AuditStore(
        AuditSettings(database_url=database_url, spool_dir=str(tmp_path / "spool"), spool_max_bytes=4096)
    )
    try:
        traffic = Traffic(store)
        read_only(store, True)
        taken = 0
        with pytest.raises(AuditUnavailable, match="the audit store and its spool could not record the request"):
            for _ in range(50):
                traffic.blocked()
                taken += 1
        assert 0 < taken < 50
        assert store.spool.depth() == taken
        assert store.spool.path.stat().st_size <= 4096
    finally:
        read_only(store, False)
        store.engine.dispose()


def test_without_a_spool_a_refusal_that_cannot_be_recorded_raises(database_url):
    store = AuditStore(AuditSettings(database_url=database_url))
    try:
        read_only(store, True)
        with pytest.raises(AuditUnavailable):
            Traffic(store).blocked()
    finally:
        read_only(store, False)
        store.engine.dispose()


def test_the_write_probe_is_rate_limited_but_a_failed_write_forces_a_new_probe(spooled):
    assert spooled.write_probe() == "ok"
    read_only(spooled, True)
    assert spooled.write_probe() == "ok"  # within write_probe_seconds: the cached answer, no probe
    with pytest.raises(AuditUnavailable):
        spooled.record_request(Traffic(spooled).request())  # a forwarded request fails to record ...
    assert spooled.write_probe().startswith("cannot write: ")  # ... so readiness probes again at once
    read_only(spooled, False)
    assert spooled.write_probe().startswith("cannot write: ")  # and a failure is cached for the interval too
    spooled._probe_at = float("-inf")
    assert spooled.write_probe() == "ok"
    assert spooled.ping() is True
