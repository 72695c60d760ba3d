"""The audit store: one record per request, written before anything is forwarded."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, func, insert, select, text

from audit.database import create_schema, make_engine
from audit.events import Completion, RequestEvent
from audit.schema import audit_records
from audit.settings import AuditSettings


class AuditUnavailable(Exception):
    """The store could not record an event; the request must be refused."""


class AuditStore:
    def __init__(self, settings: AuditSettings, engine: Engine | None = None) -> None:
        self.settings = settings
        self.engine = engine or make_engine(settings.database_url)
        create_schema(self.engine)

    def record_request(self, event: RequestEvent) -> None:
        self._append(event.request_id, "request", event.to_dict())

    def record_completion(self, completion: Completion) -> None:
        self._append(completion.request_id, "completion", completion.to_dict())

    def _append(self, request_id: str, kind: str, payload: dict) -> None:
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    insert(audit_records).values(
                        request_id=request_id, kind=kind, recorded_at=datetime.now(UTC), payload=payload
                    )
                )
        except Exception as error:  # any database failure: fail closed
            raise AuditUnavailable(f"the audit store could not record the event: {type(error).__name__}") from error

    def experiment_requests_today(self, experiment: str) -> int:
        start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(audit_records.c.payload).where(
                    audit_records.c.kind == "request", audit_records.c.recorded_at >= start
                )
            ).scalars()
            return sum(1 for payload in rows if payload.get("experiment") == experiment)

    def count_requests(self) -> int:
        with self.engine.connect() as connection:
            return connection.execute(
                select(func.count()).select_from(audit_records).where(audit_records.c.kind == "request")
            ).scalar_one()

    def ping(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False
