"""Questions auditors ask: find events, count them, export them.

Filters select rows of the index (``audit_events``); what is shown for each event is read from the chained ledger
entries themselves (the request and its completion), so a result says exactly what was recorded. These functions
only read: who asked is recorded by ``audit.access`` before any of them runs.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, and_, exists, func, or_, select

from audit.canonical import format_time, sha256_hex, utc
from audit.index import NO_VALUE
from audit.schema import audit_daily_counts, audit_daily_reasons, audit_event_labels, audit_events, audit_ledger

DECISIONS = ("allow", "redact", "block", "none")
KINDS = ("request", "access", "all")
STAT_DIMENSIONS = ("day", "decision", "department", "model", "reason", "outcome")
MAX_PAGE = 1000
EXPORT_BATCH = 1000
_RELATIVE = re.compile(r"^(\d+)([dhm])$")


class FilterError(ValueError):
    """A filter or option an auditor gave cannot be used; the message says which and why."""

    def __init__(self, message: str, parameter: str | None = None) -> None:
        super().__init__(message)
        self.parameter = parameter


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Which events: every given filter must hold (AND). Times are UTC; ``until`` is exclusive."""

    since: datetime | None = None
    until: datetime | None = None
    user: str | None = None
    department: str | None = None
    model: str | None = None
    decision: tuple[str, ...] = ()  # allow, redact, block, none (refused before any decision)
    outcome: tuple[
        str, ...
    ] = ()  # completed, blocked, rejected, failed, upstream_error, forwarded (never completed) ...
    reason: str | None = None  # a reason code of the decision
    finding: str | None = None  # a finding type in the prompt or the answer
    signal: str | None = None  # agentic, self_coding, internet ...
    experiment: str | None = None
    request_id: str | None = None
    text: str | None = None  # case-insensitive substring of the redacted prompt or answer
    policy_version: str | None = None
    kind: str = "request"  # request | access (reads of the trail) | all

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise FilterError(f"kind must be one of {', '.join(KINDS)}", "kind")
        for decision in self.decision:
            if decision not in DECISIONS:
                raise FilterError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}", "decision")
        if self.since and self.until and utc(self.since) >= utc(self.until):
            raise FilterError("'since' must be before 'until'", "since")

    @classmethod
    def from_mapping(cls, values: Mapping[str, str], now: datetime | None = None) -> EventFilter:
        """Filters from text (a URL's query string or command-line options); unknown names are an error."""
        known = {f.name for f in fields(cls)}
        arguments: dict = {}
        for name, raw in values.items():
            if name not in known:
                raise FilterError(f"unknown filter {name!r}; filters are {', '.join(sorted(known))}", name)
            value = raw.strip() if isinstance(raw, str) else raw
            if value in ("", None):
                continue
            if name in ("since", "until"):
                arguments[name] = parse_moment(value, now, name)
            elif name in ("decision", "outcome"):
                arguments[name] = tuple(part.strip() for part in value.split(",") if part.strip())
            else:
                arguments[name] = value
        return cls(**arguments)

    def to_parameters(self) -> dict:
        """The filter as recorded in an access entry: free text is recorded by its hash, never in clear."""
        parameters: dict = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value in (None, ()) or (f.name == "kind" and value == "request"):
                continue
            if f.name == "text":
                parameters["text_sha256"] = sha256_hex(value.casefold())
                parameters["text_length"] = len(value)
            elif isinstance(value, datetime):
                parameters[f.name] = format_time(value)
            elif isinstance(value, tuple):
                parameters[f.name] = list(value)
            else:
                parameters[f.name] = value
        return parameters


def parse_moment(value: str, now: datetime | None = None, name: str = "time") -> datetime:
    """``2025-01-31`` (midnight UTC), an ISO 8601 time (``2025-01-31T09:30:00Z``), or an age: ``30d``, ``12h``, ``90m``."""
    now = now or datetime.now(UTC)
    relative = _RELATIVE.match(value)
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2)
        return now - timedelta(**{{"d": "days", "h": "hours", "m": "minutes"}[unit]: amount})
    try:
        return utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        raise FilterError(
            f"{name} {value!r} is not a date (2025-01-31), a time (2025-01-31T09:30:00Z) or an age (30d, 12h, 90m)",
            name,
        ) from None


# --- finding events ----------------------------------------------------------------------------------------------


def _label_condition(prefix: str, value: str):  # type: ignore[no-untyped-def]
    return audit_events.c.request_seq.in_(
        select(audit_event_labels.c.request_seq).where(audit_event_labels.c.label == f"{prefix}:{value}")
    )


