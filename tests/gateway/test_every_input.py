"""Every input gets a 4xx in the API's own shape and an audit event; nothing refused reaches the provider.

Each case here was once a 500 with no audit event, or a client error reported as a guard or provider failure
(issue 12, items 2 and 3).
"""

from __future__ import annotations

import json

import httpx
import pytest

from tests.support.gateway import Gateway

pytestmark = pytest.mark.integration

CHAT, RESPONSES, MESSAGES = "/v1/chat/completions", "/v1/responses", "/v1/messages"
HI = [{"role": "user", "content": "hi"}]


def post(
    gateway: Gateway, path: str, key: str, content: str | bytes, extra: list[tuple[str, str]] | None = None
) -> httpx.Response:
    headers = [
        ("content-type", "application/json"),
        *(extra if extra is not None else [("authorization", f"Bearer {key}")]),
    ]
    return httpx.post(f"{gateway.url}{path}", content=content, headers=headers, timeout=60)


def error_of(path: str, response: httpx.Response) -> dict:
    """The error in the API's own shape: Anthropic's for /v1/messages, OpenAI's elsewhere."""
    body = response.json()
    if path == MESSAGES:
        assert body["type"] == "error" and body["error"]["type"] in {"invalid_request_error", "request_too_large"}
    else:
        assert set(body) == {"error"} and body["error"]["type"] == "invalid_request_error"
    assert response.headers["x-request-id"] in body["error"]["message"]
    return body["error"]


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


