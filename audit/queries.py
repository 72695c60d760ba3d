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
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, and_, exists, func, or_, select

from audit.canonical import format_time, sha256_hex, utc
from audit.index import NO_VALUE
from audit.schema import audit_daily_counts, audit_daily_reasons, audit_event_labels, audit_events, audit_ledger
from audit.sections import Sections, read_sections

DECISIONS = ("allow", "redact", "strip", "block", "none")  # strip: forwarded without its declared tools
KINDS = ("request", "access", "all")
# What ``stats`` counts by when not told; the daily rollups can answer all of these for whole days.
DEFAULT_DIMENSIONS = ("day", "decision", "department", "model", "reason", "outcome")
# Everything it can count by: findings, users and signals are counted from the events (the rollups do not keep them).
STAT_DIMENSIONS = (*DEFAULT_DIMENSIONS, "finding", "user", "signal")
# Finding types that are not about a person: "any personal data" means a finding of any other type.
NOT_PERSONAL = ("SECURITY_MARKING", "CREDENTIAL")
# Filters that take several values (any of them matches); the values of different filters must all hold.
MULTI_VALUED = (
    "user",
    "department",
    "model",
    "decision",
    "outcome",
    "reason",
    "finding",
    "signal",
    "experiment",
    "request_id",
    "policy_version",
)
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
    # Each multi-valued filter is a tuple of values, any of which matches; a single string is accepted and kept as
    # a one-value tuple, so ``EventFilter(user="ann")`` still reads naturally.
    user: tuple[str, ...] = ()
    department: tuple[str, ...] = ()
    model: tuple[str, ...] = ()
    decision: tuple[str, ...] = ()  # allow, redact, block, none (refused before any decision)
    outcome: tuple[
        str, ...
    ] = ()  # completed, blocked, rejected, failed, upstream_error, forwarded (never completed) ...
    reason: tuple[str, ...] = ()  # reason codes of the decision
    finding: tuple[str, ...] = ()  # finding types in the prompt or the answer
    signal: tuple[str, ...] = ()  # agentic, self_coding, internet ...
    experiment: tuple[str, ...] = ()
    request_id: tuple[str, ...] = ()
    text: str | None = None  # case-insensitive substring of the redacted prompt or answer
    policy_version: tuple[str, ...] = ()
    personal_data: bool = False  # any finding of a personal-data type (every type but NOT_PERSONAL), prompt or answer
    kind: str = "request"  # request | access (reads of the trail) | all

    def __post_init__(self) -> None:
        for name in MULTI_VALUED:
            value = getattr(self, name)
            if value is None:
                value = ()
            elif isinstance(value, str):
                value = (value,)
            # Duplicates removed, order kept: the recorded access says what was asked, once.
            object.__setattr__(self, name, tuple(dict.fromkeys(str(v) for v in value)))
        if self.kind not in KINDS:
            raise FilterError(f"kind must be one of {', '.join(KINDS)}", "kind")
        for decision in self.decision:
            if decision not in DECISIONS:
                raise FilterError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}", "decision")
        if self.since and self.until and utc(self.since) >= utc(self.until):
            raise FilterError("'since' must be before 'until'", "since")

    @classmethod
    def from_mapping(cls, values: Mapping[str, str | Sequence[str]], now: datetime | None = None) -> EventFilter:
        """Filters from text (a URL's query string or command-line options); unknown names are an error.

        A multi-valued filter takes several values comma-separated (``finding=UK_NINO,PERSON``), repeated (a list:
        ``finding=UK_NINO&finding=PERSON``), or both. ``personal_data`` is a yes/no: true, yes, 1, on (or false ...).
        """
        known = {f.name for f in fields(cls)}
        arguments: dict[str, Any] = {}
        for name, raw in values.items():
            if name not in known:
                raise FilterError(f"unknown filter {name!r}; filters are {', '.join(sorted(known))}", name)
            items = [raw] if isinstance(raw, str) or raw is None else list(raw)
            texts = [item.strip() for item in items if isinstance(item, str) and item.strip()]
            if not texts:
                continue
            if name in MULTI_VALUED:
                arguments[name] = tuple(part.strip() for text in texts for part in text.split(",") if part.strip())
                continue
            if len(texts) > 1:
                raise FilterError(f"{name} takes one value", name)
            value = texts[0]
            if name in ("since", "until"):
                arguments[name] = parse_moment(value, now, name)
            elif name == "personal_data":
                arguments[name] = _yes_no(value, name)
            else:
                arguments[name] = value
        return cls(**arguments)

    def to_parameters(self) -> dict[str, Any]:
        """The filter as recorded in an access entry: free text is recorded by its hash, never in clear."""
        parameters: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value in (None, (), False) or (f.name == "kind" and value == "request"):
                continue
            if f.name == "text":
                parameters["text_sha256"] = sha256_hex(value.casefold())
                parameters["text_length"] = len(value)
            elif isinstance(value, datetime):
                parameters[f.name] = format_time(value)
            elif isinstance(value, tuple):
                # decision and outcome were always lists; the others were single values before they took several,
                # and a single one is still recorded that way, so older and newer access entries read alike.
                single = len(value) == 1 and f.name not in ("decision", "outcome")
                parameters[f.name] = value[0] if single else list(value)
            else:
                parameters[f.name] = value
        return parameters