def conditions(f: EventFilter) -> list:
    c = audit_events.c
    where: list = []
    if f.kind != "all":
        where.append(c.kind == f.kind)
    if f.since is not None:
        where.append(c.received_at >= utc(f.since))
    if f.until is not None:
        where.append(c.received_at < utc(f.until))
    for column, value in (
        (c.user_id, f.user),
        (c.department, f.department),
        (c.model, f.model),
        (c.experiment, f.experiment),
        (c.request_id, f.request_id),
        (c.policy_version, f.policy_version),
    ):
        if value is not None:
            where.append(column == value)
    if f.decision:
        named = [d for d in f.decision if d != "none"]
        options = [c.action.in_(named)] if named else []
        if "none" in f.decision:
            options.append(c.action.is_(None))
        where.append(or_(*options))
    if f.outcome:
        where.append(c.outcome.in_(f.outcome))
    for prefix, value in (("reason", f.reason), ("finding", f.finding), ("signal", f.signal)):
        if value is not None:
            where.append(_label_condition(prefix, value))
    if f.text:
        matches = audit_ledger.c.text.icontains(f.text, autoescape=True)
        where.append(
            or_(
                exists().where(audit_ledger.c.seq == c.request_seq, matches),
                exists().where(audit_ledger.c.seq == c.completion_seq, matches),
            )
        )
    return where


@dataclass(frozen=True, slots=True)
class EventPage:
    events: list[dict]
    next_cursor: str | None

    def to_document(self) -> dict:
        return {"events": self.events, "next_cursor": self.next_cursor}


def encode_cursor(seq: int, order: str) -> str:
    return base64.urlsafe_b64encode(f"{order}:{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str, order: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        cursor_order, _, seq = text.partition(":")
        if cursor_order != order:
            raise ValueError
        return int(seq)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise FilterError("the cursor is not one this query returned (use next_cursor as given)", "cursor") from None


def search_events(
    connection: Connection, f: EventFilter, limit: int = 50, cursor: str | None = None, order: str = "desc"
) -> EventPage:
    """One page of matching events, newest first (``order="asc"``: oldest first); ``next_cursor`` fetches the next."""
    if not 1 <= limit <= MAX_PAGE:
        raise FilterError(f"limit must be between 1 and {MAX_PAGE}", "limit")
    if order not in ("asc", "desc"):
        raise FilterError("order must be asc or desc", "order")
    after = decode_cursor(cursor, order) if cursor else None
    rows = _index_rows(connection, f, limit + 1, order, after)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1]["request_seq"], order) if more and rows else None
    return EventPage(assemble(connection, rows), next_cursor)


def iter_events(connection: Connection, f: EventFilter, order: str = "asc", batch: int | None = None) -> Iterator[dict]:
    """Every matching event, read in batches (constant memory), oldest first by default."""
    batch = batch or EXPORT_BATCH
    after = None
    while True:
        rows = _index_rows(connection, f, batch, order, after)
        if not rows:
            return
        yield from assemble(connection, rows)
        if len(rows) < batch:
            return
        after = rows[-1]["request_seq"]


def _index_rows(connection: Connection, f: EventFilter, limit: int, order: str, after: int | None) -> list[dict]:
    c = audit_events.c
    where = conditions(f)
    if after is not None:
        where.append(c.request_seq < after if order == "desc" else c.request_seq > after)
    ordering = c.request_seq.desc() if order == "desc" else c.request_seq.asc()
    statement = select(audit_events).where(and_(*where)).order_by(ordering).limit(limit)
    return [dict(row) for row in connection.execute(statement).mappings()]


def get_event(connection: Connection, request_id: str) -> dict | None:
    rows = _index_rows(connection, EventFilter(request_id=request_id, kind="all"), 1, "desc", None)
    return assemble(connection, rows)[0] if rows else None


# --- what an event says ------------------------------------------------------------------------------------------


def assemble(connection: Connection, rows: list[dict]) -> list[dict]:
    """The event documents for index rows, read from their ledger entries."""
    seqs = [r["request_seq"] for r in rows] + [r["completion_seq"] for r in rows if r["completion_seq"] is not None]
    entries: dict[int, tuple[dict, str | None]] = {}
    for start in range(0, len(seqs), 900):
        chunk = seqs[start : start + 900]
        for seq, body, text in connection.execute(
            select(audit_ledger.c.seq, audit_ledger.c.body, audit_ledger.c.text).where(audit_ledger.c.seq.in_(chunk))
        ):
            entries[seq] = (json.loads(body), text)
    return [event_document(row, entries.get(row["request_seq"]), entries.get(row["completion_seq"])) for row in rows]


