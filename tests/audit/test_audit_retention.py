"""Retention per field class: content past its class's age is removed, the chain still verifies, and a removal
that no retention record covers is found (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from audit import retention
from audit.access import Auditor, AuditReader
from audit.database import read_only_engine
from audit.queries import get_event
from audit.record_signing import check_record
from audit.schema import audit_ledger, audit_sealed
from audit.signing import KeyRing
from audit.verify import verify
from tests.audit.conftest import HMAC_SECRET
from tests.audit.retention_support import LedgerClock, snapshot, write_legacy_request

DAYS = {"text": 90, "evidence": 30, "identity": 60}
SIGNALS = [{"type": "agentic", "evidence": "declares the tool 'run_shell_for_ann'", "location": "tools"}]


def _verify(settings):  # type: ignore[no-untyped-def]
    engine = read_only_engine(settings.database_url)
    try:
        return verify(engine, KeyRing.for_settings(settings))
    finally:
        engine.dispose()


def _event(store, request_id):  # type: ignore[no-untyped-def]
    with store.engine.connect() as connection:
        return get_event(connection, request_id)


@pytest.fixture()
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    return LedgerClock(monkeypatch)


@pytest.fixture()
def aged(traffic, clock):  # type: ignore[no-untyped-def]
    """A redacted request with signal evidence recorded 100, 45 and 0 days ago."""
    events = {}
    for name, age in (("old", 100), ("middle", 45), ("new", 0)):
        clock.age = timedelta(days=age)
        events[name] = traffic.redacted(user_id=f"{name}-user@example.gov.uk", department="DWP", signals=SIGNALS)
    clock.age = timedelta(0)
    return events


def test_retention_removes_exactly_the_classes_past_their_age(store, settings, aged):
    reader = AuditReader(store, Auditor.from_command_line())
    result = reader.apply_retention(DAYS)
    # Sections and texts removed: the old event's text (request and answer), identity, evidence (request);
    # the middle event's evidence.
    assert result.removed == {"text": 2, "evidence": 2, "identity": 1}
    old, middle, new = (_event(store, aged[name].request_id) for name in ("old", "middle", "new"))

    assert old["user"] == "[purged]" and old["department"] == "[purged]" and old["key_id"] == "[purged]"
    assert old["prompt_text"] is None and old["answer_text"] is None and old["text_purged"]
    assert old["signals"][0]["evidence"] == "[purged]" and old["signals"][0]["type"] == "agentic"
    assert {(p["entry"], p["section"]) for p in old["removed"]} == {
        ("request", "identity"),
        ("request", "evidence"),
        ("request", "text"),
        ("completion", "text"),
    }
    assert all(p["rule"].startswith("retention ") and p["record"] == result.record_seq for p in old["removed"])
    assert {p["rule"] for p in old["removed"]} == {
        "retention identity 60 days",
        "retention evidence 30 days",
        "retention text 90 days",
    }
    assert not old["erased"]

    assert middle["user"] == "middle-user@example.gov.uk" and middle["department"] == "DWP"
    assert middle["prompt_text"] == aged["middle"].prompt_text and not middle["text_purged"]
    assert middle["signals"][0]["evidence"] == "[purged]"
    assert new["user"] == "new-user@example.gov.uk"
    assert new["signals"] == SIGNALS and new["prompt_text"] == aged["new"].prompt_text and new["removed"] == []
    # What was kept for ever stays: decision, findings, model.
    assert old["decision"] == "redact" and old["findings"] == {"PERSON": 2} and old["model"] == "gpt-4o"

    report = _verify(settings)
    assert report.intact, report.problems
    assert report.purged_entries == 3 and report.purged_texts == 2 and report.erased_entries == 0
    # A second run finds nothing more to remove.
    assert reader.apply_retention(DAYS).removed == {"text": 0, "evidence": 0, "identity": 0}
    assert _verify(settings).intact


def test_a_removal_no_retention_record_covers_is_tampering(store, settings, aged):
    with store.engine.begin() as connection:
        connection.execute(delete(audit_sealed).where(audit_sealed.c.section == "identity"))
    report = _verify(settings)
    assert report.tampered
    assert any(p.kind == "removed" and "identity" in p.message for p in report.problems)


def test_retention_cannot_excuse_the_removal_of_newer_content(store, settings, aged):
    AuditReader(store, Auditor.from_command_line()).apply_retention(DAYS)
    seq = _event(store, aged["new"].request_id)["seq"]
    with store.engine.begin() as connection:
        connection.execute(delete(audit_sealed).where(audit_sealed.c.seq == seq))
    report = _verify(settings)
    assert report.tampered and [p.seq for p in report.problems if p.kind == "removed"] == [seq, seq]


def test_a_sealed_section_altered_or_added_is_tampering(store, settings, aged):
    seq = _event(store, aged["new"].request_id)["seq"]
    with store.engine.begin() as connection:
        connection.execute(
            update(audit_sealed)
            .where(audit_sealed.c.seq == seq, audit_sealed.c.section == "identity")
            .values(content=json.dumps({"user_id": "someone-else"}))
        )
    report = _verify(settings)
    assert any(p.kind == "altered" and "identity of entry" in p.message for p in report.problems)


def test_a_forged_retention_record_excuses_nothing(store, settings, aged):
    """A purge record signed with another key (or not at all) is refused: its cutoffs cover nothing."""
    from audit.signing import HmacSigner

    store.signer = HmacSigner("another-secret-that-is-long-enough-0123")
    AuditReader(store, Auditor.from_command_line()).apply_retention(DAYS)
    report = _verify(settings)
    assert report.tampered
    assert any("purge record" in p.message for p in report.problems)
    assert any(p.kind == "removed" for p in report.problems)
    assert any(p.kind == "text" for p in report.problems)  # its text cutoff excuses nothing either


def test_dry_run_changes_nothing(store, settings, aged):
    before = snapshot(store.engine)
    planned = retention.plan(store, DAYS)
    assert planned.removed == {"text": 2, "evidence": 2, "identity": 1}
    assert snapshot(store.engine) == before


def test_version_1_entries_verify_beside_version_2_and_lose_only_their_text(store, settings, clock, traffic):
    """Entries written before sealing keep verifying; retention can remove their text, not their body's identity."""
    clock.age = timedelta(days=100)
    legacy = write_legacy_request(store, traffic.request(user_id="legacy@example.gov.uk"))
    with store.engine.connect() as connection:
        body = json.loads(connection.execute(select(audit_ledger.c.body)).scalar_one())
    assert body["v"] == 1 and "sealed" not in body and body["data"]["user_id"] == "legacy@example.gov.uk"
    clock.age = timedelta(0)
    traffic.allowed()
    assert _verify(settings).intact
    result = AuditReader(store, Auditor.from_command_line()).apply_retention(DAYS)
    assert result.removed["text"] == 1 and result.kept_in_body == 1
    report = _verify(settings)
    assert report.intact, report.problems
    assert report.purged_texts == 1
    shown = _event(store, legacy.request_id)
    assert shown["user"] == "legacy@example.gov.uk" and shown["prompt_text"] is None and shown["text_purged"]


