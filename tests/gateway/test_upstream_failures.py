"""Provider errors, timeouts, disconnects: mapped to the client's error shape; disconnects cancel upstream."""

from __future__ import annotations

import json
import time

import anthropic
import httpx
import openai
import pytest

from tests.support.gateway import Gateway

pytestmark = pytest.mark.integration


@pytest.fixture()
def client(gateway: Gateway, user_key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{gateway.url}/v1", api_key=user_key, max_retries=0)


def ask(client: openai.OpenAI, model: str, stream: bool = False):
    return client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hello"}], stream=stream)


def test_provider_error_is_502(client):
    with pytest.raises(openai.APIStatusError) as failed:
        ask(client, "fail-500")
    assert failed.value.status_code == 502
    assert failed.value.body["type"] == "upstream_error"


def test_provider_rejection_is_400(client):
    with pytest.raises(openai.BadRequestError) as failed:
        ask(client, "fail-400")
    assert failed.value.body["code"] == "upstream_rejected"


def test_unreachable_provider_is_502(client):
    with pytest.raises(openai.APIStatusError) as failed:
        ask(client, "unreachable")
    assert failed.value.status_code == 502


def test_slow_provider_is_504(client):
    with pytest.raises(openai.APIStatusError) as failed:
        ask(client, "slow")
    assert failed.value.status_code == 504


def test_streamed_provider_error_before_first_token_is_an_http_error(client):
    with pytest.raises(openai.APIStatusError) as failed:
        list(ask(client, "fail-500", stream=True))
    assert failed.value.status_code == 502


def test_provider_dropping_mid_stream_ends_with_an_error_event(gateway, user_key):
    body = {"model": "drop", "stream": True, "messages": [{"role": "user", "content": "one two three four five"}]}
    with httpx.stream(
        "POST",
        f"{gateway.url}/v1/chat/completions",
        json=body,
        headers={"authorization": f"Bearer {user_key}"},
        timeout=30,
    ) as response:
        assert response.status_code == 200
        events = [line for line in response.iter_lines() if line.startswith("data: ")]
    last = json.loads(events[-1].removeprefix("data: "))
    assert last["error"]["type"] == "upstream_error"


def test_client_disconnect_cancels_the_upstream_stream(gateway, user_key, standin):
    standin.recorder.clear()
    body = {"model": "long", "stream": True, "messages": [{"role": "user", "content": "go"}]}
    with httpx.stream(
        "POST",
        f"{gateway.url}/v1/chat/completions",
        json=body,
        headers={"authorization": f"Bearer {user_key}"},
        timeout=30,
    ) as response:
        lines = response.iter_lines()
        received = [next(lines) for _ in range(6)]
    assert any("word" in line for line in received)
    deadline = time.monotonic() + 10
    while standin.recorder.cancelled_streams == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert standin.recorder.cancelled_streams == 1
    assert standin.recorder.completed_streams == 0


def test_anthropic_client_gets_anthropic_errors(gateway, user_key):
    client = anthropic.Anthropic(base_url=gateway.url, api_key=user_key, max_retries=0)
    with pytest.raises(anthropic.APIStatusError) as failed:
        client.messages.create(model="fail-500", max_tokens=10, messages=[{"role": "user", "content": "hi"}])
    assert failed.value.status_code == 502
    assert failed.value.body["type"] == "error" and failed.value.body["error"]["type"] == "api_error"
