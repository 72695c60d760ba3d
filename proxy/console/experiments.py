"""The experiments in the policy data, as the policy team's page shows them: who owns each, what it relaxes, for
whom, its time box (not started, active, ended) and its use so far (requests decided under it, from the trail)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from proxy.console.exceptions import RELAXABLE


@dataclass(frozen=True)
class Experiment:
    name: str
    description: str
    owner: str
    relaxes: tuple[str, ...]
    models: tuple[str, ...]
    departments: tuple[str, ...]
    users: tuple[str, ...]
    max_classification: str
    starts: datetime | None
    expires: datetime | None
    daily_request_cap: int | None
    requests: int = 0
    by_decision: dict[str, int] = field(default_factory=dict)
    last_used: str | None = None

    def status(self, now: datetime) -> str:
        """``active``, ``not started`` or ``ended``: what the policy does with it at ``now``."""
        if self.expires is None or now >= self.expires:
            return "ended"
        if self.starts is not None and now < self.starts:
            return "not started"
        return "active"

    @property
    def relaxes_text(self) -> str:
        return ", ".join(RELAXABLE.get(r, r) for r in self.relaxes) or "Nothing beyond the models it names"


def listed(data: dict[str, Any], use: dict[str, dict[str, Any]]) -> list[Experiment]:
    """Every experiment in the policy data (``data.data.experiments``), by name, with its use from the trail."""
    experiments = data.get("data", {}).get("experiments") or {}
    found = []
    for name, definition in sorted(experiments.items()):
        if not isinstance(definition, dict):
            continue
        used = use.get(name, {})
        last = used.get("last")
        found.append(
            Experiment(
                name=str(name),
                description=str(definition.get("description") or ""),
                owner=str(definition.get("owner") or ""),
                relaxes=_texts(definition.get("relaxes")),
                models=_texts(definition.get("models")),
                departments=_texts(definition.get("departments")),
                users=_texts(definition.get("users")),
                max_classification=str(definition.get("max_classification") or ""),
                starts=_moment(definition.get("starts")),
                expires=_moment(definition.get("expires")),
                daily_request_cap=definition.get("daily_request_cap")
                if isinstance(definition.get("daily_request_cap"), int)
                else None,
                requests=int(used.get("requests", 0)),
                by_decision=dict(used.get("by_decision", {})),
                last_used=_iso(last),
            )
        )
    return found


def _texts(value: object) -> tuple[str, ...]:
    return tuple(str(item) for item in value) if isinstance(value, list) else ()


def _moment(value: object) -> datetime | None:
    """An experiment's time; one that cannot be read counts as missing (an experiment without an end has ended:
    the policy treats it so)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(value: object) -> str | None:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    return None if value is None else str(value)
