"""End to end: the policy decides real requests through a running gateway, and changes without a restart.

The gateway runs on a private copy of ``policies/`` whose experiments are set
up by the test, so the real catalogue, rules and tests are in force.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.policy.helpers import copy_policies, edit_data
from tests.support.gateway import Gateway

pytestmark = pytest.mark.integration

# An agent loop, not only declared tools (which the default policy strips): the shell tool has already been used.
AGENTIC = {
    "model": "echo",
    "messages": [
        {"role": "user", "content": "List the files in the shared drive and tidy them up."},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "run_shell", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "3 files"},
    ],
    "tools": [
        {
            "type": "function",
            "function": {
                "name": "run_shell",
                "description": "Run a shell command",
                "parameters": {"type": "object", "properties": {"cmd": {"type": "string"}}},
            },
        }
    ],
}


def experiment(expires: datetime, **overrides) -> dict:
    definition = {
        "description": "Coding agents on the echo model, for the end-to-end test.",
        "owner": "security@example.gov.uk",
        "departments": ["GDS"],
        "users": [],
        "models": ["echo"],
        "relaxes": ["agentic", "self_coding"],
        "max_classification": "OFFICIAL",
        "starts": "2026-01-01T00:00:00+00:00",
        "expires": expires.isoformat(timespec="seconds"),
        "daily_request_cap": 1000,
    }
    return {**definition, **overrides}


@pytest.fixture(scope="module")
def policy_gateway(standin, tmp_path_factory):
    directory = tmp_path_factory.mktemp("policy-gateway")
    policies = copy_policies(directory / "policies")
    edit_data(
        policies,
        "experiments",
        lambda d: (d.clear(), d.update({"agents-trial": experiment(datetime(2099, 1, 1, tzinfo=UTC))})),
    )
    gateway = Gateway(
        directory,
        model_list=standin.model_list(("echo",)),
        settings={"policy": {"path": str(policies), "watch_interval_seconds": 0.3}},
    )
    gateway.policies = policies
    gateway.developer = gateway.create_key(user="dev@example.gov.uk", department="GDS")
    gateway.admin = gateway.create_key(user="sec@example.gov.uk", department="GDS", roles=("policy-admin",))
    gateway.auditor = gateway.create_key(user="aud@example.gov.uk", department="GIAA", roles=("auditor",))
    gateway.start()
    yield gateway
    gateway.stop()


def chat(gateway, body=AGENTIC, experiment_name=None) -> httpx.Response:
    headers = {"authorization": f"Bearer {gateway.developer}"}
    if experiment_name:
        headers["x-handrail-experiment"] = experiment_name
    return httpx.post(f"{gateway.url}/v1/chat/completions", json=body, headers=headers, timeout=60)


def reload(gateway) -> httpx.Response:
    return httpx.post(
        f"{gateway.url}/admin/policies/reload", headers={"authorization": f"Bearer {gateway.admin}"}, timeout=120
    )


def audited(gateway, request_id: str) -> dict:
    found = httpx.get(
        f"{gateway.url}/v1/audit/events",
        params={"request_id": request_id},
        headers={"authorization": f"Bearer {gateway.auditor}"},
        timeout=30,
    ).json()["events"]
    assert len(found) == 1
    return found[0]


def wait_for(condition, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def test_an_agentic_request_is_blocked_with_a_readable_reason(policy_gateway, recorder):
    response = chat(policy_gateway)
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "agentic_use"
    assert "Tools and autonomous agents cannot be used" in error["message"] and "run_shell" in error["message"]
    assert response.headers["x-request-id"] in error["message"]
    assert recorder.requests == []  # never reached, or billed by, the provider


def test_the_same_request_under_a_valid_experiment_is_allowed_and_audited_as_such(policy_gateway, recorder):
    response = chat(policy_gateway, experiment_name="agents-trial")
    assert response.status_code == 200, response.text
    assert len(recorder.requests) == 1 and recorder.requests[0]["body"]["tools"][0]["function"]["name"] == "run_shell"
    event = audited(policy_gateway, response.headers["x-request-id"])
    assert event["experiment"] == "agents-trial" and event["decision"] == "allow"
    assert len(event["policy_version"]) == 16


def test_an_experiment_does_not_cover_someone_outside_it(policy_gateway, recorder):
    outsider = policy_gateway.create_key(user="eve@example.gov.uk", department="HMRC")
    response = httpx.post(
        f"{policy_gateway.url}/v1/chat/completions",
        json=AGENTIC,
        timeout=60,
        headers={"authorization": f"Bearer {outsider}", "x-handrail-experiment": "agents-trial"},
    )
    assert response.status_code == 403
    error = response.json()["error"]
    assert (
        error["code"] == "agentic_use"
        and "You are not a participant in the experiment 'agents-trial'" in error["message"]
    )
    assert recorder.requests == []


def test_after_expiry_the_experiment_no_longer_allows_the_request(policy_gateway, recorder):
    expires = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=4)
    edit_data(policy_gateway.policies, "experiments", lambda d: d.update({"ends-soon": experiment(expires)}))
    assert reload(policy_gateway).status_code == 200
    allowed = chat(policy_gateway, experiment_name="ends-soon")
    assert allowed.status_code == 200, allowed.text
    time.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()) + 1.5)
    refused = chat(policy_gateway, experiment_name="ends-soon")
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["code"] == "agentic_use" and f"ended on {expires.date().isoformat()}" in error["message"]
    assert len(recorder.requests) == 1


def test_a_policy_edit_is_picked_up_without_a_restart(policy_gateway, recorder):
    before = audited(policy_gateway, chat(policy_gateway, experiment_name="agents-trial").headers["x-request-id"])
    edit_data(policy_gateway.policies, "models", lambda d: d.update({"echo": {**d["demo"], "status": "withdrawn"}}))
    # No reload call: the watcher notices the file change.
    refused = wait_for(lambda: (r := chat(policy_gateway, experiment_name="agents-trial")).status_code == 403 and r)
    assert refused.json()["error"]["code"] == "model_withdrawn"
    after = audited(policy_gateway, refused.headers["x-request-id"])
    assert after["policy_version"] != before["policy_version"]
    edit_data(policy_gateway.policies, "models", lambda d: d.pop("echo"))
    wait_for(lambda: chat(policy_gateway, experiment_name="agents-trial").status_code == 200)


def test_a_broken_policy_edit_is_rejected_and_the_old_policy_keeps_working(policy_gateway, recorder):
    module = policy_gateway.policies / "handrail" / "safeguards" / "safeguards.rego"
    good = module.read_text()
    version = audited(policy_gateway, chat(policy_gateway).headers["x-request-id"])["policy_version"]
    try:
        module.write_text(good + "\nblocks contains {\n")
        rejected = reload(policy_gateway)
        assert rejected.status_code == 422
        error = rejected.json()["error"]
        assert (
            error["code"] == "policy_rejected" and "safeguards.rego" in error["message"] and version in error["message"]
        )
        time.sleep(1)  # the watcher has seen the broken file too, and kept the old policy
        still = chat(policy_gateway)
        assert still.status_code == 403 and still.json()["error"]["code"] == "agentic_use"
        assert audited(policy_gateway, still.headers["x-request-id"])["policy_version"] == version
        plain = chat(
            policy_gateway,
            body={"model": "echo", "messages": [{"role": "user", "content": "Summarise the meeting notes."}]},
        )
        assert plain.status_code == 200
    finally:
        module.write_text(good)


def test_only_a_policy_admin_may_reload(policy_gateway):
    response = httpx.post(
        f"{policy_gateway.url}/admin/policies/reload",
        headers={"authorization": f"Bearer {policy_gateway.developer}"},
        timeout=30,
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "insufficient_role"
    assert json.loads(reload(policy_gateway).text)["status"] == "reloaded"


def test_a_shadow_policy_is_recorded_with_the_request_but_never_enforced(standin, recorder, tmp_path):
    live = copy_policies(tmp_path / "live")
    candidate = copy_policies(tmp_path / "candidate")
    edit_data(candidate, "protection", lambda d: (d["pseudonymise"].remove("PERSON"), d["block"].append("PERSON")))
    gateway = Gateway(
        tmp_path,
        model_list=standin.model_list(("echo",)),
        settings={"policy": {"path": str(live), "shadow_path": str(candidate)}},
    )
    user = gateway.create_key()
    auditor = gateway.create_key(user="aud@example.gov.uk", department="GIAA", roles=("auditor",))
    gateway.start()
    try:
        body = {
            "model": "echo",
            "messages": [{"role": "user", "content": "Draft a thank-you note to Margaret Thompson."}],
        }
        response = httpx.post(
            f"{gateway.url}/v1/chat/completions", json=body, timeout=60, headers={"authorization": f"Bearer {user}"}
        )
        assert response.status_code == 200  # the live policy pseudonymises; the candidate's block is not enforced
        assert "Margaret" not in recorder.requests[-1]["body"]["messages"][0]["content"]
        event = httpx.get(
            f"{gateway.url}/v1/audit/events",
            params={"request_id": response.headers["x-request-id"]},
            headers={"authorization": f"Bearer {auditor}"},
            timeout=30,
        ).json()["events"][0]
        assert event["decision"] == "redact"
        assert event["shadow"]["action"] == "block" and event["shadow"]["reasons"] == ["blocked_data"]
        assert event["shadow"]["policy_version"] != event["policy_version"]
    finally:
        gateway.stop()


def test_the_opa_server_engine_decides_and_an_unreachable_server_refuses(standin, recorder, tmp_path):
    from tests.support.opa import OpaServer

    opa = OpaServer(copy_policies(tmp_path / "bundle"), tmp_path / "opa.log").start()
    gateway = Gateway(
        tmp_path,
        model_list=standin.model_list(("echo",)),
        settings={"policy": {"engine": "opa", "opa_url": opa.url, "opa_timeout_seconds": 1}},
    )
    user = gateway.create_key()
    try:
        gateway.start()
        headers = {"authorization": f"Bearer {user}"}
        refused = httpx.post(f"{gateway.url}/v1/chat/completions", json=AGENTIC, headers=headers, timeout=60)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "agentic_use"
        plain = {"model": "echo", "messages": [{"role": "user", "content": "Summarise the meeting notes."}]}
        assert (
            httpx.post(f"{gateway.url}/v1/chat/completions", json=plain, headers=headers, timeout=60).status_code == 200
        )
        opa.stop()
        down = httpx.post(f"{gateway.url}/v1/chat/completions", json=plain, headers=headers, timeout=60)
        assert down.status_code == 503
        error = down.json()["error"]
        assert error["code"] == "guard_unavailable"
        assert "the policy server did not answer" in error["message"]
        assert opa.url not in error["message"]  # the internal address is for operators, not for end users
        assert f"the OPA server at {opa.url} did not answer" in gateway.log()
        assert down.headers["x-request-id"] in error["message"]
        assert len(recorder.requests) == 1  # only the plain request, sent while the server was up
        ready = httpx.get(f"{gateway.url}/readyz", timeout=10)
        assert ready.status_code == 503 and ready.json()["policy"] != "ok"
    finally:
        gateway.stop()
        opa.stop()
