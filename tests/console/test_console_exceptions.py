"""The exception route end to end, through a real gateway on a private copy of the policy.

A refused request → the user asks for an exception in the console → the policy team approves it → the experiment
is written into the policy data through the checked reload → the same request is allowed under it → and refused
again once its few seconds are over. Every step is in the trail.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.console.conftest import SECRET
from tests.gateway.test_policy_end_to_end import AGENTIC
from tests.policy.helpers import copy_policies
from tests.support.gateway import Gateway

pytestmark = pytest.mark.integration

TIME_BOX_SECONDS = 20.0  # the reload runs the policy's own tests (a few seconds), then the box must still be open
USER = "dev@example.gov.uk"


@pytest.fixture(scope="module")
def gateway(standin, tmp_path_factory) -> Iterator[Gateway]:
    directory = tmp_path_factory.mktemp("exceptions")
    policies = copy_policies(directory / "policies")
    server = Gateway(
        directory,
        model_list=standin.model_list(("echo",)),
        settings={"policy": {"path": str(policies)}, "console": {"session_secret": SECRET}},
    )
    server.policies = policies
    server.user_key = server.create_key(user=USER, department="HMRC")
    server.admin_key = server.create_key(user="pat@gds.gov.uk", department="GDS", roles=("policy-admin",))
    server.auditor_key = server.create_key(user="aud@nao.gov.uk", department="HMRC", roles=("auditor",))
    server.start()
    yield server
    server.stop()


def chat(gateway: Gateway, experiment: str | None = None) -> httpx.Response:
    headers = {"authorization": f"Bearer {gateway.user_key}"}
    if experiment:
        headers["x-handrail-experiment"] = experiment
    return httpx.post(f"{gateway.url}/v1/chat/completions", json=AGENTIC, headers=headers, timeout=60)


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def signed_in(gateway: Gateway, key: str) -> httpx.Client:
    client = httpx.Client(base_url=gateway.url, timeout=120, follow_redirects=True)
    token = csrf(client.get("/console/sign-in").text)
    response = client.post("/console/sign-in", data={"csrf_token": token, "key": key})
    assert response.status_code == 200 and "Sign out" in response.text, response.text
    return client


def audited(gateway: Gateway, request_id: str) -> dict:
    (event,) = httpx.get(
        f"{gateway.url}/v1/audit/events",
        params={"request_id": request_id},
        headers={"authorization": f"Bearer {gateway.auditor_key}"},
        timeout=30,
    ).json()["events"]
    return event


def access_actions(gateway: Gateway, user: str) -> list[dict]:
    events = httpx.get(
        f"{gateway.url}/v1/audit/events",
        params={"kind": "access", "user": user, "limit": 200},
        headers={"authorization": f"Bearer {gateway.auditor_key}"},
        timeout=30,
    ).json()["events"]
    return events


def test_refused_then_exception_then_allowed_in_its_time_box_then_refused(gateway: Gateway) -> None:
    # 1. Refused, and the refusal says where to ask for an exception.
    refused = chat(gateway)
    assert refused.status_code == 403, refused.text
    request_id = refused.headers["x-request-id"]
    message = refused.json()["error"]["message"]
    assert refused.json()["error"]["code"] == "agentic_use"
    assert f"/console/exceptions/new?request={request_id}" in message

    # 2. The user asks for one; the free text holds a NI number, which is never stored.
    user = signed_in(gateway, gateway.user_key)
    form = user.get(f"/console/exceptions/new?request={request_id}")
    assert form.status_code == 200 and 'value="echo"' in form.text and "agentic_use" in form.text
    for relaxed in ("agentic", "self_coding"):
        assert f'id="relax_{relaxed}" name="relax_{relaxed}" type="checkbox" value="yes" checked' in form.text
    sent = user.post(
        "/console/exceptions",
        data={
            "csrf_token": csrf(form.text),
            "request": request_id,
            "model": "echo",
            "relax_agentic": "yes",  # both ticked on the form, from the refusal's reasons
            "relax_self_coding": "yes",
            "days": repr(TIME_BOX_SECONDS / 86400),
            "justification": "Tidying the case files of AB123456C needs the shell tool for a week.",
        },
    )
    assert sent.status_code == 200 and "went to the policy team" in sent.text, sent.text
    exception_id = re.search(r"(exc_[0-9a-f]{16})", sent.text).group(1)
    assert "Waiting for the policy team" in sent.text

    # Someone else's refused request, or an allowed one, cannot be used.
    assert user.get("/console/exceptions/new?request=req_nothing").status_code == 404

    # 3. The policy team sees it (scanned text, the owners named in the policy data) and approves it.
    admin = signed_in(gateway, gateway.admin_key)
    queue = admin.get("/console/exceptions")
    assert exception_id in queue.text
    assert "AB123456C" not in queue.text and "&lt;UK_NINO&gt;" in queue.text
    # The owners of the experiments that already relax tool use are named.
    assert "gds-security@digital.cabinet-office.gov.uk" in queue.text and "hmrc-ai-assurance@hmrc.gov.uk" in queue.text
    before = json.loads((gateway.policies / "data" / "experiments" / "data.json").read_text())
    approved = admin.post(f"/console/exceptions/{exception_id}/approve", data={"csrf_token": csrf(queue.text)})
    assert approved.status_code == 200 and "was approved" in approved.text, approved.text
    approved_at = time.monotonic()
    after = json.loads((gateway.policies / "data" / "experiments" / "data.json").read_text())
    (name,) = set(after) - set(before)
    assert after[name]["users"] == [USER] and after[name]["models"] == ["echo"]
    assert after[name]["relaxes"] == ["agentic", "self_coding"]
    # Deciding twice does nothing.
    assert (
        admin.post(f"/console/exceptions/{exception_id}/refuse", data={"csrf_token": csrf(queue.text)}).status_code
        == 409
    )

    # 4. Within its time box the same request is allowed, under the new experiment.
    allowed = chat(gateway, name)
    assert time.monotonic() - approved_at < TIME_BOX_SECONDS - 2, "the reload took too long for this test"
    assert allowed.status_code == 200, allowed.text
    assert audited(gateway, allowed.headers["x-request-id"])["experiment"] == name

    # The requester sees the outcome.
    mine = user.get("/console/exceptions")
    assert "approved" in mine.text and f"X-Handrail-Experiment: {name}" in mine.text

    # 5. After it ends, refused again.
    time.sleep(max(0.0, TIME_BOX_SECONDS + 1.5 - (time.monotonic() - approved_at)))
    expired = chat(gateway, name)
    assert expired.status_code == 403, expired.text
    assert expired.json()["error"]["code"] == "agentic_use"
    assert "experiment_expired" in [r["code"] for r in audited(gateway, expired.headers["x-request-id"])["reasons"]]

    # 6. All audited: the request, the approval, the experiment written (with its definition).
    user_actions = {e["action"]: e for e in access_actions(gateway, USER)}
    assert user_actions["exception-request"]["parameters"]["request_id"] == request_id
    admin_actions = {e["action"]: e for e in access_actions(gateway, "pat@gds.gov.uk")}
    assert admin_actions["exception-approve"]["parameters"]["exception_id"] == exception_id
    written = admin_actions["experiment-written"]["parameters"]
    assert written["experiment"] == name and written["definition"]["expires"] == after[name]["expires"]
    assert "AB123456C" not in json.dumps(access_actions(gateway, USER))


def test_a_user_cannot_approve(gateway: Gateway) -> None:
    user = signed_in(gateway, gateway.user_key)
    page = user.get("/console/exceptions")
    response = user.post("/console/exceptions/exc_0000000000000000/approve", data={"csrf_token": csrf(page.text)})
    assert response.status_code == 403
