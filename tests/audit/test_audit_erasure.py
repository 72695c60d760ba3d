"""Subject erasure: one person's content and identity leave every table, a signed record is chained, and the trail
still verifies — and tampering with what was erased is still found (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, insert, select, update

from audit.access import Auditor, AuditReader
from audit.database import read_only_engine
from audit.erasure import ErasureRefused
from audit.policy_reloads import Reload
from audit.policy_reloads import recent as recent_reloads
from audit.policy_reloads import record as record_reload
from audit.queries import EventFilter, get_event
from audit.record_signing import check_record
from audit.schema import api_keys, audit_events, audit_ledger, audit_removals, exception_requests, rate_limit_buckets
from audit.signing import KeyRing
from audit.verify import verify
from tests.audit.retention_support import LedgerClock, append_legacy, occurrences, snapshot, write_legacy_request

ZED = "zed.erasable@example.gov.uk"
PROMPT = "Zedsecret prompt about the Quarrington appeal for <PERSON_1>"
ANSWER = "Zedsecret answer about the Quarrington appeal"
EVIDENCE = "declares the tool 'quarrington_lookup'"
JUSTIFICATION = "Quarrington casework needs the larger model"
OIDC_SUBJECT = "oidc-sub-zed-4471"  # what the console's OIDC issuer calls Zed


def sign_in_id(connection) -> str:  # type: ignore[no-untyped-def]
    return connection.execute(
        select(audit_ledger.c.request_id).where(
            audit_ledger.c.kind == "access", audit_ledger.c.body.contains('"action":"sign-in"')
        )
    ).scalar_one()


def _verify(settings):  # type: ignore[no-untyped-def]
    engine = read_only_engine(settings.database_url)
    try:
        return verify(engine, KeyRing.for_settings(settings))
    finally:
        engine.dispose()


def _operator(store):  # type: ignore[no-untyped-def]
    return AuditReader(store, Auditor.from_command_line())


@pytest.fixture()
def zed(store, traffic):  # type: ignore[no-untyped-def]
    """Zed's requests, readings, console sign-in, policy reload and exception request, amid another user's; an
    auditor searched for Zed."""
    signals = [{"type": "agentic", "evidence": EVIDENCE, "location": "tools"}]
    events = [
        traffic.request(user_id=ZED, department="DWP", prompt_text=PROMPT, signals=signals, key_id="zedkey0000000001")
    ]
    store.record_request(events[0])
    store.record_completion(traffic.completion(events[0], answer_text=ANSWER, answer_signals=signals))
    events.append(traffic.blocked(user_id=ZED, department="DWP", prompt_text=PROMPT + " (blocked)"))
    others = [traffic.redacted(user_id="ann@example.gov.uk", department="HMRC") for _ in range(2)]
    # Zed read the trail through the console, and an auditor looked Zed up.
    AuditReader(store, Auditor(user=ZED, via="http", department="DWP", key_id="zedkey0000000001")).search(
        EventFilter(kind="request")
    )
    AuditReader(store, Auditor(user="auditor@example.gov.uk", via="http")).search(EventFilter(user=(ZED, "ann")))
    # Zed signed in to the console through the OIDC issuer (the entry holds the issuer's subject for Zed), and
    # reloaded the policy from there; the gateway's own reload at start names no one.
    AuditReader(store, Auditor(user=ZED, via="console", client_address="10.0.0.7")).note(
        "sign-in", {"method": "oidc", "issuer": "https://issuer.example", "subject": OIDC_SUBJECT}
    )
    record_reload(store.engine, Reload(ZED, "console", "loaded", "v1", "v2"))
    record_reload(store.engine, Reload("gateway start", "start", "loaded", None, "v1"))
    now = datetime.now(UTC)
    with store.engine.begin() as connection:
        connection.execute(
            insert(exception_requests).values(
                exception_id="exc_1",
                created_at=now,
                request_id=events[1].request_id,
                user_id=ZED,
                department="DWP",
                model="gpt-4o",
                relaxes=["pii_to_unapproved_model"],
                reasons=["pii_to_unapproved_model"],
                days=7.0,
                justification=JUSTIFICATION,
                owners=[],
                status="pending",
            )
        )
        connection.execute(
            insert(api_keys).values(
                key_id="zedkey0000000001",
                secret_sha256="0" * 64,
                user_id=ZED,
                department="DWP",
                roles=["user"],
                clearance="OFFICIAL",
                description=f"laptop key for {ZED}",
                created_at=now - timedelta(days=10),
                revoked_at=now - timedelta(days=1),
            )
        )
        connection.execute(insert(rate_limit_buckets).values(bucket="key:zedkey0000000001", tokens=3.0, updated_at=0.0))
    return {"events": events, "others": others}


def test_erasure_removes_the_person_from_every_table_and_the_trail_still_verifies(store, settings, zed):
    assert occurrences(store.engine, ZED) and occurrences(store.engine, "Zedsecret")
    assert occurrences(store.engine, OIDC_SUBJECT)  # the sign-in entry holds it (sealed, beside the body)
    result = _operator(store).erase(ZED, "erasure request 2026-117", dry_run=False)
    assert result.record_seq is not None
    summary = result.plan.summary()
    assert summary["events"] == 4  # two requests, one reading of the trail and one console sign-in
    assert summary["exception_requests"] == 1 and summary["keys"] == 1 and summary["rewritten_bodies"] == 0
    assert summary["policy_reloads"] == 1

    for needle in (ZED, "zed.erasable", "Zedsecret", "Quarrington", "quarrington_lookup", OIDC_SUBJECT):
        assert occurrences(store.engine, needle) == [], needle
    # The revoked key's row stays (a random id, no longer linked to anyone); its bucket and every trace of it in
    # the trail are gone.
    assert [row.split(",")[0] for row in occurrences(store.engine, "zedkey0000000001")] == [
        "api_keys: ('zedkey0000000001'"
    ]
    assert occurrences(store.engine, "erasure request 2026-117")  # the reason is kept, sealed, in the record

    report = _verify(settings)
    assert report.intact, report.problems
    assert report.erasures == 1
    # Zed's two requests, one completion, the reading Zed made, Zed's sign-in and the auditor's reading naming Zed.
    assert report.erased_entries == 6

    with store.engine.connect() as connection:
        shown = get_event(connection, zed["events"][0].request_id)
        other = get_event(connection, zed["others"][0].request_id)
        record = connection.execute(select(audit_ledger.c.body).where(audit_ledger.c.kind == "erasure")).scalar_one()
    assert shown["user"] == "[erased]" and shown["department"] == "[erased]" and shown["erased"]
    assert shown["prompt_text"] is None and shown["answer_text"] is None
    assert shown["signals"][0]["evidence"] == "[erased]" and shown["answer_signals"][0]["evidence"] == "[erased]"
    assert {p["rule"] for p in shown["removed"]} == {"erasure"}
    assert shown["decision"] == "allow" and shown["model"] == "gpt-4o"  # what is not personal stays
    assert other["user"] == "ann@example.gov.uk" and other["prompt_text"] and not other["erased"]

    data = json.loads(record)["data"]
    assert data["erasure"]["events"] == 4 and data["erasure"]["request_ids_sha256"] == summary["request_ids_sha256"]
    assert check_record(KeyRing.for_settings(settings), "erasure", data, "erasure") is None
    assert data["signature"]["algorithm"] == "hmac-sha256"

    reloads = {(r["actor"], r["via"]) for r in recent_reloads(store.engine)}
    assert reloads == {("[erased]", "console"), ("gateway start", "start")}
    with store.engine.connect() as connection:
        sign_in = get_event(connection, sign_in_id(connection))
    assert sign_in["parameters"] == {"method": "oidc", "issuer": "https://issuer.example", "subject": "[erased]"}
    assert sign_in["user"] == "[erased]" and sign_in["erased"]


def test_erasure_is_idempotent(store, settings, zed):
    _operator(store).erase(ZED, None, dry_run=False)
    before = snapshot(store.engine)
    again = _operator(store).erase(ZED, None, dry_run=False)
    assert again.record_seq is None and again.plan.empty
    assert snapshot(store.engine) == before
    assert _verify(settings).intact


def test_a_dry_run_changes_nothing(store, zed):
    before = snapshot(store.engine)
    preview = _operator(store).erase(ZED, None, dry_run=True)
    assert preview.dry_run and preview.record_seq is None
    assert preview.plan.summary()["events"] == 4 and preview.plan.exception_requests == 1
    assert preview.plan.policy_reloads == 1
    assert snapshot(store.engine) == before


def test_a_person_with_a_working_key_is_not_erased(store, zed):
    with store.engine.begin() as connection:
        connection.execute(update(api_keys).values(revoked_at=None))
    before = snapshot(store.engine)
    with pytest.raises(ErasureRefused, match="revoke"):
        _operator(store).erase(ZED, None, dry_run=False)
    assert snapshot(store.engine) == before


def _erased_request_seq(store, zed) -> int:  # type: ignore[no-untyped-def]
    with store.engine.connect() as connection:
        return get_event(connection, zed["events"][0].request_id)["seq"]


def test_editing_an_erased_entry_is_still_found(store, settings, zed):
    _operator(store).erase(ZED, None, dry_run=False)
    seq = _erased_request_seq(store, zed)
    with store.engine.begin() as connection:
        body = connection.execute(select(audit_ledger.c.body).where(audit_ledger.c.seq == seq)).scalar_one()
        connection.execute(
            update(audit_ledger).where(audit_ledger.c.seq == seq).values(body=body.replace("gpt-4o", "gpt-3.5"))
        )
    report = _verify(settings)
    assert report.tampered and any(p.kind == "altered" and p.seq == seq for p in report.problems)


def test_editing_an_erased_index_row_is_still_found(store, settings, zed):
    _operator(store).erase(ZED, None, dry_run=False)
    seq = _erased_request_seq(store, zed)
    with store.engine.begin() as connection:
        connection.execute(update(audit_events).where(audit_events.c.request_seq == seq).values(user_id="mallory"))
    report = _verify(settings)
    assert report.tampered and any(p.kind == "index" and p.seq == seq for p in report.problems)


@pytest.mark.parametrize("change", ["drop a removal", "add a removal"])
def test_changing_what_an_erasure_lists_is_found(store, settings, zed, traffic, change):
    _operator(store).erase(ZED, None, dry_run=False)
    seq = _erased_request_seq(store, zed)
    with store.engine.begin() as connection:
        record_seq = connection.execute(select(audit_ledger.c.seq).where(audit_ledger.c.kind == "erasure")).scalar_one()
        if change == "drop a removal":
            connection.execute(
                delete(audit_removals).where(audit_removals.c.seq == seq, audit_removals.c.section == "identity")
            )
        else:  # excuse deleting someone else's text by listing it under the erasure
            other = get_event(connection, zed["others"][0].request_id)["seq"]
            connection.execute(update(audit_ledger).where(audit_ledger.c.seq == other).values(text=None))
            connection.execute(
                insert(audit_removals).values(
                    seq=other, section="text", removed_at=datetime.now(UTC), rule="erasure", record_seq=record_seq
                )
            )
    report = _verify(settings)
    assert report.tampered
    assert any(p.kind == "erasure" and p.seq == record_seq for p in report.problems)


def test_an_erasure_record_signed_with_another_key_excuses_nothing(store, settings, zed):
    from audit.signing import HmacSigner

    store.signer = HmacSigner("another-secret-that-is-long-enough-0123")
    _operator(store).erase(ZED, None, dry_run=False)
    report = _verify(settings)
    assert report.tampered
    assert any("erasure record" in p.message for p in report.problems)
    assert any(p.kind == "removed" for p in report.problems)


def test_entries_written_before_sealing_are_rewritten_and_still_verify(store, settings, traffic, monkeypatch):
    """A version 1 body holds the identity itself: erasure rewrites it in place, keeps its hash column (which the
    chain names), and commits to the new body's digest in the signed record."""
    clock = LedgerClock(monkeypatch)
    clock.age = timedelta(days=3)
    signals = [{"type": "agentic", "evidence": EVIDENCE, "location": "tools"}]
    legacy = write_legacy_request(store, traffic.request(user_id=ZED, prompt_text=PROMPT, signals=signals))
    other = write_legacy_request(store, traffic.request(user_id="ann@example.gov.uk"))
    naming = write_legacy_access(store, ZED)  # a reading recorded before sealing: its body names Zed
    clock.age = timedelta(0)
    traffic.allowed(user_id=ZED)
    AuditReader(store, Auditor(user="auditor@example.gov.uk", via="http")).search(EventFilter(user=ZED))
    assert _verify(settings).intact
    result = _operator(store).erase(ZED, None, dry_run=False)
    assert result.plan.summary()["rewritten_bodies"] == 2  # the request and the old reading that named Zed
    assert occurrences(store.engine, ZED) == [] and occurrences(store.engine, "Quarrington") == []
    report = _verify(settings)
    assert report.intact, report.problems
    with store.engine.connect() as connection:
        shown = get_event(connection, legacy.request_id)
        kept = get_event(connection, other.request_id)
        reading = get_event(connection, naming)
    assert shown["user"] == "[erased]" and shown["signals"][0]["evidence"] == "[erased]" and shown["erased"]
    assert shown["prompt_text"] is None and shown["model"] == "gpt-4o"
    assert kept["user"] == "ann@example.gov.uk"
    assert reading["parameters"]["user"] == "[erased]" and reading["user"] == "auditor@example.gov.uk"
    assert _operator(store).erase(ZED, None, dry_run=False).record_seq is None  # idempotent

    # The rewritten body is covered by the record's digest: any later edit to it is found.
    seq = shown["seq"]
    with store.engine.begin() as connection:
        body = connection.execute(select(audit_ledger.c.body).where(audit_ledger.c.seq == seq)).scalar_one()
        connection.execute(
            update(audit_ledger).where(audit_ledger.c.seq == seq).values(body=body.replace("gpt-4o", "gpt-3.5"))
        )
    report = _verify(settings)
    assert report.tampered and any(p.kind == "altered" and p.seq == seq for p in report.problems)


