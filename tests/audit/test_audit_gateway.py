"""End to end: real gateway processes write the trail; ``handrail audit`` reads and verifies it."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from audit.settings import AuditSettings
from audit.store import AuditStore
from proxy.cli import main
from tests.support.gateway import Gateway

pytestmark = pytest.mark.integration

NAME, EMAIL, NHS = "Margaret Thornton", "margaret.thornton@example.org", "943 476 5919"


def chat(gateway: Gateway, key: str | None, model: str, text: str) -> httpx.Response:
    headers = {"authorization": f"Bearer {key}"} if key else {}
    body = {"model": model, "messages": [{"role": "user", "content": text}]}
    return httpx.post(f"{gateway.url}/v1/chat/completions", json=body, headers=headers, timeout=60)


def audit_cli(config: Path, *arguments: str) -> str:
    result = CliRunner().invoke(main, ["audit", *arguments, "--config", str(config)])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_every_kind_of_request_is_recorded_with_its_decision_and_no_raw_personal_data(gateway, user_key):
    sent = {
        "allowed": chat(gateway, user_key, "echo", "How do I file an expenses claim?"),
        "redacted": chat(gateway, user_key, "echo", f"Write to {NAME} at {EMAIL} about her appointment."),
        "blocked": chat(gateway, user_key, "echo", f"Patient NHS number {NHS} needs a referral letter."),
        "upstream failure": chat(gateway, user_key, "fail-500", "Summarise the meeting"),
        "answer withheld": chat(gateway, user_key, "tools", "Look up record 42"),
        "bad key": chat(gateway, "hr_0000000000000000_notakey", "echo", "hello"),
        "bad input": httpx.post(
            f"{gateway.url}/v1/chat/completions",
            json={"model": "echo", "messages": "x"},
            headers={"authorization": f"Bearer {user_key}"},
            timeout=30,
        ),
    }
    assert [r.status_code for r in sent.values()] == [200, 200, 403, 502, 403, 401, 400]
    shown = {}
    for name, response in sent.items():
        output = audit_cli(
            gateway.config_path, "query", "--request-id", response.headers["x-request-id"], "--format", "json"
        )
        events = json.loads(output)["events"]
        assert len(events) == 1, name
        shown[name] = events[0]
    summary = {name: (e["decision"], e["outcome"], e["status_code"]) for name, e in shown.items()}
    assert summary["allowed"] == ("allow", "completed", 200)
    assert summary["redacted"][0] == "redact" and summary["redacted"][1:] == ("completed", 200)
    assert summary["blocked"] == ("block", "blocked", 403)
    assert summary["upstream failure"][1:] == ("upstream_error", 502)
    # Forwarded, then the answer withheld: a completion records it (the pipeline names that outcome "blocked" for a
    # whole answer and "blocked_answer" for a stream).
    assert summary["answer withheld"][1] in ("blocked", "blocked_answer") and summary["answer withheld"][2] == 403
    assert shown["answer withheld"]["completed_at"] and shown["answer withheld"]["completion_seq"]
    assert summary["bad key"] == (None, "rejected", 401)
    assert summary["bad input"][1:] == ("rejected", 400)
    assert shown["blocked"]["reasons"] and all(r["code"] and r["message"] for r in shown["blocked"]["reasons"])
    assert shown["blocked"]["findings"]["UK_NHS"] == 1 and shown["blocked"]["policy_version"]
    assert shown["redacted"]["findings"].keys() >= {"PERSON", "EMAIL_ADDRESS"}
    assert "<PERSON" in shown["redacted"]["prompt_text"] and "<EMAIL_ADDRESS" in shown["redacted"]["prompt_text"]
    assert shown["allowed"]["user"] == "alice@example.gov.uk" and shown["allowed"]["department"] == "HMRC"

    # Nothing raw anywhere in the database: not in any table, not in the write-ahead log.
    database = Path(gateway.database_url.removeprefix("sqlite:///"))
    stored = b"".join(path.read_bytes() for path in database.parent.glob(database.name + "*"))
    for value in (NAME, EMAIL, NHS, NHS.replace(" ", ""), user_key, user_key.split("_", 2)[2]):
        assert value.encode() not in stored, value
    table = audit_cli(gateway.config_path, "query", "--limit", "1000", "--since", "1h")
    assert sent["blocked"].headers["x-request-id"] in table
    verified = CliRunner().invoke(main, ["audit", "verify", "--config", str(gateway.config_path)])
    assert verified.exit_code == 0 and verified.stdout.startswith("intact:"), verified.output


def test_two_gateway_processes_and_16_clients_on_one_postgresql(standin, postgres_url, tmp_path):
    settings = {"audit": {"database_url": postgres_url, "checkpoint_key": "replica-shared-secret-0123456789abcdef"}}
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
    replicas = [
        Gateway(tmp_path / name, model_list=standin.model_list(("echo",)), settings=settings) for name in ("one", "two")
    ]
    key = replicas[0].create_key()
    for replica in replicas:
        replica.start()
    responses: list[httpx.Response] = []
    lock = threading.Lock()

    def client(number: int) -> None:
        target = replicas[number % 2]
        for request in range(6):
            kind = (number + request) % 6
            if kind == 0:
                response = chat(target, key, "echo", f"Patient NHS number {NHS} needs a referral letter.")
            elif kind == 1:
                response = chat(target, None, "echo", "no key")
            else:
                response = chat(target, key, "echo", f"Draft note {number}-{request} for the weekly update")
            with lock:
                responses.append(response)

    try:
        clients = [threading.Thread(target=client, args=(n,)) for n in range(16)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join(240)
    finally:
        for replica in replicas:
            replica.stop()
    assert len(responses) == 96
    assert sorted({r.status_code for r in responses}) == [200, 401, 403]
    store = AuditStore(AuditSettings(database_url=postgres_url))
    assert store.count_requests() == 96
    with store.engine.connect() as connection:
        from sqlalchemy import select

        from audit.schema import audit_events

        recorded = set(
            connection.execute(select(audit_events.c.request_id).where(audit_events.c.kind == "request")).scalars()
        )
    assert recorded == {r.headers["x-request-id"] for r in responses}
    store.engine.dispose()
    config = tmp_path / "auditor.yaml"
    config.write_text(json.dumps({"audit": settings["audit"]}))
    verified = CliRunner().invoke(main, ["audit", "verify", "--config", str(config)])
    assert verified.exit_code == 0 and verified.stdout.startswith("intact:"), verified.output


def test_auditors_read_the_trail_through_the_running_gateway(gateway, user_key):
    auditor = gateway.create_key(user="audrey@example.gov.uk", department="GIAA", roles=("auditor",))
    body = {"model": "echo", "messages": [{"role": "user", "content": "Audit trail probe"}]}
    sent = httpx.post(
        f"{gateway.url}/v1/chat/completions", json=body, headers={"authorization": f"Bearer {user_key}"}, timeout=30
    )
    request_id = sent.headers["x-request-id"]
    events = httpx.get(
        f"{gateway.url}/v1/audit/events",
        params={"request_id": request_id},
        headers={"authorization": f"Bearer {auditor}"},
        timeout=30,
    )
    assert events.status_code == 200, events.text
    assert [event["request_id"] for event in events.json()["events"]] == [request_id]
    refused = httpx.get(f"{gateway.url}/v1/audit/events", headers={"authorization": f"Bearer {user_key}"}, timeout=30)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "insufficient_role"
    export = httpx.get(
        f"{gateway.url}/v1/audit/export",
        params={"format": "jsonl"},
        headers={"authorization": f"Bearer {auditor}"},
        timeout=30,
    )
    assert export.status_code == 200 and request_id in export.text
