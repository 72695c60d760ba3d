"""The daily counts behind ``stats``, recomputed from the index (to check them, or to rebuild them after a bulk load)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Select, delete, func, insert, literal, select

from audit.index import NO_VALUE
from audit.schema import audit_daily_counts, audit_daily_reasons, audit_event_labels, audit_events

REASON_PREFIX = "reason:"


def _counts_query() -> Select[Any]:
    events = audit_events.c
    keys = (
        events.day,
        func.coalesce(events.department, literal(NO_VALUE)),
        func.coalesce(events.model, literal(NO_VALUE)),
        func.coalesce(events.action, literal(NO_VALUE)),
        events.outcome,
    )
    return select(*keys, func.count()).where(events.kind == "request").group_by(*keys)


def _reasons_query() -> Select[Any]:
    events = audit_events.c
    reason = func.substr(audit_event_labels.c.label, len(REASON_PREFIX) + 1, 200)
    keys = (
        events.day,
        func.coalesce(events.department, literal(NO_VALUE)),
        func.coalesce(events.model, literal(NO_VALUE)),
        func.coalesce(events.action, literal(NO_VALUE)),
        reason,
    )
    return (
        select(*keys, func.count())
        .select_from(audit_events.join(audit_event_labels, audit_event_labels.c.request_seq == events.request_seq))
        .where(events.kind == "request", audit_event_labels.c.label.startswith(REASON_PREFIX))
        .group_by(*keys)
    )


def expected_counts(connection: Connection) -> Counter[tuple[Any, ...]]:
    return Counter({tuple(row[:-1]): row[-1] for row in connection.execute(_counts_query())})


def expected_reasons(connection: Connection) -> Counter[tuple[Any, ...]]:
    return Counter({tuple(row[:-1]): row[-1] for row in connection.execute(_reasons_query())})


def rebuild(connection: Connection) -> None:
    """Replace both rollups with counts recomputed from the index (after a bulk import)."""
    connection.execute(delete(audit_daily_counts))
    connection.execute(delete(audit_daily_reasons))
    columns = ("day", "department", "model", "action")
    connection.execute(insert(audit_daily_counts).from_select([*columns, "outcome", "count"], _counts_query()))
    connection.execute(insert(audit_daily_reasons).from_select([*columns, "reason", "count"], _reasons_query()))


def recount_days(connection: Connection, days: Iterable[str]) -> None:
    """Recount both rollups for these days from the index (after their rows' departments were removed)."""
    wanted = sorted(set(days))
    columns = ("day", "department", "model", "action")
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        connection.execute(delete(audit_daily_counts).where(audit_daily_counts.c.day.in_(chunk)))
        connection.execute(delete(audit_daily_reasons).where(audit_daily_reasons.c.day.in_(chunk)))
        connection.execute(
            insert(audit_daily_counts).from_select(
                [*columns, "outcome", "count"], _counts_query().where(audit_events.c.day.in_(chunk))
            )
        )
        connection.execute(
            insert(audit_daily_reasons).from_select(
                [*columns, "reason", "count"], _reasons_query().where(audit_events.c.day.in_(chunk))
            )
        )
