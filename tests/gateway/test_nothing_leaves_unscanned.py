"""Property: a canary identifier placed anywhere in a request never reaches the provider raw.

Requests for every endpoint are generated from rich templates (every kind of
field each API has: messages, tool calls and results, tool schemas, response
schemas, stop sequences, user ids, metadata …), and a canary is put into one
JSON position of each: a value, a string inside a value, an unknown key's
value, an unknown key's *name*, an item appended to a list. The gateway runs
under an experiment that allows tools, so tool-bearing requests are forwarded
too. Whatever the gateway answers, the stand-in provider's record must not hold
the canary, and no input may cost a 5xx.

Two canaries: a National Insurance number (the default policy blocks it, so a
miss shows as a forwarded request) and an e-mail address (pseudonymised, so a
miss shows as the raw address upstream next to correctly replaced ones).
"""

from __future__ import annotations

import copy
import json
import os
import re
from datetime import UTC, datetime

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.policy.helpers import copy_policies, edit_data
from tests.support.gateway import Gateway

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("HANDRAIL_CANARY_EXAMPLES", "2000"))

CANARIES = {
    "nino": ("JK 41 22 90 B", re.compile(r"JK\W{0,3}41\W{0,3}22\W{0,3}90\W{0,3}B", re.IGNORECASE)),
    "email": ("canary.kite@example.org", re.compile(r"canary\.kite@example\.org", re.IGNORECASE)),
}

SCHEMA = {
    "type": "object",
    "description": "A case record",
    "properties": {"reference": {"type": "string", "description": "The case reference", "enum": ["A1", "B2"]}},
    "required": ["reference"],
}

TEMPLATES = {
    "/v1/chat/completions": {
        "model": "echo",
        "messages": [
            {"role": "system", "content": "You are a careful assistant for a government team."},
            {
                "role": "user",
                "name": "caseworker",
                "content": [
                    {"type": "text", "text": "Please summarise the attached note."},
                    {
                        "type": "image_url",
                        "image_url": {"url": "https://images.example.gov.uk/chart.png", "detail": "low"},
                    },
                ],
            },
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_a",
                        "type": "function",
                        "function": {"name": "find_case", "arguments": '{"reference": "A1"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_a", "content": "Case A1: open, awaiting review."},
            {"role": "user", "content": "Thanks, now draft a reply."},
        ],
        "tools": [
            {"type": "function", "function": {"name": "find_case", "description": "Find a case", "parameters": SCHEMA}}
        ],
        "tool_choice": "auto",
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "reply", "description": "The reply", "schema": SCHEMA},
        },
        "stop": ["END"],
        "user": "team-7",
        "prediction": {"type": "content", "content": "Dear colleague"},
        "temperature": 0.3,
        "max_tokens": 200,
        "metadata": {"ticket": "T-1"},
    },
    "/v1/responses": {
        "model": "echo",
        "instructions": "Answer briefly.",
        "input": [
            {"role": "user", "content": [{"type": "input_text", "text": "Find case A1."}]},
            {"type": "function_call", "call_id": "fc_1", "name": "find_case", "arguments": '{"reference": "A1"}'},
            {"type": "function_call_output", "call_id": "fc_1", "output": "Case A1: open."},
            {"role": "user", "content": "Summarise it."},
        ],
        "tools": [{"type": "function", "name": "find_case", "description": "Find a case", "parameters": SCHEMA}],
        "text": {"format": {"type": "json_schema", "name": "summary", "schema": SCHEMA}},
        "user": "team-7",
        "max_output_tokens": 200,
        "metadata": {"ticket": "T-1"},
    },
    "/v1/messages": {
        "model": "echo",
        "max_tokens": 200,
        "system": [{"type": "text", "text": "You are a careful assistant."}],
        "messages": [
            {"role": "user", "content": "Find case A1."},
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "Looking it up."},
                    {
                        "type": "tool_use",
                        "id": "toolu_1",
                        "name": "find_case",
                        "input": {"reference": "A1", "filters": {"open": True}},
                    },
                ],
            },
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": "toolu_1",
                        "content": [{"type": "text", "text": "Case A1: open."}],
                    },
                    {"type": "text", "text": "Summarise it."},
                ],
            },
        ],
        "tools": [{"name": "find_case", "description": "Find a case", "input_schema": SCHEMA}],
        "tool_choice": {"type": "auto"},
        "metadata": {"user_id": "team-7"},
        "stop_sequences": ["END"],
        "temperature": 0.3,
    },
    "/v1/embeddings": {"model": "echo", "input": ["First passage.", "Second passage."], "user": "team-7"},
}


