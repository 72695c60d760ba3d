"""No input costs a 5xx: schemathesis over every route of the OpenAPI document, and a body fuzzer for the chat APIs.

The only 5xx allowed is a genuine upstream failure (502/504 with an ``upstream_*`` code) — never a crash, and
never a guard failure, since every guard of this gateway is up. Bounded example counts keep this a CI test.
"""

from __future__ import annotations

import json

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.gateway import Gateway

pytestmark = pytest.mark.integration

MODELS = ["echo", "claude-echo", "demo", "embed", "tools"]


@pytest.fixture(scope="module")
def all_roles_key(gateway: Gateway) -> str:
    return gateway.create_key(user="fuzz@example.gov.uk", department="GDS", roles=("user", "auditor", "policy-admin"))


def acceptable(response: httpx.Response | object, status: int, body: bytes) -> bool:
    if status < 500:
        return True
    try:
        document = json.loads(body)
    except ValueError:
        return False
    error = document.get("error") if isinstance(document, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return status in (502, 504) and isinstance(code, str) and code.startswith("upstream_")


def test_openapi_publishes_a_request_body_schema_for_every_model_route(gateway):
    document = httpx.get(f"{gateway.url}/openapi.json", timeout=30).json()
    for path in ("/v1/chat/completions", "/v1/responses", "/v1/messages", "/v1/embeddings"):
        schema = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert "model" in schema["required"] and schema["properties"]["model"]["type"] == "string"
    assert document["paths"]["/v1/messages"]["post"]["requestBody"]["content"]["application/json"]["schema"][
        "required"
    ] == ["model", "max_tokens", "messages"]


def test_schemathesis_finds_no_5xx_on_any_route(gateway, all_roles_key):
    schema = schemathesis.openapi.from_url(f"{gateway.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    failures: list[str] = []
    for operation in operations:
        strategy = operation.as_strategy()

        @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=strategy, model=st.sampled_from([None, *MODELS]))
        def run(case, model):  # run at once, inside this iteration
            if model is not None and isinstance(case.body, dict) and "model" in case.body:
                case.body["model"] = model  # reach past the model check as well as into it
            response = case.call(base_url=gateway.url, headers={"authorization": f"Bearer {all_roles_key}"}, timeout=60)
            if not acceptable(response, response.status_code, response.content):
                where = f"{operation.method.upper()} {operation.path}"  # noqa: B023  (run() is called in this iteration)
                failures.append(f"{where}: {response.status_code} {response.content[:200]!r}")
            request_id = response.headers.get("x-request-id") or [""]  # schemathesis keeps every value of a header
            if not (request_id[0] if isinstance(request_id, list) else request_id).startswith("req_"):
                failures.append(f"{operation.method.upper()} {operation.path}: no request id")  # noqa: B023

        run()
    assert failures == []


LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=6),
    st.sampled_from(
        [
            "user",
            "assistant",
            "system",
            "tool",
            "text",
            "image_url",
            "function",
            "message",
            "tool_use",
            "tool_result",
            "input_text",
            "function_call",
            "function_call_output",
            "auto",
            "any",
            "json_schema",
            "base64",
            "document",
            "image",
        ]
    ),
)
KEYS = st.sampled_from(
    [
        "role",
        "content",
        "type",
        "text",
        "name",
        "arguments",
        "tool_calls",
        "function",
        "id",
        "input",
        "source",
        "call_id",
        "output",
        "tool_use_id",
        "image_url",
        "input_schema",
        "parameters",
    ]
)
JSON = st.recursive(
    LEAF, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=4)), max_leaves=10
)
ITEM = st.dictionaries(KEYS, JSON, max_size=5)
ITEMS = st.lists(
    st.one_of(
        ITEM,
        st.fixed_dictionaries(
            {
                "role": st.sampled_from(["user", "assistant", "tool", "system"]),
                "content": st.one_of(st.text(max_size=8), st.lists(ITEM, max_size=3), JSON),
            },
            optional={"tool_calls": st.lists(ITEM, max_size=2), "type": JSON},
        ),
    ),
    min_size=1,
    max_size=3,
)
FIELDS = {
    "/v1/chat/completions": [
        "tools",
        "tool_choice",
        "response_format",
        "temperature",
        "max_tokens",
        "stop",
        "n",
        "logit_bias",
        "seed",
        "stream",
        "functions",
        "function_call",
        "stream_options",
        "modalities",
    ],
    "/v1/responses": [
        "instructions",
        "tools",
        "tool_choice",
        "text",
        "temperature",
        "max_output_tokens",
        "reasoning",
        "metadata",
        "include",
        "stream",
        "previous_response_id",
    ],
    "/v1/messages": [
        "system",
        "tools",
        "tool_choice",
        "temperature",
        "top_k",
        "stop_sequences",
        "thinking",
        "metadata",
        "stream",
    ],
}


def bodies(path: str):
    main = "input" if path == "/v1/responses" else "messages"
    required = {
        "model": st.sampled_from(["echo", "claude-echo"]),
        main: st.one_of(ITEMS, JSON) if main == "input" else ITEMS,
    }
    if path == "/v1/messages":
        required["max_tokens"] = st.one_of(st.integers(1, 50), JSON)
    return st.fixed_dictionaries(required, optional={name: JSON for name in FIELDS[path]})


@pytest.mark.parametrize("path", list(FIELDS))
def test_body_fuzzer_finds_no_5xx_and_every_refusal_is_audited(gateway, user_key, all_roles_key, path):
    failures: list[str] = []
    client = httpx.Client(base_url=gateway.url, headers={"authorization": f"Bearer {user_key}"}, timeout=60)

    @settings(max_examples=120, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(body=bodies(path))
    def run(body):
        response = client.post(path, content=json.dumps(body))  # json.dumps writes NaN and Infinity as Python does
        if not acceptable(response, response.status_code, response.content):
            failures.append(f"{response.status_code} {response.content[:200]!r} for {json.dumps(body)[:300]}")
        elif 400 <= response.status_code < 500:
            events = client.get(
                "/v1/audit/events",
                params={"request_id": response.headers["x-request-id"]},
                headers={"authorization": f"Bearer {all_roles_key}"},
            ).json()["events"]
            if len(events) != 1 or events[0]["outcome"] not in {"rejected", "blocked"}:
                failures.append(f"refusal not audited: {response.status_code} {json.dumps(body)[:200]}")

    run()
    client.close()
    assert failures == []
