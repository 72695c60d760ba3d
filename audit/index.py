"""The query index, derived from ledger entries.

The same functions fill the index when an entry is appended and recompute it when ``verify`` checks that the index
still says what the ledger says, so the two cannot drift apart silently.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, TextClause, bindparam, select, text, update

from audit.canonical import parse_time
from audit.schema import audit_daily_counts, audit_daily_reasons, audit_event_labels, audit_events

# The index kind of each ledger entry kind that has its own index row (a completion updates its request's row).
INDEX_KIND = {"request": "request", "access": "access", "purge": "access", "erasure": "access"}
NO_VALUE = ""  # rollup keys cannot be NULL


@dataclass(frozen=True, slots=True)
class IndexRow:
    values: dict[str, Any]
    labels: frozenset[str]


def fit(value: object, length: int) -> str | None:
    """A value as it goes into an indexed column: text, at most ``length`` characters (the ledger keeps it whole)."""
    if value is None:
        return None
    return str(value)[:length]


def request_row(seq: int, data: dict[str, Any]) -> IndexRow:
    received_at = parse_time(data["received_at"])
    decision = data.get("decision") or {}
    values = {
        "request_seq": seq,
        "request_id": data["request_id"],
        "kind": "request",
        "received_at": received_at,
        "day": received_at.strftime("%Y-%m-%d"),
        "user_id": fit(data.get("user_id"), 200),
        "department": fit(data.get("department"), 200),
        "model": fit(data.get("model"), 200),
        "provider": fit(data.get("provider"), 100),
        "endpoint": fit(data.get("endpoint"), 100),
        "action": fit(decision.get("action"), 16),
        "outcome": fit(data.get("outcome"), 32) or "unknown",
        "status_code": data.get("status_code"),
        "experiment": fit(data.get("experiment"), 200),
        "policy_version": fit(data.get("policy_version") or decision.get("policy_version") or None, 200),
        "classification": fit(data.get("classification"), 40),
        "completion_seq": None,
    }
    labels = {label for label in (f"reason:{code}" for code in reason_codes(data)) if len(label) <= 240}
    labels |= finding_labels(data.get("findings"))
    labels |= signal_labels(data.get("signals"))
    return IndexRow(values, frozenset(labels))


def access_row(seq: int, kind: str, data: dict[str, Any]) -> IndexRow:
    occurred_at = parse_time(data["occurred_at"])
    values = {
        "request_seq": seq,
        "request_id": data["request_id"],
        "kind": "access",
        "received_at": occurred_at,
        "day": occurred_at.strftime("%Y-%m-%d"),
        "user_id": fit(data.get("actor"), 200),
        "department": fit(data.get("department"), 200),
        "model": None,
        "provider": None,
        "endpoint": fit(f"audit.{data.get('action')}", 100),
        "action": None,
        "outcome": "accessed",
        "status_code": None,
        "experiment": None,
        "policy_version": None,
        "classification": None,
        "completion_seq": None,
    }
    return IndexRow(values, frozenset())


def row_for_entry(seq: int, kind: str, data: dict[str, Any]) -> IndexRow:
    return request_row(seq, data) if kind == "request" else access_row(seq, kind, data)


def completed_row(row: IndexRow, completion_seq: int, completion: dict[str, Any]) -> IndexRow:
    """The request's index row once its completion is known."""
    values = {
        **row.values,
        "outcome": fit(completion.get("outcome"), 32) or "unknown",
        "status_code": completion.get("status_code"),
        "completion_seq": completion_seq,
    }
    labels = (
        row.labels | finding_labels(completion.get("answer_findings")) | signal_labels(completion.get("answer_signals"))
    )
    return IndexRow(values, labels)


def reason_codes(data: dict[str, Any]) -> list[str]:
    decision = data.get("decision") or {}
    codes = [reason.get("code") for reason in decision.get("reasons") or [] if isinstance(reason, dict)]
    return list(dict.fromkeys(str(code) for code in codes if code))


def finding_labels(findings: object) -> set[str]:
    if not isinstance(findings, dict):
        return set()
    return {f"finding:{kind}" for kind, count in findings.items() if count and len(kind) <= 200}


def signal_labels(signals: object) -> set[str]:
    if not isinstance(signals, list):
        return set()
    return {f"signal:{s['type']}" for s in signals if isinstance(s, dict) and s.get("type") and len(s["type"]) <= 200}


# --- writing ---------------------------------------------------------------------------------------------------