def write_legacy_access(store, user):  # type: ignore[no-untyped-def]
    """An access entry as the store wrote it before body versions 2 and 3: its body names whom it searched for."""
    from audit.events import AccessEvent

    access = AccessEvent(actor="auditor@example.gov.uk", action="query", via="http", parameters={"user": user})
    append_legacy(store, "access", access.request_id, access.to_dict())
    return access.request_id


def test_an_unsigned_erasure_passes_only_where_no_key_is_known(database_url, traffic):
    """Without a checkpoint key the record carries a plain digest; once a key is known it must be signed (no
    downgrade), since anyone with database access could have written an unsigned one."""
    from audit.settings import AuditSettings
    from audit.store import AuditStore

    unkeyed = AuditSettings(database_url=database_url)
    store = AuditStore(unkeyed)
    traffic.store = store
    traffic.allowed(user_id=ZED, prompt_text=PROMPT)
    assert _operator(store).erase(ZED, None, dry_run=False).record_seq is not None
    assert occurrences(store.engine, ZED) == []
    assert _verify(unkeyed).intact
    keyed = AuditSettings(database_url=database_url, checkpoint_key="k" * 40)
    report = _verify(keyed)
    assert report.tampered and any("erasure record" in p.message and "not signed" in p.message for p in report.problems)
    store.engine.dispose()


