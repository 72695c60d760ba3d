"""Fixtures for the audit store's tests: every store test runs on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from audit.events import Completion, RequestEvent
from audit.settings import AuditSettings
from audit.store import AuditStore
from tests.support.postgres import PostgresServer, require_postgres

HMAC_SECRET = "test-checkpoint-secret-0123456789abcdef"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole session (each test gets its own database in it)."""
    require_postgres()
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture()
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    name = "audit_" + secrets.token_hex(6)
    yield postgres_server.create_database(name)
    postgres_server.drop_database(name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'audit.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture()
def settings(database_url: str) -> AuditSettings:
    return AuditSettings(database_url=database_url, checkpoint_key=HMAC_SECRET, checkpoint_every=10)


@pytest.fixture()
def store(settings: AuditSettings) -> Iterator[AuditStore]:
    audit_store = AuditStore(settings)
    yield audit_store
    audit_store.engine.dispose()


@dataclass
class Traffic:
    """Makes realistic request events and completions and records them."""

    store: AuditStore
    start: datetime = field(default_factory=lambda: datetime.now(UTC) - timedelta(days=3))
    count: int = 0

    def request(self, **overrides: object) -> RequestEvent:
        self.count += 1
        values: dict = {
            "request_id": f"req_{secrets.token_hex(12)}",
            "received_at": datetime.now(UTC),
            "endpoint": "/v1/chat/completions",
            "outcome": "forwarded",
            "user_id": "alice@example.gov.uk",
            "department": "HMRC",
            "roles": ["user"],
            "clearance": "OFFICIAL",
            "key_id": "0123456789abcdef",
            "client_address": "127.0.0.1",
            "user_agent": "OpenAI/Python 1.0",
            "model": "gpt-4o",
            "provider": "openai",
            "classification": "OFFICIAL",
            "decision": {
                "action": "allow",
                "reasons": [],
                "redact_types": [],
                "experiment": None,
                "policy_version": "v1",
            },
            "policy_version": "v1",
            "findings": {},
            "signals": [],
            "prompt_text": "Summarise the attached guidance for a new starter.",
            "latency_ms": {"authenticate": 0.2, "detect": 4.1, "decide": 0.9, "total": 6.0},
        }
        values.update(overrides)
        return RequestEvent(**values)

    def completion(self, event: RequestEvent, **overrides: object) -> Completion:
        values: dict = {
            "request_id": event.request_id,
            "completed_at": datetime.now(UTC),
            "outcome": "completed",
            "status_code": 200,
            "upstream_status": 200,
            "input_tokens": 12,
            "output_tokens": 40,
            "answer_text": "Here is a summary.",
            "latency_ms": {"upstream": 120.5, "total": 130.0},
        }
        values.update(overrides)
        return Completion(**values)

    def allowed(self, **overrides: object) -> RequestEvent:
        event = self.request(**overrides)
        self.store.record_request(event)
        self.store.record_completion(self.completion(event))
        return event

    def blocked(self, code: str = "pii_to_unapproved_model", **overrides: object) -> RequestEvent:
        decision = {
            "action": "block",
            "reasons": [{"code": code, "message": "Personal data may not go to this model."}],
            "redact_types": [],
            "experiment": None,
            "policy_version": "v1",
        }
        values = {
            "outcome": "blocked",
            "status_code": 403,
            "decision": decision,
            "findings": {"UK_NINO": 1},
            "prompt_text": "My NI number is <UK_NINO>.",
            "error_code": code,
        }
        values.update(overrides)
        event = self.request(**values)
        self.store.record_request(event)
        return event

    def redacted(self, **overrides: object) -> RequestEvent:
        decision = {
            "action": "redact",
            "reasons": [{"code": "personal_data_redacted", "message": "Names were replaced."}],
            "redact_types": ["PERSON"],
            "experiment": None,
            "policy_version": "v1",
        }
        values = {"decision": decision, "findings": {"PERSON": 2}, "prompt_text": "Write to <PERSON_1> and <PERSON_2>."}
        values.update(overrides)
        event = self.request(**values)
        self.store.record_request(event)
        self.store.record_completion(self.completion(event, answer_text="Dear <PERSON_1>, ..."))
        return event

    def rejected(self, **overrides: object) -> RequestEvent:
        values = {
            "outcome": "rejected",
            "status_code": 401,
            "user_id": None,
            "department": None,
            "roles": [],
            "key_id": None,
            "model": None,
            "provider": None,
            "decision": None,
            "policy_version": None,
            "prompt_text": None,
            "error_code": "invalid_api_key",
        }
        values.update(overrides)
        event = self.request(**values)
        self.store.record_request(event)
        return event

    def upstream_failure(self, **overrides: object) -> RequestEvent:
        event = self.request(**overrides)
        self.store.record_request(event)
        self.store.record_completion(
            self.completion(
                event,
                outcome="upstream_error",
                status_code=502,
                upstream_status=500,
                answer_text=None,
                input_tokens=None,
                output_tokens=None,
                error_code="upstream_error",
            )
        )
        return event


@pytest.fixture()
def traffic(store: AuditStore) -> Traffic:
    return Traffic(store)