class IndexWriter:
    """The index changes of one append transaction, written together at its end (a few round trips for any number
    of entries)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._reset()

    def _reset(self) -> None:
        self._inserts: list[dict[str, Any]] = []
        self._labels: list[dict[str, Any]] = []
        self._completions: list[dict[str, Any]] = []
        self._counts: Counter[tuple[Any, ...]] = Counter()
        self._reasons: Counter[tuple[Any, ...]] = Counter()
        self._completed_now: set[str] = set()

    def add(self, row: IndexRow) -> None:
        self._inserts.append(row.values)
        self._labels += [{"label": label, "request_seq": row.values["request_seq"]} for label in sorted(row.labels)]
        if row.values["kind"] == "request":
            self._counts[(*rollup_key(row.values).values(), row.values["outcome"])] += 1
            for code in _row_reasons(row):
                self._reasons[(*rollup_key(row.values).values(), code[:200])] += 1

    def has_request(self, request_id: str) -> bool:
        """Whether the request is already in the index as committed (not counting this transaction's rows)."""
        return (
            self.connection.execute(
                select(audit_events.c.request_seq).where(
                    audit_events.c.request_id == request_id, audit_events.c.kind == "request"
                )
            ).first()
            is not None
        )

    def indexed_request(self, request_id: str) -> IndexRow:
        """The request's index row as it stands, for its completion; refuses a second completion."""
        row = (
            self.connection.execute(
                select(audit_events).where(audit_events.c.request_id == request_id, audit_events.c.kind == "request")
            )
            .mappings()
            .first()
        )
        if row is None:
            raise LookupError(f"no request {request_id!r} was recorded, so it cannot be completed")
        if row["completion_seq"] is not None or request_id in self._completed_now:
            raise LookupError(f"request {request_id!r} was already completed")
        # Its labels are not read back: the completion's are inserted with ON CONFLICT DO NOTHING.
        return IndexRow(dict(row), frozenset())

    def complete(self, before: IndexRow, after: IndexRow) -> None:
        values = after.values
        self._completed_now.add(values["request_id"])
        self._completions.append(
            {
                "seq_": values["request_seq"],
                "outcome_": values["outcome"],
                "status_": values["status_code"],
                "completion_": values["completion_seq"],
            }
        )
        self._labels += [
            {"label": label, "request_seq": values["request_seq"]} for label in sorted(after.labels - before.labels)
        ]
        if before.values["outcome"] != values["outcome"]:
            key = tuple(rollup_key(values).values())
            self._counts[(*key, before.values["outcome"])] -= 1
            self._counts[(*key, values["outcome"])] += 1

    def flush(self) -> None:
        connection = self.connection
        if self._inserts:
            connection.execute(audit_events.insert(), self._inserts)
        if self._completions:
            connection.execute(_COMPLETE, self._completions)
        if self._labels:
            connection.execute(_ADD_LABEL, self._labels)
        counts = [dict(zip(_COUNT_KEYS, key, strict=True), count=delta) for key, delta in self._counts.items() if delta]
        if counts:
            connection.execute(_INCREMENT_COUNT, counts)
        reasons = [
            dict(zip(_REASON_KEYS, key, strict=True), count=delta) for key, delta in self._reasons.items() if delta
        ]
        if reasons:
            connection.execute(_INCREMENT_REASON, reasons)
        self._reset()


def _row_reasons(row: IndexRow) -> list[str]:
    return sorted(label.removeprefix("reason:") for label in row.labels if label.startswith("reason:"))


def rollup_key(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "day": values["day"],
        "department": values["department"] or NO_VALUE,
        "model": values["model"] or NO_VALUE,
        "action": values["action"] or NO_VALUE,
    }


def _increment_statement(table: Table, key_columns: tuple[str, ...]) -> TextClause:
    # Plain SQL that SQLite (3.24+) and PostgreSQL both understand; written once, so nothing is compiled per append.
    columns = ", ".join((*key_columns, "count"))
    values = ", ".join(f":{name}" for name in (*key_columns, "count"))
    return text(
        f"INSERT INTO {table.name} ({columns}) VALUES ({values}) "
        f"ON CONFLICT ({', '.join(key_columns)}) DO UPDATE SET count = {table.name}.count + excluded.count"
    )


_COUNT_KEYS = ("day", "department", "model", "action", "outcome")
_REASON_KEYS = ("day", "department", "model", "action", "reason")
_INCREMENT_COUNT = _increment_statement(audit_daily_counts, _COUNT_KEYS)
_INCREMENT_REASON = _increment_statement(audit_daily_reasons, _REASON_KEYS)
_ADD_LABEL = text(
    f"INSERT INTO {audit_event_labels.name} (label, request_seq) VALUES (:label, :request_seq) ON CONFLICT DO NOTHING"
)
_COMPLETE = (
    update(audit_events)
    .where(audit_events.c.request_seq == bindparam("seq_"))
    .values(outcome=bindparam("outcome_"), status_code=bindparam("status_"), completion_seq=bindparam("completion_"))
)
