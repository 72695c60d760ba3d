"""Removing content from recorded entries, the one way retention and erasure both do it.

A removed section's row leaves ``audit_sealed`` (a removed text is blanked in the ledger) and ``audit_removals``
records when, by which rule and under which chained record; the index rows that showed the removed identity are
marked ``[purged]`` / ``[erased]`` and the daily counts of their days recounted, since they are keyed by department.
Entry bodies and hashes are never touched: the chain verifies as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, bindparam, delete, insert, or_, select, tuple_, update

from audit.canonical import sha256_hex
from audit.rollups import recount_days
from audit.schema import audit_events, audit_ledger, audit_removals, audit_sealed
from audit.sealing import BODY, TEXT, tombstone
from audit.sections import CHUNK


def unsealed_body() -> ColumnElement[bool]:
    """Entries whose body holds identity and evidence itself: version 1 (legacy) and 2 (sharded, nothing sealed).
    ``"v"`` is the body's last key (keys are sorted, and ``data`` its first)."""
    body = audit_ledger.c.body
    return or_(body.like('{"data":%"v":1}'), body.like('{"data":%"v":2}'))


def remove(
    connection: Connection,
    pairs: Iterable[tuple[int, str]],
    rule: str,
    record_seq: int,
    now: datetime,
    bodies: Mapping[int, str] | None = None,
) -> int:
    """Remove each (seq, section) — ``text`` for an entry's text, ``body`` for a version 1 or 2 body rewritten to
    ``bodies[seq]`` (its hash column is kept) — and record the removal; return how many."""
    bodies = bodies or {}
    wanted = sorted(set(pairs))
    for start in range(0, len(wanted), CHUNK // 2):
        chunk = wanted[start : start + CHUNK // 2]
        connection.execute(
            insert(audit_removals),
            [
                {
                    "seq": seq,
                    "section": section,
                    "removed_at": now,
                    "rule": rule,
                    "record_seq": record_seq,
                    "body_sha256": sha256_hex(bodies[seq]) if section == BODY else None,
                }
                for seq, section in chunk
            ],
        )
        sealed = [(seq, section) for seq, section in chunk if section not in (TEXT, BODY)]
        if sealed:
            connection.execute(
                delete(audit_sealed).where(tuple_(audit_sealed.c.seq, audit_sealed.c.section).in_(sealed))
            )
        texts = [seq for seq, section in chunk if section == TEXT]
        if texts:
            connection.execute(update(audit_ledger).where(audit_ledger.c.seq.in_(texts)).values(text=None))
        rewritten = [{"seq_": seq, "body_": bodies[seq]} for seq, section in chunk if section == BODY]
        if rewritten:
            connection.execute(_REWRITE_BODY, rewritten)
    return len(wanted)


_REWRITE_BODY = update(audit_ledger).where(audit_ledger.c.seq == bindparam("seq_")).values(body=bindparam("body_"))


def mark_identity(connection: Connection, seqs: Iterable[int], rule: str) -> None:
    """Index rows whose identity was removed show the tombstone; their days' counts are recounted."""
    wanted = sorted(set(seqs))
    days: set[str] = set()
    mark = tombstone(rule)
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        days.update(
            connection.execute(
                select(audit_events.c.day).where(
                    audit_events.c.request_seq.in_(chunk), audit_events.c.kind == "request"
                )
            ).scalars()
        )
        connection.execute(
            update(audit_events).where(audit_events.c.request_seq.in_(chunk)).values(user_id=mark, department=mark)
        )
    recount_days(connection, days)