def positions(value: object, path: tuple = ()) -> list[tuple]:
    """Every path in a JSON value (containers and leaves), the root excluded."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((*path, key))
            found.extend(positions(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.append((*path, index))
            found.extend(positions(item, (*path, index)))
    return found


def get(value: object, path: tuple) -> object:
    for step in path:
        value = value[step]
    return value


@st.composite
def canary_requests(draw: st.DrawFn) -> tuple[str, dict, str]:
    endpoint = draw(st.sampled_from(sorted(TEMPLATES)))
    canary_name = draw(st.sampled_from(sorted(CANARIES)))
    canary = CANARIES[canary_name][0]
    body = copy.deepcopy(TEMPLATES[endpoint])
    path = draw(st.sampled_from(positions(body)))
    container, last = get(body, path[:-1]), path[-1]
    target = container[last]
    how = draw(st.sampled_from(["replace", "embed", "unknown_key", "key_name", "append"]))
    wording = draw(st.sampled_from(["{c}", "ref {c}", "{c} is the one", "see: {c}."]))
    text = wording.format(c=canary)
    if how == "embed" and isinstance(target, str):
        cut = draw(st.integers(0, len(target)))
        container[last] = f"{target[:cut]} {text} {target[cut:]}"
    elif how == "unknown_key" and isinstance(target, dict):
        target[draw(st.sampled_from(["context", "annotation", "x_note", "extra"]))] = text
    elif how == "key_name" and isinstance(target, dict):
        target[text] = draw(st.sampled_from(["x", 1, True, {"type": "string"}]))
    elif how == "append" and isinstance(target, list):
        target.append(text)
    else:
        container[last] = text
    return endpoint, body, canary_name


@pytest.fixture(scope="module")
def tools_gateway(standin, tmp_path_factory):
    directory = tmp_path_factory.mktemp("canary-gateway")
    policies = copy_policies(directory / "policies")
    trial = {
        "description": "Every capability on the echo model, so that tool-bearing requests are forwarded in this test.",
        "owner": "security@example.gov.uk",
        "departments": ["GDS"],
        "users": [],
        "models": ["echo"],
        "relaxes": ["agentic", "self_coding", "internet", "unscannable_content"],
        "max_classification": "OFFICIAL",
        "starts": "2026-01-01T00:00:00+00:00",
        "expires": datetime(2099, 1, 1, tzinfo=UTC).isoformat(timespec="seconds"),
        "daily_request_cap": 1_000_000,
    }
    edit_data(policies, "experiments", lambda data: (data.clear(), data.update({"everything": trial})))
    gateway = Gateway(directory, model_list=standin.model_list(("echo",)), settings={"policy": {"path": str(policies)}})
    gateway.key = gateway.create_key(user="dev@example.gov.uk", department="GDS")
    gateway.start()
    yield gateway
    gateway.stop()


def test_the_templates_themselves_are_forwarded(tools_gateway, recorder):
    """Without a canary every template is answered: the property below is not passing by refusing everything."""
    with httpx.Client(base_url=tools_gateway.url, timeout=60) as client:
        for endpoint, body in TEMPLATES.items():
            response = client.post(endpoint, json=body, headers=_headers(tools_gateway))
            assert response.status_code == 200, (endpoint, response.text)
    assert len(recorder.requests) == len(TEMPLATES)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=canary_requests())
def test_a_canary_anywhere_never_reaches_the_provider(tools_gateway, standin, case):
    endpoint, body, canary_name = case
    standin.recorder.clear()
    response = httpx.post(f"{tools_gateway.url}{endpoint}", json=body, headers=_headers(tools_gateway), timeout=60)
    assert response.status_code < 500, response.text
    received = standin.recorder.text()
    assert not CANARIES[canary_name][1].search(received), f"{canary_name} reached the provider: {json.dumps(body)}"
    if response.status_code >= 400:
        # a refusal quotes no unscanned client string either
        assert not CANARIES[canary_name][1].search(response.text), response.text


def _headers(gateway) -> dict:
    return {"authorization": f"Bearer {gateway.key}", "x-handrail-experiment": "everything"}