def _yes_no(value: str, name: str) -> bool:
    answer = value.casefold()
    if answer in ("true", "yes", "1", "on"):
        return True
    if answer in ("false", "no", "0", "off"):
        return False
    raise FilterError(f"{name} must be true or false, not {value!r}", name)


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


def _label_condition(prefix: str, values: Sequence[str]) -> ColumnElement[bool]:
    """Events carrying any of the labels ``prefix:value``."""
    labels = [f"{prefix}:{value}" for value in values]
    return audit_events.c.request_seq.in_(
        select(audit_event_labels.c.request_seq).where(audit_event_labels.c.label.in_(labels))
    )


def _personal_data_condition() -> ColumnElement[bool]:
    label = audit_event_labels.c.label
    return audit_events.c.request_seq.in_(
        select(audit_event_labels.c.request_seq).where(
            label.startswith("finding:"), label.not_in([f"finding:{kind}" for kind in NOT_PERSONAL])
        )
    )


def conditions(f: EventFilter) -> list[ColumnElement[bool]]:
    c = audit_events.c
    where: list[ColumnElement[bool]] = []
    if f.kind != "all":
        where.append(c.kind == f.kind)
    if f.since is not None:
        where.append(c.received_at >= utc(f.since))
    if f.until is not None:
        where.append(c.received_at < utc(f.until))
    for column, values in (
        (c.user_id, f.user),
        (c.department, f.department),
        (c.model, f.model),
        (c.experiment, f.experiment),
        (c.request_id, f.request_id),
        (c.policy_version, f.policy_version),
    ):
        if values:
            where.append(column.in_(values))
    if f.decision:
        named = [d for d in f.decision if d != "none"]
        options = [c.action.in_(named)] if named else []
        if "none" in f.decision:
            options.append(c.action.is_(None))
        where.append(or_(*options))
    if f.outcome:
        where.append(c.outcome.in_(f.outcome))
    for prefix, values in (("reason", f.reason), ("finding", f.finding), ("signal", f.signal)):
        if values:
            where.append(_label_condition(prefix, values))
    if f.personal_data:
        where.append(_personal_data_condition())
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
    events: list[dict[str, Any]]
    next_cursor: str | None

    def to_document(self) -> dict[str, Any]:
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


def iter_events(
    connection: Connection, f: EventFilter, order: str = "asc", batch: int | None = None
) -> Iterator[dict[str, Any]]:
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


def _index_rows(
    connection: Connection, f: EventFilter, limit: int, order: str, after: int | None
) -> list[dict[str, Any]]:
    c = audit_events.c
    where = conditions(f)
    if after is not None:
        where.append(c.request_seq < after if order == "desc" else c.request_seq > after)
    ordering = c.request_seq.desc() if order == "desc" else c.request_seq.asc()
    statement = select(audit_events).where(and_(*where)).order_by(ordering).limit(limit)
    return [dict(row) for row in connection.execute(statement).mappings()]


def get_event(connection: Connection, request_id: str) -> dict[str, Any] | None:
    rows = _index_rows(connection, EventFilter(request_id=(request_id,), kind="all"), 1, "desc", None)
    return assemble(connection, rows)[0] if rows else None


# --- what an event says ------------------------------------------------------------------------------------------


