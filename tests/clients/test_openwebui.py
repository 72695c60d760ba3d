"""Open WebUI 0.12.4's requests, rebuilt from its own source (``openwebui.py``), replayed through the gateway.

Done when (issue 14): the default chat with its built-in tools, its second turn and its background tasks are
answered (the tools stripped and audited); the legacy tool-selection and code-interpreter prompts are refused.
Native web search and code interpreter are declared function tools, stripped like the rest.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from detectors.usage import detect_usage_signals
from proxy.formats import parse_request
from tests.support.gateway import Gateway

CORPUS = Path(__file__).with_name("openwebui.jsonl")
RECORDS = {r["id"]: r for r in (json.loads(line) for line in CORPUS.read_text().splitlines() if line.strip())}
SIGNALS = ("agentic", "self_coding", "internet")


@pytest.mark.parametrize("ident", list(RECORDS))
def test_each_request_is_read_as_labelled(ident):
    record = RECORDS[ident]
    conversation = parse_request(record["endpoint"], record["body"], record["headers"])
    got = {s.type for s in detect_usage_signals(conversation)} & set(SIGNALS)
    assert got == {s for s in SIGNALS if record["labels"][s]}


def test_the_default_chat_declares_open_webuis_built_in_tools():
    names = [tool["function"]["name"] for tool in RECORDS["owui-default-chat"]["body"]["tools"]]
    assert len(names) == 24 and {"add_memory", "search_chats", "ask_user", "write_note"} <= set(names)


def replay(gateway: Gateway, key: str, record: dict) -> httpx.Response:
    headers = {**record["headers"], "authorization": f"Bearer {key}"}
    return httpx.post(f"{gateway.url}{record['endpoint']}", json=record["body"], headers=headers, timeout=60)


@pytest.mark.integration
@pytest.mark.parametrize("ident", ["owui-default-chat", "owui-second-turn"])
def test_the_default_chat_and_its_second_turn_are_answered_with_the_tools_removed(
    gateway, user_key, recorder, auditor, ident
):
    response = replay(gateway, user_key, RECORDS[ident])
    assert response.status_code == 200, response.text
    assert "data: " in response.text  # Open WebUI streams
    assert response.headers["x-handrail-tools-removed"] == "24"
    forwarded = recorder.requests[0]["body"]
    assert "tools" not in forwarded and "tool_choice" not in forwarded
    event = gateway.audit_event(auditor, response.headers["x-request-id"])
    assert event["decision"] == "strip"
    assert "add_memory" in json.dumps(event)


@pytest.mark.integration
@pytest.mark.parametrize("ident", ["owui-title", "owui-tags", "owui-follow-ups"])
def test_background_tasks_are_answered(gateway, user_key, recorder, ident):
    response = replay(gateway, user_key, RECORDS[ident])
    assert response.status_code == 200, response.text
    assert "x-handrail-tools-removed" not in response.headers
    assert len(recorder.requests) == 1


@pytest.mark.integration
@pytest.mark.parametrize(
    ("ident", "removed", "signal"),
    [("owui-web-search", "26", "internet"), ("owui-code-interpreter", "25", "self_coding")],
)
def test_native_web_search_and_code_interpreter_are_stripped_not_forwarded(
    gateway, user_key, recorder, auditor, ident, removed, signal
):
    # In native function calling both are function tools Open WebUI runs only when the model calls them:
    # removing the tools removes the capability, so the default policy strips them like the rest.
    response = replay(gateway, user_key, RECORDS[ident])
    assert response.status_code == 200, response.text
    assert response.headers["x-handrail-tools-removed"] == removed
    assert "tools" not in recorder.requests[0]["body"]
    event = gateway.audit_event(auditor, response.headers["x-request-id"])
    assert event["decision"] == "strip"
    assert signal in {s["type"] for s in event["signals"]}


@pytest.mark.integration
@pytest.mark.parametrize("ident", ["owui-legacy-tool-selection", "owui-legacy-code-interpreter"])
def test_legacy_tool_selection_and_code_interpreter_prompts_are_refused(gateway, user_key, recorder, ident):
    # In legacy function calling the tools and the interpreter live in the text: nothing can be removed.
    response = replay(gateway, user_key, RECORDS[ident])
    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert error["code"] == "agentic_use"
    assert "What Handrail saw:" in error["message"]
    assert recorder.requests == []
