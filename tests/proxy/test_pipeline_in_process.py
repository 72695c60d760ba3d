"""The request path in process: the real app, detectors, policy and audit store, with Starlette's TestClient.

Only the provider is replaced, by an in-process fake ``Upstream`` that records what it was asked for, so each
stage's effect on what leaves can be read directly (the end-to-end tests in tests/gateway do the same through a
server process and a stand-in provider over HTTP).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from audit.queries import get_event
from audit.settings import AuditSettings
from core.errors import UpstreamError
from proxy.answer import Answer, Choice, Usage
from proxy.app import create_app
from proxy.config import Settings
from proxy.services import Services


class RecordingUpstream:
    """Answers "Noted, <last user text>" and remembers every request it was given."""

    def __init__(self, fail: bool = False) -> None:
        self.requests: list[dict] = []
        self.fail = fail

    def model_names(self) -> list[str]:
        return ["demo"]

    def require_model(self, name: str) -> None:
        """Every request here names ``demo``; the real check is exercised by the gateway tests."""

    def provider_of(self, name: str) -> str:
        return "fake"

    async def complete(self, model: str, request: dict) -> Answer:
        self.requests.append(request)
        if self.fail:
            raise UpstreamError("The provider answered HTTP 500.")
        last = request["messages"][-1]["content"]
        return Answer("chatcmpl-1", model, 0, [Choice(0, f"Noted, {last}")], Usage(5, 3))


@pytest.fixture()
def app_and_upstream(tmp_path) -> Iterator[tuple[TestClient, RecordingUpstream, str]]:
    settings = Settings(audit=AuditSettings(database_url=f"sqlite:///{tmp_path / 'audit.db'}"))
    upstream = RecordingUpstream()
    with TestClient(create_app(settings)) as client:
        services: Services = client.app.state.services
        services.upstream = upstream
        assert services.keys is not None
        key, _ = services.keys.create("ann@example.gov.uk", "DWP")
        yield client, upstream, key


def audited(client: TestClient, request_id: str) -> dict:
    services: Services = client.app.state.services
    with services.require_audit().engine.connect() as connection:
        event = get_event(connection, request_id)
    assert event is not None
    return event


def chat(client: TestClient, key: str, text: str, **extra: object) -> object:
    body = {"model": "demo", "messages": [{"role": "user", "content": text}], **extra}
    return client.post("/v1/chat/completions", json=body, headers={"authorization": f"Bearer {key}"})


def test_a_name_leaves_as_a_placeholder_and_comes_back_restored(app_and_upstream):
    client, upstream, key = app_and_upstream
    response = chat(
        client, key, "Write to Margaret Thornton about her appointment.", user="team-7", metadata={"a": "b"}
    )
    assert response.status_code == 200
    sent = upstream.requests[0]
    assert "Margaret" not in str(sent) and "<PERSON_1>" in sent["messages"][0]["content"]
    assert set(sent) == {"messages", "user"}  # the declared fields only: metadata was dropped
    assert response.json()["choices"][0]["message"]["content"].startswith("Noted, Write to Margaret Thornton")
    event = audited(client, response.headers["x-request-id"])
    assert event["decision"] == "redact" and event["findings"] == {"PERSON": 1}


def test_a_blocked_request_never_reaches_the_provider_and_is_recorded(app_and_upstream):
    client, upstream, key = app_and_upstream
    response = chat(client, key, "My NI number is JK 41 22 90 B.")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "blocked_data"
    assert upstream.requests == []
    event = audited(client, response.headers["x-request-id"])
    assert event["outcome"] == "blocked" and "41 22" not in str(event)


def test_a_bad_body_is_a_400_in_the_apis_shape_and_recorded(app_and_upstream):
    client, upstream, key = app_and_upstream
    response = chat(client, key, "Hello", temperature="hot")
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "temperature"
    assert upstream.requests == []
    assert audited(client, response.headers["x-request-id"])["outcome"] == "rejected"


def test_a_provider_failure_is_a_502_and_the_completion_is_recorded(app_and_upstream):
    client, upstream, key = app_and_upstream
    upstream.fail = True
    response = chat(client, key, "Summarise the meeting.")
    assert response.status_code == 502
    assert len(upstream.requests) == 1
    assert audited(client, response.headers["x-request-id"])["outcome"] == "upstream_error"
