"""What the trail says about the policy: which versions decided requests, how much each experiment was used, and
where a shadow (candidate) policy disagreed with the live one.

Read by the console's policy pages, which record the reading first (``AuditReader.note``). Versions and
experiments are counted from the index; the shadow report reads the period's request entries, because where the
candidate disagreed is kept only in each entry's body.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from audit.queries import EventFilter, iter_events
from audit.schema import audit_events

EXCERPT_CHARACTERS = 160


def versions_used(connection: Connection, limit: int = 50) -> list[dict[str, Any]]:
    """Each policy version that decided requests: how many, first and last; the most recently used first."""
    c = audit_events.c
    last = func.max(c.received_at)
    rows = connection.execute(
        select(c.policy_version, func.count().label("requests"), func.min(c.received_at).label("first"), last)
        .where(c.kind == "request", c.policy_version.is_not(None))
        .group_by(c.policy_version)
        .order_by(last.desc())
        .limit(limit)
    )
    return [
        {"version": version, "requests": count, "first": first, "last": latest}
        for version, count, first, latest in rows
    ]


def experiment_use(connection: Connection) -> dict[str, dict[str, Any]]:
    """Requests decided under each experiment: how many, how many of them each decision, and the last."""
    c = audit_events.c
    use: dict[str, dict[str, Any]] = {}
    rows = connection.execute(
        select(c.experiment, c.action, func.count(), func.max(c.received_at))
        .where(c.kind == "request", c.experiment.is_not(None))
        .group_by(c.experiment, c.action)
    )
    for name, action, count, latest in rows:
        entry = use.setdefault(name, {"requests": 0, "by_decision": {}, "last": None})
        entry["requests"] += count
        entry["by_decision"][action or "none"] = count
        if entry["last"] is None or (latest is not None and latest > entry["last"]):
            entry["last"] = latest
    return use


def shadow_report(connection: Connection, filters: EventFilter, examples: int = 20) -> dict[str, Any]:
    """Where the candidate disagreed with the live policy among the requests ``filters`` select.

    Counted by the pair of actions (live, candidate) and by each reason code only one of the two gave; the newest
    ``examples`` disagreements with a short excerpt of their redacted prompt.
    """
    decided = 0
    disagreements = 0
    by_actions: Counter[tuple[str, str]] = Counter()
    by_reason: Counter[tuple[str, str]] = Counter()
    shown: list[dict[str, Any]] = []
    for event in iter_events(connection, replace(filters, kind="request"), order="desc"):
        if event.get("decision") is None:
            continue  # refused before any policy decided: nothing to compare
        decided += 1
        shadow = event.get("shadow")
        if not isinstance(shadow, dict):
            continue
        disagreements += 1
        live_action = str(event["decision"])
        candidate = "error" if "error" in shadow else str(shadow.get("action"))
        by_actions[(live_action, candidate)] += 1
        live_codes = {str(r.get("code")) for r in event.get("reasons") or [] if isinstance(r, dict)}
        candidate_codes = {str(code) for code in shadow.get("reasons") or []}
        for code in sorted(candidate_codes - live_codes):
            by_reason[(code, "candidate")] += 1
        for code in sorted(live_codes - candidate_codes):
            by_reason[(code, "live")] += 1
        if len(shown) < examples:
            text = event.get("prompt_text") or ""
            shown.append(
                {
                    "request_id": event["request_id"],
                    "received_at": event["received_at"],
                    "live": live_action,
                    "candidate": candidate,
                    "live_reasons": sorted(live_codes),
                    "candidate_reasons": sorted(candidate_codes),
                    "candidate_version": shadow.get("policy_version"),
                    "excerpt": text[:EXCERPT_CHARACTERS] + ("…" if len(text) > EXCERPT_CHARACTERS else ""),
                    "text_purged": bool(event.get("text_purged")),
                }
            )
    return {
        "decided": decided,
        "disagreements": disagreements,
        "by_actions": [{"live": a, "candidate": b, "count": n} for (a, b), n in by_actions.most_common()],
        "by_reason": [{"reason": r, "only_in": side, "count": n} for (r, side), n in by_reason.most_common()],
        "examples": shown,
    }
