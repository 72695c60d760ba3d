"""Fail closed: when a guard cannot work, requests are refused with a clear error and nothing is forwarded."""

from __future__ import annotations

import httpx
import pytest

from tests.support.gateway import Gateway
from tests.support.standin import free_port

pytestmark = pytest.mark.integration

BODY = {"model": "echo", "messages": [{"role": "user", "content": "hello"}]}


def refused_everywhere(gateway: Gateway, key: str | None, recorder, part: str) -> None:
    ready = httpx.get(f"{gateway.url}/readyz", timeout=10)
    assert ready.status_code == 503 and ready.json()[part] != "ok"
    assert httpx.get(f"{gateway.url}/healthz", timeout=10).status_code == 200
    headers = {"authorization": f"Bearer {key}"} if key else {}
    response = httpx.post(f"{gateway.url}/v1/chat/completions", json=BODY, headers=headers, timeout=30)
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "guard_unavailable"
    assert response.headers["x-request-id"] in error["message"]
    assert recorder.requests == []


def test_an_unreachable_bundle_server_at_start_refuses_every_request(tmp_path, standin, recorder):
    # No bundle persisted and nothing listening: the gateway starts, is not ready and decides nothing.
    bundle_url = f"http://127.0.0.1:{free_port()}/bundle.tar.gz"
    settings = {"policy": {"bundle_url": bundle_url, "bundle_polling_min_delay_seconds": 0.5}}
    gateway = Gateway(tmp_path, model_list=standin.model_list(("echo",)), settings=settings)
    key = gateway.create_key()
    gateway.start(wait_until_ready=False)
    try:
        refused_everywhere(gateway, key, recorder, "policy")
        state = httpx.get(f"{gateway.url}/readyz", timeout=10).json()
        assert "did not answer" in state["policy"] and state["policy_revision"] == ""
    finally:
        gateway.stop()


def test_broken_policy_refuses_every_request(tmp_path, standin, recorder):
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "broken.rego").write_text("package handrail\n\ndecision := {\n")
    gateway = Gateway(tmp_path, model_list=standin.model_list(("echo",)), settings={"policy": {"path": str(policies)}})
    key = gateway.create_key()
    gateway.start(wait_until_ready=False)
    try:
        refused_everywhere(gateway, key, recorder, "policy")
    finally:
        gateway.stop()


def test_missing_language_model_refuses_every_request(tmp_path, standin, recorder):
    gateway = Gateway(
        tmp_path, model_list=standin.model_list(("echo",)), settings={"detection": {"spacy_model": "no_such_model"}}
    )
    key = gateway.create_key()
    gateway.start(wait_until_ready=False)
    try:
        refused_everywhere(gateway, key, recorder, "detectors")
    finally:
        gateway.stop()


def test_unreachable_audit_database_stops_the_server_with_a_clear_message(tmp_path, standin):
    gateway = Gateway(
        tmp_path,
        model_list=standin.model_list(("echo",)),
        settings={"audit": {"database_url": "postgresql+psycopg://handrail:s3cret@127.0.0.1:9/none"}},
    )
    with pytest.raises(RuntimeError, match="exited at start"):
        gateway.start(timeout=30)
    log = gateway.log()
    assert "cannot prepare the audit database at postgresql+psycopg://handrail:***@127.0.0.1:9/none" in log
    assert "Traceback" not in log and "s3cret" not in log


def test_audit_database_lost_mid_run_refuses_and_forwards_nothing(tmp_path, standin, recorder):
    from tests.support.postgres import PostgresServer, require_postgres

    require_postgres()
    server = PostgresServer().start()
    try:
        url = server.create_database("handrail_failclosed")
        gateway = Gateway(
            tmp_path, model_list=standin.model_list(("echo",)), settings={"audit": {"database_url": url}}
        ).start()
        try:
            key = gateway.create_key()
            headers = {"authorization": f"Bearer {key}"}
            ok = httpx.post(f"{gateway.url}/v1/chat/completions", json=BODY, headers=headers, timeout=30)
            assert ok.status_code == 200 and len(recorder.requests) == 1
            server.stop()
            refused = httpx.post(f"{gateway.url}/v1/chat/completions", json=BODY, headers=headers, timeout=60)
            assert refused.status_code == 503, refused.text
            assert refused.json()["error"]["code"] == "guard_unavailable"
            assert (
                "audit" in refused.json()["error"]["message"].lower()
                or "key" in refused.json()["error"]["message"].lower()
            )
            assert len(recorder.requests) == 1  # nothing more reached the provider
            assert httpx.get(f"{gateway.url}/readyz", timeout=30).status_code == 503
        finally:
            gateway.stop()
    finally:
        server.stop()