CASES = {
    # a selector that is a list cannot be looked up: it must read as "not one of them"
    "chat role is a list": (
        CHAT,
        json.dumps({"model": "echo", "messages": [{"role": ["user"], "content": "hi"}]}),
        400,
        "'messages[0].role'",
    ),
    "messages role is a list": (
        MESSAGES,
        json.dumps({"model": "echo", "max_tokens": 5, "messages": [{"role": ["user"], "content": "hi"}]}),
        400,
        "'messages[0].role'",
    ),
    "responses item role is a list": (
        RESPONSES,
        json.dumps({"model": "echo", "input": [{"role": ["user"], "content": "hi"}]}),
        400,
        "'input[0].role'",
    ),
    "chat content type is an object": (
        CHAT,
        json.dumps({"model": "echo", "messages": [{"role": "user", "content": [{"type": {}}]}]}),
        400,
        "'messages[0].content[0].type'",
    ),
    "messages tool_choice type is a list": (
        MESSAGES,
        json.dumps({"model": "echo", "max_tokens": 5, "messages": HI, "tool_choice": {"type": ["any"]}}),
        400,
        "tool_choice",
    ),
    "JSON nested 100,000 deep": (
        CHAT,
        '{"model": "echo", "messages": ' + deep(100_000) + "}",
        400,
        "nested more than 64 levels",
    ),
    "JSON nested 500 deep": (
        RESPONSES,
        '{"model": "echo", "input": "hi", "metadata": {"a": ' + deep(500) + "}}",
        400,
        "nested more than 64 levels",
    ),
    "a 5,000-digit integer": (
        CHAT,
        '{"model": "echo", "messages": [{"role": "user", "content": "hi"}], "max_tokens": ' + "9" * 5000 + "}",
        400,
        "integer longer than 64 digits",
    ),
    "a 5,000-digit integer in an unknown field": (
        MESSAGES,
        '{"model": "echo", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}], "zz": -'
        + "1" * 5000
        + "}",
        400,
        "integer longer than 64 digits",
    ),
    "a lone surrogate": (
        CHAT,
        '{"model": "echo", "messages": [{"role": "user", "content": "hi \\ud800 there"}]}',
        400,
        "'messages[0].content' holds a value with a lone UTF-16 surrogate",
    ),
    "a lone surrogate in a key": (
        RESPONSES,
        '{"model": "echo", "input": "hi", "metadata": {"\\udfff": 1}}',
        400,
        "'metadata.{field}' holds a key with a lone UTF-16 surrogate",
    ),
    "temperature NaN": (
        CHAT,
        '{"model": "echo", "messages": [{"role": "user", "content": "hi"}], "temperature": NaN}',
        400,
        "'temperature' must be a finite number",
    ),
    "temperature Infinity": (
        MESSAGES,
        '{"model": "echo", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}], "temperature": Infinity}',
        400,
        "'temperature' must be a finite number",
    ),
    "max_tokens 1e999": (
        CHAT,
        '{"model": "echo", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 1e999}',
        400,
        "'max_tokens' must be an integer",
    ),
    "max_output_tokens [null]": (
        RESPONSES,
        '{"model": "echo", "input": "hi", "max_output_tokens": [null]}',
        400,
        "'max_output_tokens' must be an integer",
    ),
    "stop_sequences renamed, named as sent": (
        MESSAGES,
        '{"model": "echo", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}], "stop_sequences": 7}',
        400,
        "'stop_sequences'",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_a_4xx_in_the_apis_shape_audited_and_never_forwarded(gateway, user_key, auditor, recorder, case):
    path, content, status, fragment = CASES[case]
    response = post(gateway, path, user_key, content)
    assert response.status_code == status, response.text[:300]
    assert fragment in error_of(path, response)["message"]
    event = gateway.audit_event(auditor, response.headers["x-request-id"])
    assert event["outcome"] == "rejected" and event["status_code"] == status
    assert recorder.requests == []


@pytest.mark.parametrize("path", [CHAT, RESPONSES, MESSAGES])
def test_a_prompt_over_a_million_characters_is_413_not_a_guard_failure(gateway, user_key, auditor, recorder, path):
    text = "word " * 200_001  # 1,000,005 characters, well within the 4 MiB body limit
    body: dict = {"model": "echo", "messages": [{"role": "user", "content": text}]}
    if path == RESPONSES:
        body = {"model": "echo", "input": text}
    elif path == MESSAGES:
        body["max_tokens"] = 5
    response = post(gateway, path, user_key, json.dumps(body))
    assert response.status_code == 413, response.text[:300]
    error = error_of(path, response)
    assert "more than 1,000,000 characters" in error["message"]
    assert error.get("code") == "text_too_long"
    event = gateway.audit_event(auditor, response.headers["x-request-id"])
    assert event["outcome"] == "rejected" and event["status_code"] == 413
    assert recorder.requests == []


def test_a_prompt_just_under_the_limit_is_forwarded(gateway, user_key, recorder):
    response = post(
        gateway,
        CHAT,
        user_key,
        json.dumps({"model": "echo", "messages": [{"role": "user", "content": "word " * 199_990}]}),
    )
    assert response.status_code == 200, response.text[:300]
    assert len(recorder.requests) == 1


@pytest.mark.parametrize(
    ("name", "values", "shown"),
    [
        ("x-data-classification", ["OFFICIAL", "SECRET"], "X-Data-Classification"),
        ("X-Handrail-Experiment", ["agents-trial", "other"], "X-Handrail-Experiment"),
        ("authorization", None, "Authorization"),
        ("x-api-key", None, "x-api-key"),
    ],
)
def test_a_deciding_header_sent_twice_with_different_values_is_400_naming_it(
    gateway, user_key, auditor, recorder, name, values, shown
):
    other = gateway.create_key(user="bob@example.gov.uk")
    if name == "authorization":
        headers = [("authorization", f"Bearer {user_key}"), ("authorization", f"Bearer {other}")]
    elif name == "x-api-key":
        headers = [("x-api-key", user_key), ("x-api-key", other)]
    else:
        headers = [("authorization", f"Bearer {user_key}"), *((name, value) for value in values)]
    for path in (CHAT, MESSAGES):
        body = {"model": "echo", "messages": HI, **({"max_tokens": 5} if path == MESSAGES else {})}
        response = post(gateway, path, user_key, json.dumps(body), extra=headers)
        assert response.status_code == 400, response.text[:300]
        error = error_of(path, response)
        assert f"The {shown} header was sent more than once with different values" in error["message"]
        assert gateway.audit_event(auditor, response.headers["x-request-id"])["outcome"] == "rejected"
    assert recorder.requests == []


def test_a_deciding_header_repeated_with_the_same_value_is_accepted(gateway, user_key, recorder):
    headers = [
        ("authorization", f"Bearer {user_key}"),
        ("x-data-classification", "OFFICIAL"),
        ("x-data-classification", "OFFICIAL"),
    ]
    response = post(gateway, CHAT, user_key, json.dumps({"model": "echo", "messages": HI}), extra=headers)
    assert response.status_code == 200, response.text[:300]
    assert len(recorder.requests) == 1


def test_two_different_keys_in_authorization_and_x_api_key_are_refused(gateway, user_key, recorder):
    other = gateway.create_key(user="carol@example.gov.uk")
    headers = [("authorization", f"Bearer {user_key}"), ("x-api-key", other)]
    response = post(gateway, CHAT, user_key, json.dumps({"model": "echo", "messages": HI}), extra=headers)
    assert response.status_code == 400
    assert "Both Authorization and x-api-key carry a key" in error_of(CHAT, response)["message"]
    assert other.split("_", 2)[2] not in response.text
    assert recorder.requests == []


def test_a_control_character_in_a_tool_name_is_decided_not_a_guard_failure(gateway, user_key, auditor, recorder):
    """Found by schemathesis: the embedded Rego engine wrote the character into its output unescaped (a 503)."""
    body = {
        "model": "echo",
        "messages": HI,
        "tools": [{"type": "function", "function": {"name": "look\u0001up", "parameters": {}}}],
    }
    response = post(gateway, CHAT, user_key, json.dumps(body))
    assert response.status_code == 200, response.text[:300]  # the default policy allows a declared function tool
    assert gateway.audit_event(auditor, response.headers["x-request-id"])["decision"] in {"allow", "strip"}
    assert len(recorder.requests) == 1


@pytest.mark.parametrize("name", ['look"up', "look\\up", 'a\\"b'])
def test_a_quote_or_backslash_in_a_tool_name_is_decided_not_a_guard_failure(gateway, user_key, recorder, name):
    """Found by schemathesis: the embedded Rego engine wrote the input back into its JSON output unescaped."""
    body = {
        "model": "echo",
        "messages": HI,
        "tools": [{"type": "function", "function": {"name": name, "parameters": {}}}],
    }
    response = post(gateway, CHAT, user_key, json.dumps(body))
    assert response.status_code == 200, response.text[:300]
    assert len(recorder.requests) == 1
