"""A client that hangs up on a non-streamed call: the provider call is cancelled and the audit says so."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.support.gateway import Gateway

pytestmark = pytest.mark.integration


def test_disconnect_on_a_non_streamed_call_cancels_the_provider_call_and_is_audited_499(standin, tmp_path):
    # its own gateway: the provider must be slower than the client's patience, and the shared one times out at 2 s
    gateway = Gateway(tmp_path, model_list=standin.model_list(("slow", "echo"))).start()
    try:
        key = gateway.create_key()
        auditor = gateway.create_key(user="auditor@example.gov.uk", department="GIAA", roles=("auditor",))
        standin.recorder.clear()
        body = {"model": "slow", "messages": [{"role": "user", "content": "hello"}]}
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(
                f"{gateway.url}/v1/chat/completions", json=body, headers={"authorization": f"Bearer {key}"}, timeout=1.0
            )
        deadline = time.monotonic() + 10
        while standin.recorder.cancelled_calls == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert standin.recorder.cancelled_calls == 1
        assert len(standin.recorder.requests) == 1
        events: list = []
        while time.monotonic() < deadline + 5:
            events = httpx.get(
                f"{gateway.url}/v1/audit/events",
                params={"model": "slow"},
                headers={"authorization": f"Bearer {auditor}"},
                timeout=30,
            ).json()["events"]
            if events and events[0]["outcome"] == "cancelled":
                break
            time.sleep(0.2)
        assert [(event["outcome"], event["status_code"]) for event in events] == [("cancelled", 499)]
        # the next call is served as usual
        answer = httpx.post(
            f"{gateway.url}/v1/chat/completions",
            json={**body, "model": "echo"},
            headers={"authorization": f"Bearer {key}"},
            timeout=30,
        )
        assert answer.status_code == 200
    finally:
        gateway.stop()
