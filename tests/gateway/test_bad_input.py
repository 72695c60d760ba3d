"""Bad input gets a clear error in the API's own shape, never a crash — and is audited."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.support.gateway import Gateway

pytestmark = pytest.mark.integration


def post(
    gateway: Gateway, path: str, key: str | None, content: bytes | str, headers: dict | None = None
) -> httpx.Response:
    all_headers = {"content-type": "application/json", **(headers or {})}
    if key:
        all_headers["authorization"] = f"Bearer {key}"
    return httpx.post(f"{gateway.url}{path}", content=content, headers=all_headers, timeout=30)


def openai_error(response: httpx.Response) -> dict:
    body = response.json()
    assert set(body) == {"error"}
    assert {"message", "type", "param", "code"} <= set(body["error"])
    assert response.headers["x-request-id"] in body["error"]["message"]
    return body["error"]


def anthropic_error(response: httpx.Response) -> dict:
    body = response.json()
    assert body["type"] == "error"
    assert {"type", "message"} <= set(body["error"])
    assert response.headers["x-request-id"] in body["error"]["message"]
    return body["error"]


@pytest.mark.parametrize(
    ("content", "status", "fragment"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b"", 400, "empty"),
        (b"[1, 2]", 400, "JSON object"),
        (b"\xff\xfe\x00garbage", 400, "UTF-8"),
        (json.dumps({"messages": [{"role": "user", "content": "hi"}]}), 400, "'model' is required"),
        (json.dumps({"model": 42, "messages": []}), 400, "'model' must be a string"),
        (json.dumps({"model": "echo", "messages": "hello"}), 400, "'messages' must be an array"),
        (json.dumps({"model": "echo", "messages": []}), 400, "at least one message"),
        (json.dumps({"model": "echo", "messages": [{"role": "wizard", "content": "hi"}]}), 400, "role"),
        (json.dumps({"model": "echo", "messages": [{"role": "user", "content": 7}]}), 400, "content"),
        (
            json.dumps({"model": "echo", "stream": "yes", "messages": [{"role": "user", "content": "hi"}]}),
            400,
            "stream",
        ),
        (
            json.dumps({"model": "no-such-model", "messages": [{"role": "user", "content": "hi"}]}),
            404,
            "requested model does not exist",
        ),
    ],
)
def test_chat_completions_bad_input(gateway, user_key, recorder, content, status, fragment):
    response = post(gateway, "/v1/chat/completions", user_key, content)
    assert response.status_code == status
    assert fragment in openai_error(response)["message"]
    assert recorder.requests == []


def test_oversized_body_is_refused_with_413(gateway, user_key, recorder):
    huge = json.dumps({"model": "echo", "messages": [{"role": "user", "content": "x" * (5 * 1024 * 1024)}]})
    response = post(gateway, "/v1/chat/completions", user_key, huge)
    assert response.status_code == 413
    assert openai_error(response)["type"] == "invalid_request_error"
    assert recorder.requests == []


@pytest.mark.parametrize("key", [None, "not-a-key", "hr_0000000000000000_wrongsecret"])
def test_missing_or_wrong_key_is_401(gateway, recorder, key):
    response = post(
        gateway,
        "/v1/chat/completions",
        key,
        json.dumps({"model": "echo", "messages": [{"role": "user", "content": "hi"}]}),
    )
    assert response.status_code == 401
    error = openai_error(response)
    assert error["code"] in {"invalid_api_key", "missing_api_key"}
    assert recorder.requests == []


def test_key_is_never_echoed_or_logged(gateway, user_key):
    post(
        gateway,
        "/v1/chat/completions",
        user_key + "x",
        json.dumps({"model": "echo", "messages": [{"role": "user", "content": "hi"}]}),
    )
    post(gateway, "/v1/chat/completions", user_key, b"{broken")
    secret = user_key.split("_", 2)[2]
    assert secret not in gateway.log()


def test_anthropic_endpoint_errors_use_anthropic_shape(gateway, user_key):
    response = post(gateway, "/v1/messages", user_key, b"{oops", headers={"anthropic-version": "2023-06-01"})
    assert response.status_code == 400
    assert anthropic_error(response)["type"] == "invalid_request_error"
    response = post(gateway, "/v1/messages", None, json.dumps({"model": "echo", "max_tokens": 5, "messages": []}))
    assert response.status_code == 401
    assert anthropic_error(response)["type"] == "authentication_error"
    response = post(
        gateway,
        "/v1/messages",
        user_key,
        json.dumps({"model": "echo", "messages": [{"role": "user", "content": "hi"}]}),
    )
    assert response.status_code == 400 and "max_tokens" in anthropic_error(response)["message"]


def test_responses_and_embeddings_validate_input(gateway, user_key):
    response = post(gateway, "/v1/responses", user_key, json.dumps({"model": "echo"}))
    assert response.status_code == 400 and "'input' is required" in openai_error(response)["message"]
    response = post(gateway, "/v1/embeddings", user_key, json.dumps({"model": "embed", "input": [{"x": 1}]}))
    assert response.status_code == 400 and "input[0]" in openai_error(response)["message"]


def test_unknown_route_and_method(gateway, user_key):
    response = httpx.get(f"{gateway.url}/v1/nothing-here", timeout=10)
    assert response.status_code == 404 and "error" in response.json()
    response = httpx.get(f"{gateway.url}/v1/chat/completions", timeout=10)
    assert response.status_code == 405 and "error" in response.json()


def test_client_cannot_redirect_or_reconfigure_the_upstream_call(gateway, user_key, recorder):
    body = {
        "model": "echo",
        "messages": [{"role": "user", "content": "hello"}],
        "api_base": "http://127.0.0.1:1/v1",
        "mock_response": "bypassed",
        "metadata": {"guardrails": []},
    }
    response = post(gateway, "/v1/chat/completions", user_key, json.dumps(body))
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == "You said: hello"
    forwarded = recorder.requests[-1]["body"]
    assert "api_base" not in forwarded and "mock_response" not in forwarded


def test_every_response_carries_a_request_id(gateway, user_key):
    for response in (
        httpx.get(f"{gateway.url}/v1/models", headers={"authorization": f"Bearer {user_key}"}, timeout=10),
        post(gateway, "/v1/chat/completions", user_key, b"{"),
        post(gateway, "/v1/chat/completions", None, b"{}"),
    ):
        assert response.headers.get("x-request-id", "").startswith("req_")
