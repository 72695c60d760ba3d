"""Checked identities through the real gateway: rate limits per key with 429 and Retry-After in each API's shape,
and a key whose department a policy change removed is refused with a clear reason, not given the defaults."""

from __future__ import annotations

import time

import anthropic
import httpx
import openai
import pytest

from tests.policy.helpers import copy_policies, edit_data
from tests.support.gateway import Gateway

pytestmark = pytest.mark.integration


def start_gateway(standin, directory, limits: dict) -> Gateway:
    policies = copy_policies(directory / "policies")
    gateway = Gateway(
        directory,
        model_list=standin.model_list(("echo",)),
        settings={"policy": {"path": str(policies), "watch_interval_seconds": 0.3}, "limits": limits},
    )
    gateway.policies = policies
    return gateway.start()


@pytest.fixture(scope="module")
def limited_gateway(standin, tmp_path_factory):
    gateway = start_gateway(standin, tmp_path_factory.mktemp("limited-gateway"), {"requests_per_minute_per_key": 3})
    yield gateway
    gateway.stop()


@pytest.fixture(scope="module")
def policy_gateway(standin, tmp_path_factory):
    gateway = start_gateway(standin, tmp_path_factory.mktemp("department-gateway"), {})
    yield gateway
    gateway.stop()


def test_a_key_over_its_limit_gets_429_with_retry_after_in_each_api_shape(limited_gateway, recorder):
    key = limited_gateway.create_key(user="busy@example.gov.uk", department="DWP")
    client = openai.OpenAI(base_url=f"{limited_gateway.url}/v1", api_key=key, max_retries=0)
    for _ in range(3):
        client.chat.completions.create(model="echo", messages=[{"role": "user", "content": "Hello"}])
    with pytest.raises(openai.RateLimitError) as refused:
        client.chat.completions.create(model="echo", messages=[{"role": "user", "content": "Hello"}])
    assert refused.value.status_code == 429
    assert 1 <= int(refused.value.response.headers["retry-after"]) <= 20
    assert "your key may send 3 a minute" in refused.value.message
    assert len(recorder.requests) == 3  # the fourth never reached the provider
    messages = anthropic.Anthropic(base_url=limited_gateway.url, api_key=key, max_retries=0)
    with pytest.raises(anthropic.RateLimitError) as also_refused:
        messages.messages.create(model="echo", max_tokens=10, messages=[{"role": "user", "content": "Hello"}])
    assert also_refused.value.body["error"]["type"] == "rate_limit_error"
    # another key is not affected
    other = openai.OpenAI(
        base_url=f"{limited_gateway.url}/v1", api_key=limited_gateway.create_key(department="DWP"), max_retries=0
    )
    assert other.chat.completions.create(model="echo", messages=[{"role": "user", "content": "Hi"}]).choices


def test_a_key_whose_department_the_policy_no_longer_knows_is_refused(policy_gateway, recorder):
    key = policy_gateway.create_key(user="ann@example.gov.uk", department="GDS")
    body = {"model": "echo", "messages": [{"role": "user", "content": "Hello"}]}
    headers = {"authorization": f"Bearer {key}"}
    assert (
        httpx.post(f"{policy_gateway.url}/v1/chat/completions", json=body, headers=headers, timeout=30).status_code
        == 200
    )
    edit_data(policy_gateway.policies, "departments", lambda data: data.pop("GDS"))
    recorder.clear()
    deadline = time.monotonic() + 30  # the watcher picks the edit up within its interval
    while (
        response := httpx.post(f"{policy_gateway.url}/v1/chat/completions", json=body, headers=headers, timeout=30)
    ).status_code == 200 and time.monotonic() < deadline:
        recorder.clear()
        time.sleep(0.3)
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "unknown_department"
    assert "department 'GDS', which the policy does not know" in error["message"]
    assert recorder.requests == []