def assemble(connection: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The event documents for index rows, read from their ledger entries."""
    seqs = [r["request_seq"] for r in rows] + [r["completion_seq"] for r in rows if r["completion_seq"] is not None]
    entries: dict[int, tuple[dict[str, Any], str | None]] = {}
    sections = read_sections(connection, seqs)
    for start in range(0, len(seqs), 900):
        chunk = seqs[start : start + 900]
        for seq, body, text in connection.execute(
            select(audit_ledger.c.seq, audit_ledger.c.body, audit_ledger.c.text).where(audit_ledger.c.seq.in_(chunk))
        ):
            document = json.loads(body)
            document["data"] = sections.data(document)  # sealed sections back in, removed ones marked
            entries[seq] = (document, text)
    events = []
    for row in rows:
        event = event_document(row, entries.get(row["request_seq"]), entries.get(row["completion_seq"]))
        event["removed"] = removed_parts(sections, row["request_seq"], row["completion_seq"])
        event["erased"] = any(part["rule"].startswith("erasure") for part in event["removed"])
        events.append(event)
    return events


def removed_parts(sections: Sections, request_seq: int, completion_seq: int | None) -> list[dict[str, object]]:
    """What retention or erasure removed from an event: which entry, which section, when and by which rule."""
    parts = []
    for entry, seq in (("request", request_seq), ("completion", completion_seq)):
        for section, removal in sorted(sections.removed.get(seq, {}).items()) if seq is not None else ():
            parts.append({"entry": entry, "section": section, **removal.to_document()})
    return parts


def event_document(
    row: dict[str, Any],
    request: tuple[dict[str, Any], str | None] | None,
    completion: tuple[dict[str, Any], str | None] | None,
) -> dict[str, Any]:
    if request is None:
        return {"seq": row["request_seq"], "request_id": row["request_id"], "kind": row["kind"], "missing": True}
    body, prompt = request
    data = body["data"]
    if body["kind"] in ("access", "purge", "erasure"):
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
            "cutoffs": data.get("cutoffs"),
            "erasure": data.get("erasure"),
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
    connection: Connection, f: EventFilter, by: Sequence[str] = DEFAULT_DIMENSIONS, rollups: bool = True
) -> dict[str, Any]:
    """Counts of matching requests, in total and by each dimension asked for (day, decision, department, model,
    reason, outcome; finding, user, signal).

    Whole days come from the daily rollups when the filters allow it (time, department, model, decision, outcome);
    the part-days at either end of the range, and any other filter, are counted from the events themselves
    (``rollups=False`` counts everything from the events).
    """
    unknown = [d for d in by if d not in STAT_DIMENSIONS]
    if unknown:
        raise FilterError(f"cannot count by {unknown[0]!r}; dimensions are {', '.join(STAT_DIMENSIONS)}", "by")
    if f.kind != "request":
        raise FilterError("stats count requests only (kind=request)", "kind")
    totals: Counter[str] = Counter()
    breakdown: dict[str, Counter[str | None]] = {d: Counter() for d in by}
    used = {name for name, value in ((x.name, getattr(f, x.name)) for x in fields(f)) if value not in (None, (), False)}
    use_rollup = (
        rollups
        and used <= _ROLLUP_FILTERS
        and not ("reason" in by and f.outcome)
        and set(by) <= set(DEFAULT_DIMENSIONS)
    )
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


def _edges(
    since: datetime | None, until: datetime | None, first: str | None, end: str | None
) -> list[tuple[datetime, datetime]]:
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
    totals: Counter[str],
    breakdown: dict[str, Counter[str | None]],
) -> None:
    def where(table: Table) -> ColumnElement[bool]:
        c = table.c
        conditions_ = [c.count != 0]
        if first is not None:
            conditions_.append(c.day >= first)
        if end is not None:
            conditions_.append(c.day < end)
        if f.department:
            conditions_.append(c.department.in_(f.department))
        if f.model:
            conditions_.append(c.model.in_(f.model))
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


def _event_counts(
    connection: Connection, f: EventFilter, totals: Counter[str], breakdown: dict[str, Counter[str | None]]
) -> None:
    c = audit_events.c
    where = and_(*conditions(f))
    totals["total"] += connection.execute(select(func.count()).select_from(audit_events).where(where)).scalar_one()
    columns = {
        "day": c.day,
        "decision": c.action,
        "department": c.department,
        "model": c.model,
        "outcome": c.outcome,
        "user": c.user_id,
    }
    for name, counter in breakdown.items():
        if name in ("reason", "finding", "signal"):  # labels: an event counts once under each of its values
            prefix = f"{name}:"
            value = func.substr(audit_event_labels.c.label, len(prefix) + 1, 240)
            statement = (
                select(value, func.count())
                .select_from(audit_events.join(audit_event_labels, audit_event_labels.c.request_seq == c.request_seq))
                .where(where, audit_event_labels.c.label.startswith(prefix))
                .group_by(value)
            )
        else:
            statement = select(columns[name], func.count()).where(where).group_by(columns[name])
        for value, count in connection.execute(statement):
            counter[value] += int(count)


def day_by_decision(connection: Connection, f: EventFilter) -> list[dict[str, Any]]:
    """Matching requests per day and decision (``none``: refused before any decision), oldest day first."""
    c = audit_events.c
    statement = (
        select(c.day, c.action, func.count()).where(and_(*conditions(f))).group_by(c.day, c.action).order_by(c.day)
    )
    days: dict[str, dict[str, int]] = {}
    for day, action, count in connection.execute(statement):
        counts = days.setdefault(day, dict.fromkeys(DECISIONS, 0))
        name = action if action in counts else "none"  # refused before a decision (no action)
        counts[name] += int(count)
    return [{"day": day, **counts} for day, counts in days.items()]


def _ordered(name: str, counter: Counter[str | None]) -> list[dict[str, Any]]:
    items = [(value, count) for value, count in counter.items() if count]
    if name == "day":
        items.sort(key=lambda item: item[0] or "")
    else:
        items.sort(key=lambda item: (-item[1], item[0] or ""))
    return [{"value": value, "count": count} for value, count in items]
