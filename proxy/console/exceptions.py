"""Exception requests: a refused user asks for a time-boxed experiment; the policy team approves or refuses it.

The queue is the ``exception_requests`` table of the audit database (its rows change state, which ledger entries
may not); each step is also recorded in the trail as an access entry. Approving writes an experiment into the
running gateway's policy data (``data/experiments/data.json`` under the policy path) and reloads the policy through
the engine's checked reload (it compiles, its own ``opa test`` suite passes): if the reload is refused, the file is
put back as it was and the policy in force stays.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from audit.schema import exception_requests
from proxy.policy.engine import PolicyRejected

RELAXABLE = {
    "agentic": "Tool use and agents",
    "self_coding": "Code the model runs itself",
    "internet": "Web search and browsing",
    "unscannable_content": "Content Handrail cannot read (images, files)",
}
# Which relaxation each refusal code asks for, to tick the right box on the form.
RELAXES_FOR_REASON = {
    "agentic_use": "agentic",
    "self_coding": "self_coding",
    "internet_access": "internet",
    "unscannable_content": "unscannable_content",
}
MAX_DAYS = 90.0
MAX_JUSTIFICATION = 2000
DAILY_REQUEST_CAP = 200
_write_lock = threading.Lock()  # one experiment written at a time in this process


@dataclass
class Draft:
    """What the form says, and what is wrong with it."""

    request_id: str
    model: str = ""
    relaxes: list[str] = field(default_factory=list)
    days: str = "30"
    justification: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, form: dict[str, str], relaxes: list[str]) -> Draft:
        draft = cls(
            request_id=form.get("request", "").strip(),
            model=form.get("model", "").strip(),
            relaxes=[r for r in relaxes if r in RELAXABLE],
            days=form.get("days", "").strip(),
            justification=form.get("justification", "").strip(),
        )
        if not re.fullmatch(r"[A-Za-z0-9_.:-]{1,64}", draft.request_id):
            draft.errors["request"] = "Open this form from the link in the refusal message"
        if not re.fullmatch(r"[A-Za-z0-9_.:/-]{1,200}", draft.model):
            draft.errors["model"] = "Enter the model you need, as in the request (for example demo)"
        if draft.day_count is None:
            draft.errors["days"] = f"Enter how many days you need it for, a number above 0 and at most {MAX_DAYS:g}"
        if not draft.justification:
            draft.errors["justification"] = "Explain why you need the exception"
        elif len(draft.justification) > MAX_JUSTIFICATION:
            draft.errors["justification"] = f"Explain why in {MAX_JUSTIFICATION} characters or fewer"
        return draft

    @property
    def day_count(self) -> float | None:
        try:
            days = float(self.days)
        except ValueError:
            return None
        return days if 0 < days <= MAX_DAYS else None


def owners_for(policy_path: Path, model: str, department: str, relaxes: list[str]) -> list[str]:
    """Owners of the experiments in the policy data that relax what is asked for, cover the model or the
    department: the people who run something like it, to be asked alongside the policy team."""
    experiments = _read_experiments(policy_path)
    found = {
        str(definition["owner"])
        for definition in experiments.values()
        if isinstance(definition, dict)
        and definition.get("owner")
        and (
            model in definition.get("models", [])
            or department in definition.get("departments", [])
            or set(relaxes) & set(definition.get("relaxes", []))
        )
    }
    return sorted(found)


def create(
    engine: Engine, draft: Draft, justification: str, user: str, department: str, reasons: list[str], owners: list[str]
) -> str:
    exception_id = "exc_" + secrets.token_hex(8)
    assert draft.day_count is not None
    with engine.begin() as connection:
        connection.execute(
            exception_requests.insert().values(
                exception_id=exception_id,
                created_at=datetime.now(UTC),
                request_id=draft.request_id,
                user_id=user,
                department=department,
                model=draft.model,
                relaxes=draft.relaxes,
                reasons=reasons,
                days=draft.day_count,
                justification=justification,
                owners=owners,
                status="pending",
            )
        )
    return exception_id


def listed(engine: Engine, *, user: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
    query = select(exception_requests).order_by(exception_requests.c.created_at.desc()).limit(200)
    if user is not None:
        query = query.where(exception_requests.c.user_id == user)
    if status is not None:
        query = query.where(exception_requests.c.status == status)
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def get(engine: Engine, exception_id: str) -> dict[str, Any] | None:
    with engine.connect() as connection:
        row = connection.execute(
            select(exception_requests).where(exception_requests.c.exception_id == exception_id)
        ).first()
    return dict(row._mapping) if row else None


def decide(
    engine: Engine,
    exception_id: str,
    status: str,
    by: str,
    outcome: str,
    experiment: str | None = None,
    expires: str | None = None,
) -> bool:
    """Record the decision; False if the request was no longer pending (someone else decided it)."""
    with engine.begin() as connection:
        done = connection.execute(
            update(exception_requests)
            .where(exception_requests.c.exception_id == exception_id, exception_requests.c.status == "pending")
            .values(
                status=status,
                decided_by=by,
                decided_at=datetime.now(UTC),
                outcome=outcome,
                experiment=experiment,
                expires=expires,
            )
        )
    return done.rowcount == 1


def experiment_for(row: dict[str, Any], now: datetime) -> tuple[str, dict[str, Any]]:
    """The experiment an approved request becomes: its user alone, its model, what it relaxes, its time box."""
    name = "exception-" + row["exception_id"].removeprefix("exc_")
    expires = now + timedelta(days=float(row["days"]))
    return name, {
        "description": f"Exception {row['exception_id']} for {row['user_id']}, after refused request "
        f"{row['request_id']}.",
        "owner": row["decided_by"] or "",
        "departments": [],
        "users": [row["user_id"]],
        "models": [row["model"]],
        "relaxes": list(row["relaxes"]),
        "max_classification": "OFFICIAL",
        "starts": _timestamp(now - timedelta(seconds=1)),
        "expires": _timestamp(expires),
        "daily_request_cap": DAILY_REQUEST_CAP,
    }


def write_experiment(engine: object, policy_path: Path, name: str, definition: dict[str, Any]) -> str:
    """Add the experiment to the policy data and reload through the checked path; the new policy version.

    Raises PolicyRejected when the new policy fails its checks: the data file is then restored, and the policy in
    force is the one before.
    """
    path = policy_path / "data" / "experiments" / "data.json"
    with _write_lock:
        before = path.read_bytes()
        document = json.loads(before)
        if name in document:
            raise PolicyRejected(f"an experiment called {name!r} already exists")
        document[name] = definition
        path.write_text(json.dumps(document, indent=2) + "\n")
        try:
            return str(engine.reload())  # type: ignore[attr-defined]
        except PolicyRejected:
            path.write_bytes(before)
            raise


def _read_experiments(policy_path: Path) -> dict[str, Any]:
    try:
        document = json.loads((policy_path / "data" / "experiments" / "data.json").read_text())
    except (OSError, ValueError):
        return {}
    return document if isinstance(document, dict) else {}


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")
