"""Recording requests: one event per request, chained, indexed, and refused when it cannot be recorded."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from audit.canonical import GENESIS_HASH
from audit.database import make_engine
from audit.events import AccessEvent
from audit.queries import EventFilter, get_event, search_events
from audit.schema import audit_checkpoints, audit_event_labels, audit_events, audit_ledger, audit_shard_heads
from audit.settings import AuditSettings
from audit.signing import KeyRing
from audit.store import AuditStore, AuditUnavailable
from audit.verify import verify


def ledger(store: AuditStore) -> list[dict]:
    with store.engine.connect() as connection:
        return [dict(r) for r in connection.execute(select(audit_ledger).order_by(audit_ledger.c.seq)).mappings()]


def test_a_request_and_its_completion_are_two_chained_entries_and_one_event(store, traffic):
    event = traffic.allowed()
    entries = ledger(store)
    assert [e["kind"] for e in entries] == ["request", "completion"]
    assert [e["seq"] for e in entries] == [1, 2]
    first, second = (json.loads(e["body"]) for e in entries)
    assert first["prev"] == GENESIS_HASH
    assert second["prev"] == entries[0]["hash"] == hashlib.sha256(entries[0]["body"].encode()).hexdigest()
    assert first["data"]["request_id"] == second["request_id"] == event.request_id
    with store.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(audit_events)).scalar_one() == 1
        shown = get_event(connection, event.request_id)
        head = connection.execute(select(audit_shard_heads)).mappings().one()
    assert shown["outcome"] == "completed" and shown["status_code"] == 200
    assert shown["decision"] == "allow" and shown["user"] == "alice@example.gov.uk"
    assert shown["prompt_text"] == event.prompt_text and shown["answer_text"] == "Here is a summary."
    assert shown["input_tokens"] == 12 and shown["latency_ms"]["upstream"] == 120.5
    assert head["seq"] == 2 and head["hash"] == entries[1]["hash"]


def test_refused_requests_are_one_event_each_with_their_final_outcome(store, traffic):
    blocked = traffic.blocked()
    rejected = traffic.rejected()
    failed = traffic.upstream_failure()
    with store.engine.connect() as connection:
        outcomes = {
            e["request_id"]: (e["outcome"], e["decision"], e["error_code"])
            for e in search_events(connection, EventFilter(), limit=10).events
        }
    assert outcomes == {
        blocked.request_id: ("blocked", "block", "pii_to_unapproved_model"),
        rejected.request_id: ("rejected", None, "invalid_api_key"),
        failed.request_id: ("upstream_error", "allow", "upstream_error"),
    }
    assert store.count_requests() == 3


def test_the_body_holds_finding_types_and_counts_and_the_text_only_as_a_hash(store, traffic):
    event = traffic.blocked(
        findings={"UK_NINO": 2, "EMAIL_ADDRESS": 1}, prompt_text="Send <EMAIL_ADDRESS> my <UK_NINO>"
    )
    entry = ledger(store)[0]
    body = json.loads(entry["body"])
    assert body["data"]["findings"] == {"UK_NINO": 2, "EMAIL_ADDRESS": 1}
    assert "prompt_text" not in body["data"] and "<UK_NINO>" not in entry["body"]
    assert body["text_sha256"] == hashlib.sha256(event.prompt_text.encode()).hexdigest()
    assert entry["text"] == event.prompt_text


def test_store_text_none_keeps_no_text_at_all(database_url, traffic):
    store = AuditStore(AuditSettings(database_url=database_url, store_text="none"))
    try:
        traffic.store = store
        traffic.redacted()
        assert [e["text"] for e in ledger(store)] == [None, None]
        assert all(json.loads(e["body"])["text_sha256"] is None for e in ledger(store))
    finally:
        store.engine.dispose()


def test_a_request_cannot_be_recorded_twice_nor_completed_twice_nor_completed_unrecorded(store, traffic):
    event = traffic.allowed()
    with pytest.raises(AuditUnavailable):
        store.record_request(event)
    with pytest.raises(AuditUnavailable):
        store.record_completion(traffic.completion(event))
    with pytest.raises(AuditUnavailable):
        store.record_completion(traffic.completion(traffic.request()))
    assert len(ledger(store)) == 2  # the refused attempts left nothing behind
    assert verify(store.engine, KeyRing.for_settings(store.settings)).intact


def test_a_failure_to_record_raises_audit_unavailable_and_leaves_the_chain_valid(store, traffic):
    traffic.allowed()
    with store.engine.begin() as connection:  # an operator error: the index table is gone
        connection.execute(text("ALTER TABLE audit_events RENAME TO audit_events_moved"))
    with pytest.raises(AuditUnavailable):
        store.record_request(traffic.request())
    with store.engine.begin() as connection:
        connection.execute(text("ALTER TABLE audit_events_moved RENAME TO audit_events"))
    assert len(ledger(store)) == 2  # the failed request's ledger entry was rolled back with it
    traffic.allowed()
    assert verify(store.engine, KeyRing.for_settings(store.settings)).intact


def test_an_unreachable_database_fails_closed(store, traffic):
    with pytest.raises(OperationalError, match="127.0.0.1"):
        AuditStore(AuditSettings(database_url="postgresql+psycopg://nobody@127.0.0.1:9/none"))  # the gateway then
        # marks the audit store unavailable and refuses every request
    store.engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:9/none")  # the database goes away later
    with pytest.raises(AuditUnavailable):
        store.record_request(traffic.request())
    assert store.ping() is False


def test_checkpoints_are_written_every_n_entries_and_signed(store, traffic):
    for _ in range(12):
        traffic.allowed()  # 24 entries; checkpoint_every=10
    with store.engine.connect() as connection:
        checkpoints = (
            connection.execute(select(audit_checkpoints).order_by(audit_checkpoints.c.number)).mappings().all()
        )
    assert [c["seq"] for c in checkpoints] == [1, 11, 21]
    assert {c["algorithm"] for c in checkpoints} == {"hmac-sha256"}
    report = verify(store.engine, KeyRing.for_settings(store.settings))
    assert report.intact and report.signed_through == 21
    forced = store.checkpoint()
    assert forced is not None and forced.seq == 24 and forced.number == 4
    assert store.checkpoint().number == 4  # nothing new: the latest is returned, none written


def test_labels_index_reasons_findings_and_signals_of_prompt_and_answer(store, traffic):
    event = traffic.request(
        findings={"PERSON": 1}, signals=[{"type": "agentic", "evidence": "declares tools", "location": "tools"}]
    )
    store.record_request(event)
    store.record_completion(
        traffic.completion(
            event,
            answer_findings={"UK_POSTCODE": 1},
            answer_signals=[{"type": "internet", "evidence": "calls web_search", "location": "answer"}],
        )
    )
    with store.engine.connect() as connection:
        labels = set(connection.execute(select(audit_event_labels.c.label)).scalars())
    assert labels == {"finding:PERSON", "finding:UK_POSTCODE", "signal:agentic", "signal:internet"}


def test_experiment_requests_today_counts_only_todays_requests_of_that_experiment(store, traffic):
    traffic.allowed(experiment="pilot")
    traffic.allowed(experiment="pilot")
    traffic.allowed(experiment="other")
    traffic.allowed(experiment="pilot", received_at=datetime.now(UTC) - timedelta(days=2))
    assert store.experiment_requests_today("pilot") == 2
    assert store.experiment_requests_today("none-such") == 0


def test_access_events_are_chained_and_indexed_apart_from_requests(store, traffic):
    traffic.allowed()
    store.record_access(AccessEvent(actor="carol", action="query", via="http", parameters={"user": "alice"}))
    assert store.count_requests() == 1
    with store.engine.connect() as connection:
        accesses = search_events(connection, EventFilter(kind="access")).events
    assert [(a["user"], a["action"], a["parameters"]) for a in accesses] == [("carol", "query", {"user": "alice"})]


def test_text_is_stored_safely_whatever_it_holds(store, traffic):
    awkward = "nul\x00 byte, lone \ud800 surrogate, ünïcödé and 中文"
    event = traffic.request(prompt_text=awkward, user_agent="agent\x00", model="m" * 500)
    store.record_request(event)
    entry = ledger(store)[0]
    assert "\x00" not in entry["text"] and entry["text"].endswith("ünïcödé and 中文")
    assert entry["body"].isascii()
    assert json.loads(entry["body"])["data"]["model"] == "m" * 500  # whole in the ledger, cut in the index
    assert verify(store.engine, KeyRing.for_settings(store.settings)).intact


def test_purging_text_keeps_the_chain_verifiable(store, traffic):
    traffic.allowed()
    traffic.blocked()
    purged = store.purge_text(timedelta(0), AccessEvent(actor="ops", action="purge-text", via="cli"))
    kept = traffic.allowed()
    assert purged == 3  # two texts of the first request, one of the blocked one
    entries = ledger(store)
    assert [e["kind"] for e in entries] == ["request", "completion", "request", "purge", "request", "completion"]
    assert [e["text"] is None for e in entries] == [True, True, True, True, False, False]
    assert json.loads(entries[3]["body"])["data"]["cutoff"] > json.loads(entries[2]["body"])["recorded_at"]
    report = verify(store.engine, KeyRing.for_settings(store.settings))
    assert report.intact and report.purged_texts == 3
    with store.engine.connect() as connection:
        shown = {e["request_id"]: e for e in search_events(connection, EventFilter()).events}
    assert shown[kept.request_id]["prompt_text"] == kept.prompt_text and not shown[kept.request_id]["text_purged"]
    assert all(e["text_purged"] and e["prompt_text"] is None for i, e in shown.items() if i != kept.request_id)


def test_close_signs_a_checkpoint_of_the_last_entry(store, traffic):
    traffic.allowed()
    traffic.allowed()
    closed = store.close()
    assert closed is not None and closed.seq == 4 and closed.algorithm == "hmac-sha256"
    report = verify(store.engine, KeyRing.for_settings(store.settings))
    assert report.intact and report.signed_through == 4
