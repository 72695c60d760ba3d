"""Provider failures say what happened, with 502 and 504 used correctly on every API and provider, streamed or not.

A refused connection is "refused the connection", not "HTTP 500"; a timeout (before the answer, or a stream that
stalls half way) is 504 with the API's timeout type; an HTTP error is quoted with the status the provider sent.
"""

from __future__ import annotations

import json

import httpx
import pytest

from tests.support.gateway import Gateway

pytestmark = pytest.mark.integration

CHAT, RESPONSES, MESSAGES = "/v1/chat/completions", "/v1/responses", "/v1/messages"


def body_for(path: str, model: str, stream: bool) -> dict:
    if path == RESPONSES:
        return {"model": model, "input": "hello there", "stream": stream}
    body = {"model": model, "messages": [{"role": "user", "content": "hello there"}], "stream": stream}
    return {**body, "max_tokens": 20} if path == MESSAGES else body


def call(gateway: Gateway, key: str, path: str, model: str, stream: bool) -> tuple[int, dict, str]:
    """(HTTP status, the error in the API's shape, request id), whether the error came as a response or an event."""
    headers = {"authorization": f"Bearer {key}"}
    with httpx.stream(
        "POST", f"{gateway.url}{path}", json=body_for(path, model, stream), headers=headers, timeout=60
    ) as response:
        request_id = response.headers["x-request-id"]
        if response.status_code != 200:
            response.read()
            body = response.json()
            return response.status_code, (body["error"] if "error" in body else body), request_id
        assert stream, "a non-streamed call that failed must not answer 200"
        last = [line.removeprefix("data: ") for line in response.iter_lines() if line.startswith("data: ")][-1]
    event = json.loads(last)
    return 200, (event.get("error") or event), request_id


# (model, stream, HTTP status before any answer (None: the stream started), audited status, message fragment)
FAILURES = [
    ("unreachable", False, 502, 502, "The provider refused the connection"),
    ("unreachable", True, 502, 502, "The provider refused the connection"),
    ("claude-unreachable", False, 502, 502, "The provider refused the connection"),
    ("claude-unreachable", True, 502, 502, "The provider refused the connection"),
    ("fail-500", False, 502, 502, "answered with an error (HTTP 500)"),
    ("claude-fail-500", True, 502, 502, "answered with an error (HTTP 500)"),
    ("slow", False, 504, 504, "did not answer in time"),
    ("claude-slow", False, 504, 504, "did not answer in time"),
    ("stall", True, None, 504, "did not answer in time"),
    ("claude-stall", True, None, 504, "did not answer in time"),
    ("drop", True, None, 502, "broke off the connection"),
]


@pytest.mark.parametrize("path", [CHAT, RESPONSES, MESSAGES])
@pytest.mark.parametrize(("model", "stream", "status", "audited_status", "fragment"), FAILURES)
def test_provider_failures_name_what_happened(
    gateway, user_key, auditor, path, model, stream, status, audited_status, fragment
):
    got, error, request_id = call(gateway, user_key, path, model, stream)
    assert got == (status or 200)
    assert fragment in error["message"] and request_id in error["message"]
    if audited_status == 504 and path == MESSAGES:
        assert error["type"] == "timeout_error"
    if audited_status == 504 and path != MESSAGES:
        assert error.get("code") == "upstream_timeout"
    if "HTTP 500" not in fragment:
        assert "HTTP 500" not in error["message"]
    event = gateway.audit_event(auditor, request_id)
    assert event["outcome"] == "upstream_error"
    assert event["status_code"] == audited_status
