"""Retention per field class: ``handrail audit retention apply``.

Three classes, each with its own age (``audit.text_retention_days``, ``evidence_retention_days``,
``identity_retention_days``; unset: kept for ever):

- ``text``      the redacted prompt and answer (the ledger's ``text``), and an exception request's justification;
- ``evidence``  what usage signals quoted (the ``evidence`` section);
- ``identity``  who (the ``identity`` and ``subjects`` sections), the requester and decider of an exception, and who
  asked for a policy reload (``policy_reloads.actor``; the gateway's own start and the file watcher are no one).

A run first appends a signed ``purge`` record with each class's cutoff (before anything is removed, so ``verify``
accepts exactly the content older than a later record's cutoff as missing), then removes in batches outside the
chain lock, so the gateway keeps recording meanwhile. A run cut short removes the rest next time. Entries written
before body version 3 hold identity and evidence inside their hashed body: only their text can be removed; they are
counted as ``kept_in_body``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, and_, func, select, update

from audit.canonical import format_time
from audit.events import AccessEvent
from audit.index import row_for_entry
from audit.record_signing import sign_record
from audit.removal import mark_identity, remove, unsealed_body
from audit.schema import audit_ledger, audit_sealed, exception_requests, policy_reloads
from audit.sealing import ERASED, EVIDENCE, IDENTITY, PURGED, RETENTION_CLASSES, SUBJECTS, TEXT
from audit.settings import AuditSettings
from audit.store import AppendTransaction, AuditStore

BATCH = 2000
CLASS_SECTIONS = {"text": (TEXT,), "evidence": (EVIDENCE,), "identity": (IDENTITY, SUBJECTS)}


def retention_days(settings: AuditSettings) -> dict[str, int | None]:
    return {
        "text": settings.text_retention_days,
        "evidence": settings.evidence_retention_days,
        "identity": settings.identity_retention_days,
    }


def rule_name(kind: str, days: int) -> str:
    return f"retention {kind} {days} days"


@dataclass
class RetentionResult:
    cutoffs: dict[str, str] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)  # class -> sections (or texts) removed
    kept_in_body: int = 0  # version 1 or 2 entries past the identity or evidence cutoff: their body holds it
    exception_requests: int = 0
    policy_reloads: int = 0
    record_seq: int | None = None

    def to_document(self) -> dict[str, object]:
        return {
            "cutoffs": self.cutoffs,
            "removed": self.removed,
            "kept_in_body": self.kept_in_body,
            "exception_requests": self.exception_requests,
            "policy_reloads": self.policy_reloads,
            "record_seq": self.record_seq,
        }


def _candidates(
    connection: Connection, kind: str, cutoff: datetime, before_seq: int | None, limit: int
) -> list[tuple[int, str]]:
    """(seq, section) pairs of the class older than the cutoff, still present."""
    ledger = audit_ledger.c
    bound = [ledger.recorded_at < cutoff] + ([ledger.seq < before_seq] if before_seq is not None else [])
    if kind == "text":
        rows = connection.execute(
            select(ledger.seq).where(*bound, ledger.text.is_not(None)).order_by(ledger.seq).limit(limit)
        ).scalars()
        return [(seq, TEXT) for seq in rows]
    sealed = audit_sealed.c
    statement = (
        select(sealed.seq, sealed.section)
        .join(audit_ledger, ledger.seq == sealed.seq)
        .where(*bound, sealed.section.in_(CLASS_SECTIONS[kind]))
        .order_by(sealed.seq)
        .limit(limit)
    )
    return [(seq, section) for seq, section in connection.execute(statement)]


def _kept_in_body(connection: Connection, cutoffs: dict[str, datetime]) -> int:
    """Version 1 entries past an identity or evidence cutoff (their identity and evidence are in the body)."""
    oldest = max((cutoffs[kind] for kind in ("identity", "evidence") if kind in cutoffs), default=None)
    if oldest is None:
        return 0
    return int(
        connection.execute(
            select(func.count()).select_from(audit_ledger).where(audit_ledger.c.recorded_at < oldest, unsealed_body())
        ).scalar_one()
    )


def plan(store: AuditStore, days: dict[str, int | None], now: datetime | None = None) -> RetentionResult:
    """What a run would remove now (``--dry-run``): reads only."""
    now = now or datetime.now(UTC)
    cutoffs = {kind: now - timedelta(days=d) for kind, d in days.items() if d is not None}
    result = RetentionResult(cutoffs={kind: format_time(moment) for kind, moment in cutoffs.items()})
    with store.engine.connect() as connection:
        for kind, cutoff in cutoffs.items():
            result.removed[kind] = len(_candidates(connection, kind, cutoff, None, 10**9))
        result.kept_in_body = _kept_in_body(connection, cutoffs)
    return result


def apply(store: AuditStore, access: AccessEvent, days: dict[str, int | None]) -> RetentionResult:
    """Record the purge, then remove everything past its class's cutoff; see the module documentation."""
    unknown = set(days) - set(RETENTION_CLASSES)
    if unknown:
        raise ValueError(f"unknown retention classes: {', '.join(sorted(unknown))}")
    now = datetime.now(UTC)
    cutoffs = {kind: now - timedelta(days=d) for kind, d in days.items() if d is not None}
    result = RetentionResult(cutoffs={kind: format_time(moment) for kind, moment in cutoffs.items()})
    if not cutoffs:
        return result
    data = {**access.to_dict(), "cutoffs": result.cutoffs}
    if "text" in cutoffs:
        data["cutoff"] = result.cutoffs["text"]  # what purge-text records: older verifiers read it
    data["signature"] = sign_record(store.signer, "purge", access.request_id, data["occurred_at"], result.cutoffs)

    def record(tx: AppendTransaction) -> int:
        appended = tx.append("purge", access.request_id, data)
        tx.index.add(row_for_entry(appended.seq, "purge", data))
        return appended.seq

    record_seq = store.run_in_chain(record, f"retention {access.request_id}")
    assert isinstance(record_seq, int)
    result.record_seq = record_seq
    for kind, cutoff in cutoffs.items():
        rule = rule_name(kind, days[kind])  # type: ignore[arg-type]
        result.removed[kind] = 0
        while True:
            with store.engine.begin() as connection:
                pairs = _candidates(connection, kind, cutoff, record_seq, BATCH)
                result.removed[kind] += remove(connection, pairs, rule, record_seq, now)
                if kind == "identity":
                    mark_identity(connection, [seq for seq, section in pairs if section == IDENTITY], rule)
            if len(pairs) < BATCH:
                break
    with store.engine.begin() as connection:
        result.kept_in_body = _kept_in_body(connection, cutoffs)
        result.exception_requests = _purge_exception_requests(connection, cutoffs)
        result.policy_reloads = _purge_policy_reloads(connection, cutoffs)
    return result