def test_nothing_configured_is_a_no_op(store):
    assert retention.apply(store, Auditor.from_command_line().access("retention", {}), {}).record_seq is None


def test_records_are_signed_with_the_checkpoint_key(store, aged):
    AuditReader(store, Auditor.from_command_line()).apply_retention(DAYS)
    with store.engine.connect() as connection:
        body = connection.execute(select(audit_ledger.c.body).where(audit_ledger.c.kind == "purge")).scalar_one()
    data = json.loads(body)["data"]
    assert data["signature"]["algorithm"] == "hmac-sha256"
    assert check_record(KeyRing.for_settings(store.settings), "purge", data, "cutoffs") is None
    data["cutoffs"]["identity"] = "2999-01-01T00:00:00.000000Z"  # a cutoff moved after signing
    assert "does not match" in (check_record(KeyRing.for_settings(store.settings), "purge", data, "cutoffs") or "")
    assert HMAC_SECRET not in body


def test_identity_retention_reaches_who_asked_for_a_policy_reload(store, settings):
    """The reload log names who asked (an identity): past the identity cutoff it reads [purged]; the gateway's own
    reloads (at start, by the file watcher) name no one and stay."""
    from datetime import UTC, datetime

    from audit.policy_reloads import Reload, recent, record

    long_ago = datetime.now(UTC) - timedelta(days=100)
    record(store.engine, Reload("pat@example.gov.uk", "console", "loaded", "v1", "v2"), now=long_ago)
    record(store.engine, Reload("gateway start", "start", "loaded", None, "v1"), now=long_ago)
    record(store.engine, Reload("policy watcher", "watch", "loaded", "v2", "v3"), now=long_ago)
    record(store.engine, Reload("ops@example.gov.uk", "admin-api", "unchanged", "v3", "v3"))
    result = AuditReader(store, Auditor.from_command_line()).apply_retention(DAYS)
    assert result.policy_reloads == 1
    assert [r["actor"] for r in recent(store.engine)] == [
        "ops@example.gov.uk",
        "policy watcher",
        "gateway start",
        "[purged]",
    ]
    assert _verify(settings).intact
