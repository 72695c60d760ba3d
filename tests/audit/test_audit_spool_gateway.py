"""End to end: a gateway whose PostgreSQL turns read-only keeps recording refusals (through the spool), forwards
nothing unrecorded, reports not ready, and replays the refusals into the chain when the database is writable again."""

from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy import create_engine, select, text

from audit.database import read_only_engine
from audit.schema import audit_events
from audit.signing import KeyRing
from audit.verify import verify
from tests.support.gateway import Gateway

pytestmark = [pytest.mark.integration, pytest.mark.postgres]
NHS = "943 476 5919"


def set_read_only(url: str, name: str, on: bool) -> None:
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("SET default_transaction_read_only = off"))
            setting = "SET default_transaction_read_only = on" if on else "RESET default_transaction_read_only"
            connection.execute(text(f'ALTER DATABASE "{name}" {setting}'))
            # Sessions already open keep the old setting: end the gateway's so its next connections take the new one.
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
    finally:
        admin.dispose()


def wait_for_ready(gateway: Gateway, status: int, timeout: float = 30) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        response = httpx.get(f"{gateway.url}/readyz", timeout=30)
        if response.status_code == status or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


def test_refusals_during_a_read_only_database_are_recorded_through_the_spool(
    standin, postgres_server, tmp_path, recorder
):
    name = "handrail_spool"
    url = postgres_server.create_database(name)
    settings = {
        "audit": {
            "database_url": url,
            "checkpoint_key": "spool-test-secret-0123456789abcdef",
            "spool_dir": str(tmp_path / "spool"),
            "write_probe_seconds": 0.5,
        }
    }
    gateway = Gateway(tmp_path, model_list=standin.model_list(("echo",)), settings=settings)
    key = gateway.create_key()
    gateway.start()
    headers = {"authorization": f"Bearer {key}"}
    try:
        assert (
            httpx.post(
                f"{gateway.url}/v1/chat/completions",
                headers=headers,
                timeout=30,
                json={"model": "echo", "messages": [{"role": "user", "content": "hello"}]},
            ).status_code
            == 200
        )
        set_read_only(url, name, True)
        blocked = httpx.post(
            f"{gateway.url}/v1/chat/completions",
            headers=headers,
            timeout=60,
            json={
                "model": "echo",
                "messages": [{"role": "user", "content": f"Patient NHS number {NHS} needs a referral."}],
            },
        )
        bad_key = httpx.post(
            f"{gateway.url}/v1/chat/completions",
            headers={"authorization": "Bearer hr_0000000000000000_no"},
            timeout=60,
            json={"model": "echo", "messages": [{"role": "user", "content": "hi"}]},
        )
        assert (blocked.status_code, bad_key.status_code) == (403, 401)
        forwarded = httpx.post(
            f"{gateway.url}/v1/chat/completions",
            headers=headers,
            timeout=60,
            json={"model": "echo", "messages": [{"role": "user", "content": "hello again"}]},
        )
        assert forwarded.status_code == 503 and forwarded.json()["error"]["code"] == "guard_unavailable"
        assert len(recorder.requests) == 1  # only the first request reached the provider
        not_ready = wait_for_ready(gateway, 503)
        assert not_ready.status_code == 503 and not_ready.json()["audit"].startswith("cannot write: ")
        spool = (tmp_path / "spool" / "audit-spool.jsonl").read_text().splitlines()
        # The blocked request, the bad key, and the refusal (503) of the request that could not be recorded as forwarded.
        assert len(spool) == 3
        metrics = httpx.get(f"{gateway.url}/metrics", timeout=30).text
        assert "handrail_audit_spool_depth 3.0" in metrics

        set_read_only(url, name, False)
        ready = wait_for_ready(gateway, 200)  # the probe succeeds and replays the spool
        assert ready.status_code == 200, ready.text
        assert (tmp_path / "spool" / "audit-spool.jsonl").read_text() == ""
    finally:
        gateway.stop()
    engine = read_only_engine(url)
    try:
        with engine.connect() as connection:
            outcomes = dict(connection.execute(select(audit_events.c.request_id, audit_events.c.outcome)).all())
        assert outcomes[blocked.headers["x-request-id"]] == "blocked"
        assert outcomes[bad_key.headers["x-request-id"]] == "rejected"
        assert outcomes[forwarded.headers["x-request-id"]] == "failed"  # never recorded as forwarded: it was not
        report = verify(engine, _keys())
        assert report.intact, report.problems
    finally:
        engine.dispose()
        postgres_server.drop_database(name)


def _keys() -> KeyRing:
    ring = KeyRing()
    ring.add_hmac_secret("spool-test-secret-0123456789abcdef")
    return ring