def test_refusals_waiting_in_the_spool_are_recorded_and_then_erased(database_url, traffic, tmp_path):
    from audit.settings import AuditSettings
    from audit.store import AuditStore

    settings = AuditSettings(database_url=database_url, checkpoint_key="k" * 40, spool_dir=str(tmp_path / "spool"))
    store = AuditStore(settings)
    traffic.store = store
    traffic.allowed(user_id=ZED)
    refusal = traffic.request(user_id=ZED, outcome="blocked", status_code=403, prompt_text=PROMPT).to_dict()
    prompt = refusal.pop("prompt_text")
    assert store.spool is not None
    store.spool.put({"kind": "request", "request_id": refusal["request_id"], "data": refusal, "text": prompt})
    result = _operator(store).erase(ZED, None, dry_run=False)
    assert result.plan.summary()["events"] == 2 and not store.spool.has_pending()
    assert occurrences(store.engine, ZED) == [] and occurrences(store.engine, "Zedsecret") == []
    assert _verify(settings).intact
    store.engine.dispose()


def test_erasure_waits_for_a_spool_that_cannot_be_replayed(database_url, traffic, tmp_path):
    from audit.settings import AuditSettings
    from audit.store import AuditStore

    settings = AuditSettings(database_url=database_url, checkpoint_key="k" * 40, spool_dir=str(tmp_path / "spool"))
    store = AuditStore(settings)
    traffic.store = store
    traffic.allowed(user_id=ZED)
    assert store.spool is not None
    store.spool.put({"kind": "request", "request_id": "req_unreadable", "data": {"user_id": ZED}, "text": None})
    before = snapshot(store.engine)
    with pytest.raises(ErasureRefused, match="spool"):
        _operator(store).erase(ZED, None, dry_run=False)
    assert snapshot(store.engine) == before and store.spool.has_pending()
    store.engine.dispose()