def event_document(
    row: dict, request: tuple[dict, str | None] | None, completion: tuple[dict, str | None] | None
) -> dict:
    if request is None:
        return {"seq": row["request_seq"], "request_id": row["request_id"], "kind": row["kind"], "missing": True}
    body, prompt = request
    data = body["data"]
    if body["kind"] in ("access", "purge"):
        return {
            "seq": body["seq"],
            "request_id": body["request_id"],
            "kind": "access",
            "received_at": data["occurred_at"],
            "user": data.get("actor"),
            "department": data.get("department"),
            "roles": data.get("roles", []),
            "key_id": data.get("key_id"),
            "client_address": data.get("client_address"),
            "via": data.get("via"),
            "action": data.get("action"),
            "parameters": data.get("parameters", {}),
            "cutoff": data.get("cutoff"),
        }
    decision = data.get("decision") or {}
    done = completion[0]["data"] if completion else {}
    answer = completion[1] if completion else None
    return {
        "seq": body["seq"],
        "request_id": data["request_id"],
        "kind": "request",
        "received_at": data["received_at"],
        "completed_at": done.get("completed_at"),
        "user": data.get("user_id"),
        "department": data.get("department"),
        "roles": data.get("roles", []),
        "clearance": data.get("clearance"),
        "key_id": data.get("key_id"),
        "client_address": data.get("client_address"),
        "user_agent": data.get("user_agent"),
        "endpoint": data.get("endpoint"),
        "model": data.get("model"),
        "provider": data.get("provider"),
        "stream": data.get("stream"),
        "classification": data.get("classification"),
        "experiment": data.get("experiment"),
        "decision": decision.get("action"),
        "reasons": decision.get("reasons", []),
        "redact_types": decision.get("redact_types", []),
        "policy_version": data.get("policy_version") or decision.get("policy_version"),
        "shadow": data.get("shadow"),
        "outcome": row["outcome"],
        "status_code": row["status_code"],
        "upstream_status": done.get("upstream_status"),
        "error_code": done.get("error_code") or data.get("error_code"),
        "error_message": done.get("error_message") or data.get("error_message"),
        "findings": data.get("findings", {}),
        "signals": data.get("signals", []),
        "answer_findings": done.get("answer_findings", {}),
        "answer_signals": done.get("answer_signals", []),
        "input_tokens": done.get("input_tokens"),
        "output_tokens": done.get("output_tokens"),
        "latency_ms": done.get("latency_ms") or data.get("latency_ms", {}),
        "prompt_text": prompt,
        "answer_text": answer,
        "text_purged": (prompt is None and body.get("text_sha256") is not None)
        or (completion is not None and answer is None and completion[0].get("text_sha256") is not None),
        "completion_seq": row["completion_seq"],
    }


# --- counting ----------------------------------------------------------------------------------------------------

_ROLLUP_FILTERS = {"since", "until", "department", "model", "decision", "outcome", "kind"}


def event_stats(
    connection: Connection, f: EventFilter, by: Sequence[str] = STAT_DIMENSIONS, rollups: bool = True
) -> dict:
    """Counts of matching requests, in total and by each dimension asked for (day, decision, department, model,
    reason, outcome).

    Whole days come from the daily rollups when the filters allow it (time, department, model, decision, outcome);
    the part-days at either end of the range, and any other filter, are counted from the events themselves
    (``rollups=False`` counts everything from the events).
    """
    unknown = [d for d in by if d not in STAT_DIMENSIONS]
    if unknown:
        raise FilterError(f"cannot count by {unknown[0]!r}; dimensions are {', '.join(STAT_DIMENSIONS)}", "by")
    if f.kind != "request":
        raise FilterError("stats count requests only (kind=request)", "kind")
    totals: Counter = Counter()
    breakdown: dict[str, Counter] = {d: Counter() for d in by}
    used = {name for name, value in ((x.name, getattr(f, x.name)) for x in fields(f)) if value not in (None, ())}
    use_rollup = rollups and used <= _ROLLUP_FILTERS and not ("reason" in by and f.outcome)
    if use_rollup:
        whole_first, whole_end = _whole_days(f.since, f.until)
        if whole_first is None or whole_end is None or whole_first < whole_end:
            _rollup_counts(connection, f, whole_first, whole_end, totals, breakdown)
            for since, until in _edges(f.since, f.until, whole_first, whole_end):
                edge = _replace(f, since=since, until=until)
                _event_counts(connection, edge, totals, breakdown)
        else:
            _event_counts(connection, f, totals, breakdown)
    else:
        _event_counts(connection, f, totals, breakdown)
    return {
        "total": totals["total"],
        "by": {name: _ordered(name, counter) for name, counter in breakdown.items()},
        "filters": f.to_parameters(),
        "source": "rollups" if use_rollup else "events",
    }