def _purge_exception_requests(connection: Connection, cutoffs: dict[str, datetime]) -> int:
    table = exception_requests.c
    changed = 0
    if "identity" in cutoffs:
        old = table.created_at < cutoffs["identity"]
        changed += connection.execute(
            update(exception_requests)
            .where(old, table.user_id.not_in([PURGED, ERASED]))
            .values(user_id=PURGED, department=PURGED)
        ).rowcount
        connection.execute(
            update(exception_requests)
            .where(old, table.decided_by.is_not(None), table.decided_by.not_in([PURGED, ERASED]))
            .values(decided_by=PURGED)
        )
    if "text" in cutoffs:
        changed += connection.execute(
            update(exception_requests)
            .where(and_(table.created_at < cutoffs["text"], table.justification.not_in([PURGED, ERASED])))
            .values(justification=PURGED)
        ).rowcount
    return changed


# Reloads no person asked for: at the gateway's start, and by the policy file watcher (``proxy.policy.reloads``).
SYSTEM_RELOADS = ("start", "watch")


def _purge_policy_reloads(connection: Connection, cutoffs: dict[str, datetime]) -> int:
    if "identity" not in cutoffs:
        return 0
    table = policy_reloads.c
    return int(
        connection.execute(
            update(policy_reloads)
            .where(
                table.at < cutoffs["identity"],
                table.via.not_in(SYSTEM_RELOADS),
                table.actor.not_in([PURGED, ERASED]),
            )
            .values(actor=PURGED)
        ).rowcount
    )
