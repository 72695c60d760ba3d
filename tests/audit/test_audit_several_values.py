"""Several values per filter, "any personal data", and counts by finding, user and signal: the same in the queries,
the command line and the HTTP routes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import yaml
from click.testing import CliRunner
from fastapi import FastAPI
from fastapi.testclient import TestClient

from audit.access import Auditor, AuditReader
from audit.queries import EventFilter, FilterError
from proxy.app import gateway_audit_router
from proxy.auth import KeyStore
from proxy.cli import main
from proxy.config import Settings
from proxy.services import Services

NOW = datetime(2025, 3, 14, 15, 30, tzinfo=UTC)


@pytest.fixture()
def made(traffic):
    return {
        "nino": traffic.blocked(received_at=NOW - timedelta(days=3), user_id="bob", department="HMRC", model="gpt-4o"),
        "person": traffic.redacted(
            received_at=NOW - timedelta(days=2), user_id="ann", department="DWP", model="claude"
        ),
        "marking": traffic.allowed(
            received_at=NOW - timedelta(days=1),
            user_id="cat",
            department="MoJ",
            model="claude",
            findings={"SECURITY_MARKING": 1},
        ),
        "clean": traffic.allowed(received_at=NOW - timedelta(hours=2), user_id="ann", department="DWP", model="gpt-4o"),
    }


@pytest.fixture()
def reader(store):
    return AuditReader(store, Auditor(user="carol@nao.gov.uk", via="http", roles=("auditor",)))


def ids(events) -> set[str]:
    return {e["request_id"] for e in events}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"finding": "UK_NINO,PERSON"}, {"nino", "person"}),
        ({"finding": ["UK_NINO", "SECURITY_MARKING"]}, {"nino", "marking"}),
        ({"user": "ann,bob"}, {"nino", "person", "clean"}),
        ({"department": ["MoJ", "HMRC"], "model": "claude"}, {"marking"}),  # several values: any; two filters: both
        ({"personal_data": "true"}, {"nino", "person"}),  # a security marking is not personal data
        ({"personal_data": "false"}, {"nino", "person", "marking", "clean"}),
        ({"personal_data": "yes", "model": "claude,gpt-4o", "since": "2025-03-12"}, {"person"}),
    ],
)
def test_several_values_match_any_and_filters_match_all(reader, made, filters, expected):
    page = reader.search(EventFilter.from_mapping(filters), limit=50)
    assert ids(page.events) == {made[name].request_id for name in expected}


def test_a_single_valued_filter_refuses_two_values_and_personal_data_is_yes_or_no():
    with pytest.raises(FilterError, match="text takes one value"):
        EventFilter.from_mapping({"text": ["a", "b"]})
    with pytest.raises(FilterError, match="personal_data must be true or false"):
        EventFilter.from_mapping({"personal_data": "perhaps"})
    assert EventFilter(user="ann").user == ("ann",)  # a single string is one value


def test_the_access_entry_records_one_value_as_before_and_several_as_a_list(reader, made):
    reader.search(EventFilter.from_mapping({"user": "ann", "finding": "UK_NINO,PERSON", "personal_data": "true"}))
    access = reader.search(EventFilter(kind="access"), limit=2).events[1]  # [0] is this reading itself
    assert access["parameters"] == {
        "user": "ann",
        "finding": ["UK_NINO", "PERSON"],
        "personal_data": True,
        "limit": 50,
        "cursor": None,
        "order": "desc",
    }


def test_stats_by_finding_user_and_signal_count_from_the_events(reader, made):
    result = reader.stats(EventFilter(), ("finding", "user", "model"))
    by = {name: {item["value"]: item["count"] for item in items} for name, items in result["by"].items()}
    assert by == {
        "finding": {"UK_NINO": 1, "PERSON": 1, "SECURITY_MARKING": 1},
        "user": {"ann": 2, "bob": 1, "cat": 1},
        "model": {"claude": 2, "gpt-4o": 2},
    }
    assert result["source"] == "events" and result["total"] == 4
    personal = reader.stats(EventFilter(personal_data=True), ("user",))
    assert personal["total"] == 2 and personal["by"]["user"] == [
        {"value": "ann", "count": 1},
        {"value": "bob", "count": 1},
    ]
    assert reader.stats(EventFilter(department=("DWP", "HMRC")), ("decision",))["source"] == "rollups"


def test_the_command_line_takes_the_same(tmp_path, settings, made):
    config = tmp_path / "handrail.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "audit": {
                    "database_url": settings.database_url,
                    "checkpoint_key": settings.checkpoint_key.get_secret_value(),
                }
            }
        )
    )
    runner = CliRunner()
    repeated = runner.invoke(
        main,
        [
            "audit",
            "query",
            "--config",
            str(config),
            "--finding",
            "UK_NINO",
            "--finding",
            "SECURITY_MARKING",
            "--format",
            "json",
        ],
    )
    assert repeated.exit_code == 0, repeated.output
    assert ids(json.loads(repeated.stdout)["events"]) == {made["nino"].request_id, made["marking"].request_id}
    personal = runner.invoke(
        main,
        [
            "audit",
            "query",
            "--config",
            str(config),
            "--any-personal-data",
            "--model",
            "claude,gpt-4o",
            "--format",
            "json",
        ],
    )
    assert ids(json.loads(personal.stdout)["events"]) == {made["nino"].request_id, made["person"].request_id}
    stats = runner.invoke(
        main,
        [
            "audit",
            "stats",
            "--config",
            str(config),
            "--any-personal-data",
            "--by",
            "finding",
            "--by",
            "user",
            "--format",
            "json",
        ],
    )
    assert stats.exit_code == 0, stats.output
    document = json.loads(stats.stdout)
    assert document["total"] == 2 and document["filters"] == {"personal_data": True}
    assert document["by"]["finding"] == [{"value": "PERSON", "count": 1}, {"value": "UK_NINO", "count": 1}]
    bad = runner.invoke(main, ["audit", "stats", "--config", str(config), "--by", "colour"])
    assert bad.exit_code == 2 and "colour" in bad.output


def test_the_http_routes_take_repeated_and_comma_separated_values(store, settings, made):
    app = FastAPI()
    app.state.services = Services(
        settings=Settings(audit=settings), upstream=None, audit=store, keys=KeyStore(store.engine)
    )
    app.include_router(gateway_audit_router())
    key, _ = KeyStore(store.engine).create("carol@nao.gov.uk", "NAO", ("auditor",))
    headers = {"authorization": f"Bearer {key}"}
    with TestClient(app) as client:
        response = client.get(
            "/v1/audit/events?finding=UK_NINO&finding=SECURITY_MARKING,PERSON&personal_data=true", headers=headers
        )
        assert response.status_code == 200, response.text
        assert ids(response.json()["events"]) == {made["nino"].request_id, made["person"].request_id}
        stats = client.get("/v1/audit/stats?by=finding&user=ann&user=cat", headers=headers).json()
        assert stats["by"] == {"finding": [{"value": "PERSON", "count": 1}, {"value": "SECURITY_MARKING", "count": 1}]}
        two_limits = client.get("/v1/audit/events?limit=1&limit=2", headers=headers)
        assert two_limits.status_code == 400 and two_limits.json()["error"]["param"] == "limit"
