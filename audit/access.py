"""Audited reading: every query, export and count is recorded in the trail before it runs.

Verification is the exception: it discloses no event, and it must not write (see ``audit.verify``), so it reads
through a read-only connection instead of through this class.

The command line and the HTTP routes both read through ``AuditReader``; if the access cannot be recorded the
reading is refused (``AuditUnavailable``), as a request to a model would be.
"""

from __future__ import annotations

import getpass
import socket
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

from audit import chain
from audit.checkpoint import Checkpoint
from audit.events import AccessEvent
from audit.export import export_lines
from audit.queries import (
    DEFAULT_DIMENSIONS,
    STAT_DIMENSIONS,
    EventFilter,
    EventPage,
    FilterError,
    day_by_decision,
    event_stats,
    get_event,
    iter_events,
    search_events,
)
from audit.store import AuditStore

if TYPE_CHECKING:
    from audit.erasure import ErasureResult
    from audit.retention import RetentionResult


class Authenticated(Protocol):
    """Whoever the routes' authentication returns (the gateway's Principal): a user, and optionally more."""

    @property
    def user(self) -> str: ...  # read-only, so that a frozen dataclass such as the Principal satisfies it


@dataclass(frozen=True, slots=True)
class Auditor:
    """Who is reading: a key's principal (HTTP) or the operating-system account running the command line."""

    user: str
    via: str
    department: str | None = None
    roles: tuple[str, ...] = ()
    key_id: str | None = None
    client_address: str | None = None

    @classmethod
    def from_principal(cls, principal: Authenticated, client_address: str | None = None) -> Auditor:
        return cls(
            user=principal.user,
            via="http",
            department=getattr(principal, "department", None),
            roles=tuple(getattr(principal, "roles", ())),
            key_id=getattr(principal, "key_id", None),
            client_address=client_address,
        )

    @classmethod
    def from_command_line(cls) -> Auditor:
        try:
            account = getpass.getuser()
        except Exception:  # no name for the uid (e.g. in a container)
            account = "unknown"
        return cls(user=f"cli:{account}@{socket.gethostname()}", via="cli")

    def access(self, action: str, parameters: dict[str, Any], request_id: str | None = None) -> AccessEvent:
        event = AccessEvent(
            actor=self.user,
            action=action,
            via=self.via,
            parameters=parameters,
            department=self.department,
            roles=list(self.roles),
            key_id=self.key_id,
            client_address=self.client_address,
        )
        if request_id:
            event.request_id = request_id
        return event


class AuditReader:
    def __init__(self, store: AuditStore, auditor: Auditor, request_id: str | None = None) -> None:
        self.store = store
        self.auditor = auditor
        self.request_id = request_id  # the HTTP request's id, so the access entry and the response can be matched

    def _record(self, action: str, parameters: dict[str, Any]) -> None:
        self.store.record_access(self.auditor.access(action, parameters, self.request_id))

    def search(
        self, filters: EventFilter, limit: int = 50, cursor: str | None = None, order: str = "desc"
    ) -> EventPage:
        self._record("query", {**filters.to_parameters(), "limit": limit, "cursor": cursor, "order": order})
        with self.store.engine.connect() as connection:
            return search_events(connection, filters, limit, cursor, order)

    def event(self, request_id: str) -> dict[str, Any] | None:
        self._record("show", {"request_id": request_id})
        with self.store.engine.connect() as connection:
            return get_event(connection, request_id)

    def event_with_chain(self, request_id: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """One event and where its request entry sits in the chain (``show``, like ``event``)."""
        self._record("show", {"request_id": request_id})
        with self.store.engine.connect() as connection:
            event = get_event(connection, request_id)
            return event, (chain.position(connection, event["seq"]) if event and "seq" in event else None)

    def dashboard(self, filters: EventFilter, by: Sequence[str]) -> dict[str, Any]:
        """Counts by each of ``by`` and per day and decision, recorded as one ``dashboard`` reading."""
        unknown = [d for d in by if d not in STAT_DIMENSIONS]
        if unknown:
            raise FilterError(f"cannot count by {unknown[0]!r}; dimensions are {', '.join(STAT_DIMENSIONS)}", "by")
        self._record("dashboard", {**filters.to_parameters(), "by": list(by)})
        refused = (
            None if filters.decision and "block" not in filters.decision else replace(filters, decision=("block",))
        )
        with self.store.engine.connect() as connection:
            return {
                "stats": event_stats(connection, filters, by),
                "days": day_by_decision(connection, filters),
                # Why requests were refused: the reasons of blocked requests only (redactions give reasons too).
                "refusal_reasons": event_stats(connection, refused, ("reason",))["by"]["reason"] if refused else [],
            }

    def chain_head(self, action: str = "chain") -> dict[str, Any]:
        """The chain's head and last checkpoint, read without signing a new one (``checkpoint`` signs).

        ``action="verify"``: recorded as a request to verify the chain, which the caller then does through a
        read-only connection (``audit.verify``), so that who asked is recorded first."""
        self._record(action, {})
        with self.store.engine.connect() as connection:
            return chain.head(connection)

    def note(self, action: str, parameters: dict[str, Any]) -> None:
        """Record an access that reads nothing here (signing in to or out of the console)."""
        self._record(action, parameters)

    def stats(self, filters: EventFilter, by: Sequence[str] = DEFAULT_DIMENSIONS) -> dict[str, Any]:
        unknown = [d for d in by if d not in STAT_DIMENSIONS]
        if unknown:  # checked before recording, so a typo does not leave an access entry behind
            raise FilterError(f"cannot count by {unknown[0]!r}; dimensions are {', '.join(STAT_DIMENSIONS)}", "by")
        self._record("stats", {**filters.to_parameters(), "by": list(by)})
        with self.store.engine.connect() as connection:
            return event_stats(connection, filters, by)

    def export(self, filters: EventFilter, format: str) -> Iterator[str]:
        """The export as text chunks; the access is recorded now, the rows are read as the chunks are taken."""
        if format not in ("csv", "jsonl"):
            raise FilterError("format must be csv or jsonl", "format")
        self._record("export", {**filters.to_parameters(), "format": format})
        return self._stream(filters, format)

    def _stream(self, filters: EventFilter, format: str) -> Iterator[str]:
        with self.store.engine.connect() as connection:
            yield from export_lines(iter_events(connection, filters), format)

    def checkpoint(self) -> Checkpoint | None:
        self._record("checkpoint", {})
        return self.store.checkpoint()

    def purge_text(self, older_than_days: int) -> int:
        access = self.auditor.access("purge-text", {"older_than_days": older_than_days}, self.request_id)
        return self.store.purge_text(timedelta(days=older_than_days), access)

    def apply_retention(self, days: dict[str, int | None]) -> RetentionResult:
        """Remove content past each class's retention (``audit.retention``); recorded as a signed purge first."""
        from audit import retention

        parameters = {f"{kind}_days": value for kind, value in days.items() if value is not None}
        return retention.apply(self.store, self.auditor.access("retention", parameters, self.request_id), days)

    def erase(self, user: str, reason: str | None, dry_run: bool) -> ErasureResult:
        """Erase one person (``audit.erasure``). The record never names them: its parameters leave the user out, and
        the reason is sealed (it may name them too). A dry run writes nothing, not even an access entry: it
        discloses only counts."""
        from audit import erasure

        return erasure.erase(self.store, user, self.auditor.access("erase", {}, self.request_id), reason, dry_run)