def _replace(f: EventFilter, **changes: object) -> EventFilter:
    values = {x.name: getattr(f, x.name) for x in fields(f)}
    values.update(changes)
    return EventFilter(**values)


def _day_start(moment: datetime) -> datetime:
    return utc(moment).replace(hour=0, minute=0, second=0, microsecond=0)


def _whole_days(since: datetime | None, until: datetime | None) -> tuple[str | None, str | None]:
    """The first whole day and the day after the last whole day in [since, until), as YYYY-MM-DD (None: unbounded)."""
    first = None
    if since is not None:
        start = _day_start(since)
        first = (start if start == utc(since) else start + timedelta(days=1)).strftime("%Y-%m-%d")
    end = _day_start(until).strftime("%Y-%m-%d") if until is not None else None
    return first, end


def _edges(since: datetime | None, until: datetime | None, first: str | None, end: str | None) -> list[tuple]:
    edges = []
    if since is not None and first is not None:
        first_start = datetime.fromisoformat(first).replace(tzinfo=UTC)
        if utc(since) < first_start:
            edges.append((since, first_start))
    if until is not None and end is not None:
        end_start = datetime.fromisoformat(end).replace(tzinfo=UTC)
        if end_start < utc(until):
            edges.append((end_start, until))
    return edges


def _rollup_counts(
    connection: Connection,
    f: EventFilter,
    first: str | None,
    end: str | None,
    totals: Counter,
    breakdown: dict[str, Counter],
) -> None:
    def where(table):  # type: ignore[no-untyped-def]
        c = table.c
        conditions_ = [c.count != 0]
        if first is not None:
            conditions_.append(c.day >= first)
        if end is not None:
            conditions_.append(c.day < end)
        if f.department is not None:
            conditions_.append(c.department == f.department)
        if f.model is not None:
            conditions_.append(c.model == f.model)
        if f.decision:
            conditions_.append(c.action.in_([NO_VALUE if d == "none" else d for d in f.decision]))
        if f.outcome and table is audit_daily_counts:
            conditions_.append(c.outcome.in_(f.outcome))
        return and_(*conditions_)

    counts = audit_daily_counts
    totals["total"] += int(
        connection.execute(select(func.coalesce(func.sum(counts.c.count), 0)).where(where(counts))).scalar_one()
    )
    columns = {
        "day": counts.c.day,
        "decision": counts.c.action,
        "department": counts.c.department,
        "model": counts.c.model,
        "outcome": counts.c.outcome,
    }
    for name, counter in breakdown.items():
        if name == "reason":
            reasons = audit_daily_reasons
            statement = (
                select(reasons.c.reason, func.sum(reasons.c.count)).where(where(reasons)).group_by(reasons.c.reason)
            )
        else:
            statement = select(columns[name], func.sum(counts.c.count)).where(where(counts)).group_by(columns[name])
        for value, count in connection.execute(statement):
            counter[None if value == NO_VALUE else value] += int(count)


def _event_counts(connection: Connection, f: EventFilter, totals: Counter, breakdown: dict[str, Counter]) -> None:
    c = audit_events.c
    where = and_(*conditions(f))
    totals["total"] += connection.execute(select(func.count()).select_from(audit_events).where(where)).scalar_one()
    columns = {"day": c.day, "decision": c.action, "department": c.department, "model": c.model, "outcome": c.outcome}
    for name, counter in breakdown.items():
        if name == "reason":
            reason = func.substr(audit_event_labels.c.label, len("reason:") + 1, 200)
            statement = (
                select(reason, func.count())
                .select_from(audit_events.join(audit_event_labels, audit_event_labels.c.request_seq == c.request_seq))
                .where(where, audit_event_labels.c.label.startswith("reason:"))
                .group_by(reason)
            )
        else:
            statement = select(columns[name], func.count()).where(where).group_by(columns[name])
        for value, count in connection.execute(statement):
            counter[value] += int(count)


def _ordered(name: str, counter: Counter) -> list[dict]:
    items = [(value, count) for value, count in counter.items() if count]
    if name == "day":
        items.sort(key=lambda item: item[0] or "")
    else:
        items.sort(key=lambda item: (-item[1], item[0] or ""))
    return [{"value": value, "count": count} for value, count in items]
