"""The auditors' HTTP routes, as the gateway serves them (``proxy.app.gateway_audit_router``), with real keys."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from proxy.app import gateway_audit_router
from proxy.auth import KeyStore
from proxy.config import Settings
from proxy.services import Services


@pytest.fixture()
def client(store, settings):
    app = FastAPI()
    app.state.services = Services(
        settings=Settings(audit=settings), upstream=None, audit=store, keys=KeyStore(store.engine)
    )
    app.include_router(gateway_audit_router())
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture()
def keys(store):
    key_store = KeyStore(store.engine)
    auditor, _ = key_store.create("carol@nao.gov.uk", "NAO", ("auditor",))
    user, _ = key_store.create("ann@dwp.gov.uk", "DWP", ("user",))
    return {"auditor": {"authorization": f"Bearer {auditor}"}, "user": {"x-api-key": user}}


@pytest.fixture()
def recorded(traffic):
    return [traffic.allowed(user_id="ann"), traffic.blocked(user_id="bob"), traffic.redacted(user_id="ann")]


def test_events_page_with_filters_and_cursor(client, keys, recorded):
    first = client.get("/v1/audit/events", params={"user": "ann", "limit": 1}, headers=keys["auditor"])
    assert first.status_code == 200, first.text
    page = first.json()
    assert [e["request_id"] for e in page["events"]] == [recorded[2].request_id]
    assert page["events"][0]["decision"] == "redact" and page["events"][0]["findings"] == {"PERSON": 2}
    second = client.get(
        "/v1/audit/events", params={"user": "ann", "limit": 1, "cursor": page["next_cursor"]}, headers=keys["auditor"]
    ).json()
    assert [e["request_id"] for e in second["events"]] == [recorded[0].request_id] and second["next_cursor"] is None
    assert first.headers["x-request-id"].startswith("req_")


def test_one_event(client, keys, recorded):
    response = client.get(f"/v1/audit/events/{recorded[1].request_id}", headers=keys["auditor"])
    assert response.status_code == 200 and response.json()["reasons"][0]["code"] == "pii_to_unapproved_model"
    missing = client.get("/v1/audit/events/req_nothing", headers=keys["auditor"])
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_stats(client, keys, recorded):
    response = client.get(
        "/v1/audit/stats", params={"by": "decision,department", "user": "ann"}, headers=keys["auditor"]
    )
    assert response.status_code == 200
    result = response.json()
    assert result["total"] == 2 and set(result["by"]) == {"decision", "department"}


def test_export_streams_csv_and_jsonl(client, keys, recorded):
    with client.stream("GET", "/v1/audit/export", params={"format": "csv"}, headers=keys["auditor"]) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert "attachment" in response.headers["content-disposition"]
        body = "".join(response.iter_text())
    assert [row["request_id"] for row in csv.DictReader(io.StringIO(body))] == [e.request_id for e in recorded]
    jsonl = client.get("/v1/audit/export", params={"format": "jsonl", "decision": "block"}, headers=keys["auditor"])
    assert jsonl.headers["content-type"] == "application/x-ndjson"
    assert [json.loads(line)["request_id"] for line in jsonl.text.splitlines()] == [recorded[1].request_id]


def test_only_auditors_may_read(client, keys, recorded):
    anonymous = client.get("/v1/audit/events")
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "missing_api_key"
    user = client.get("/v1/audit/events", headers=keys["user"])
    assert user.status_code == 403 and user.json()["error"]["code"] == "insufficient_role"
    assert "request id: " in user.json()["error"]["message"]
    denied = client.get("/v1/audit/export", params={"format": "csv"}, headers=keys["user"])
    assert denied.status_code == 403


def test_bad_filters_answer_400_naming_the_parameter(client, keys, recorded):
    for params, parameter in (
        ({"colour": "red"}, "colour"),
        ({"since": "soon"}, "since"),
        ({"limit": "many"}, "limit"),
        ({"limit": "5000"}, "limit"),
        ({"cursor": "xyz"}, "cursor"),
    ):
        response = client.get("/v1/audit/events", params=params, headers=keys["auditor"])
        assert response.status_code == 400, params
        assert response.json()["error"]["param"] == parameter and response.json()["error"]["code"] == "invalid_filter"
    assert client.get("/v1/audit/export", params={"format": "xml"}, headers=keys["auditor"]).status_code == 400
    assert client.get("/v1/audit/stats", params={"by": "colour"}, headers=keys["auditor"]).status_code == 400


def test_every_reading_is_recorded_with_the_auditor_and_the_http_request_id(client, keys, recorded, store):
    response = client.get(
        "/v1/audit/events", params={"finding": "UK_NINO", "text": "AB 12 34 56 C"}, headers=keys["auditor"]
    )
    accesses = client.get(
        "/v1/audit/events", params={"kind": "access", "order": "asc"}, headers=keys["auditor"]
    ).json()["events"]
    assert accesses[0]["request_id"] == response.headers["x-request-id"]
    assert (accesses[0]["user"], accesses[0]["department"], accesses[0]["via"]) == ("carol@nao.gov.uk", "NAO", "http")
    assert accesses[0]["roles"] == ["auditor"] and accesses[0]["client_address"] == "testclient"
    assert accesses[0]["parameters"]["finding"] == "UK_NINO" and "AB 12 34 56 C" not in json.dumps(accesses)


def test_a_reading_that_cannot_be_recorded_is_refused(client, keys, recorded, store):
    from audit.database import make_engine

    keys_engine = store.engine
    client.app.state.services.keys = KeyStore(keys_engine)
    store.engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:9/none")
    response = client.get("/v1/audit/events", headers=keys["auditor"])
    assert response.status_code == 503 and response.json()["error"]["code"] == "guard_unavailable"
    store.engine = keys_engine
