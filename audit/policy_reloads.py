"""The log of policy reloads (table ``policy_reloads``): written by the gateway, read by the console.

Which version decided each request is already in the trail; this says when each version came into force, who asked
for it, and which new versions were refused (and why), which the trail cannot say.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from audit.schema import policy_reloads

OUTCOMES = ("loaded", "unchanged", "rejected")
MAX_DETAIL = 2000


@dataclass(frozen=True, slots=True)
class Reload:
    actor: str
    via: str
    outcome: str
    version_before: str | None
    version_after: str | None
    detail: str | None = None


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def record(engine: Engine, reload: Reload, now: datetime | None = None) -> None:
    with engine.begin() as connection:
        connection.execute(
            policy_reloads.insert().values(
                at=now or datetime.now(UTC),
                actor=reload.actor[:200],
                via=reload.via[:32],
                worker=worker_name()[:200],
                outcome=reload.outcome,
                version_before=reload.version_before,
                version_after=reload.version_after,
                detail=reload.detail[:MAX_DETAIL] if reload.detail else None,
            )
        )


def last_version(engine: Engine) -> str | None:
    """The version the last recorded load left in force (None before any)."""
    with engine.connect() as connection:
        value = connection.execute(
            select(policy_reloads.c.version_after).order_by(policy_reloads.c.reload_id.desc()).limit(1)
        ).scalar()
    return None if value is None else str(value)


def recent(engine: Engine, limit: int = 100) -> list[dict[str, Any]]:
    """The newest ``limit`` reloads, newest first."""
    with engine.connect() as connection:
        rows = connection.execute(select(policy_reloads).order_by(policy_reloads.c.reload_id.desc()).limit(limit))
        return [dict(row._mapping) for row in rows]
