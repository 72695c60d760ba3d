"""Reading entries' sealed sections back: what is still kept, and what was removed, when and by which rule.

Queries, exports, the console and ``verify`` read an entry's data through ``entry_data``, so a removed field reads
``[purged]`` or ``[erased]`` everywhere, and the index ``verify`` recomputes is the one the store wrote.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from audit.canonical import format_time, utc
from audit.schema import audit_ledger, audit_removals, audit_sealed
from audit.sealing import unseal

CHUNK = 900  # bound parameters per IN (...), below SQLite's limit


@dataclass(frozen=True, slots=True)
class Removal:
    rule: str
    removed_at: datetime
    record_seq: int

    def to_document(self) -> dict[str, Any]:
        return {"rule": self.rule, "at": format_time(utc(self.removed_at)), "record": self.record_seq}


@dataclass(slots=True)
class Sections:
    """The sealed sections of some entries: seq -> section -> content (canonical JSON) or removal."""

    present: dict[int, dict[str, str]] = field(default_factory=dict)
    salts: dict[int, dict[str, str]] = field(default_factory=dict)
    removed: dict[int, dict[str, Removal]] = field(default_factory=dict)

    def data(self, document: dict[str, Any]) -> dict[str, Any]:
        """The entry's data as recorded, with removed fields marked (a version 1 body is its own data)."""
        return entry_data(document, self)


def read_sections(connection: Connection, seqs: Iterable[int]) -> Sections:
    wanted = sorted(set(seqs))
    found = Sections()
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        for seq, section, salt, content in connection.execute(
            select(audit_sealed.c.seq, audit_sealed.c.section, audit_sealed.c.salt, audit_sealed.c.content).where(
                audit_sealed.c.seq.in_(chunk)
            )
        ):
            found.present.setdefault(seq, {})[section] = content
            found.salts.setdefault(seq, {})[section] = salt
        for seq, section, rule, removed_at, record_seq in connection.execute(
            select(
                audit_removals.c.seq,
                audit_removals.c.section,
                audit_removals.c.rule,
                audit_removals.c.removed_at,
                audit_removals.c.record_seq,
            ).where(audit_removals.c.seq.in_(chunk))
        ):
            found.removed.setdefault(seq, {})[section] = Removal(rule, removed_at, record_seq)
    return found


def read_section_range(connection: Connection, first: int, last: int, shard: int | None = None) -> Sections:
    """The sections of the entries with order keys ``first``..``last`` (of ``shard`` only, if given): ``verify``
    walks each shard in such batches."""
    found = Sections()
    sealed = select(audit_sealed.c.seq, audit_sealed.c.section, audit_sealed.c.salt, audit_sealed.c.content).where(
        audit_sealed.c.seq >= first, audit_sealed.c.seq <= last
    )
    removals = select(
        audit_removals.c.seq,
        audit_removals.c.section,
        audit_removals.c.rule,
        audit_removals.c.removed_at,
        audit_removals.c.record_seq,
    ).where(audit_removals.c.seq >= first, audit_removals.c.seq <= last)
    if shard is not None:
        sealed = sealed.join(audit_ledger, audit_ledger.c.seq == audit_sealed.c.seq).where(
            audit_ledger.c.shard == shard
        )
        removals = removals.join(audit_ledger, audit_ledger.c.seq == audit_removals.c.seq).where(
            audit_ledger.c.shard == shard
        )
    for seq, section, salt, content in connection.execute(sealed):
        found.present.setdefault(seq, {})[section] = content
        found.salts.setdefault(seq, {})[section] = salt
    for seq, section, rule, removed_at, record_seq in connection.execute(removals):
        found.removed.setdefault(seq, {})[section] = Removal(rule, removed_at, record_seq)
    return found


def entry_data(document: dict[str, Any], sections: Sections) -> dict[str, Any]:
    data: dict[str, Any] = document.get("data") or {}
    sealed = document.get("sealed")
    seq = document.get("seq")
    if not isinstance(sealed, dict) or not isinstance(seq, int):
        return data
    present = {name: content for name, content in sections.present.get(seq, {}).items() if name in sealed}
    removed = {
        name: removal.rule
        for name, removal in sections.removed.get(seq, {}).items()
        if name in sealed and name not in present
    }
    return unseal(str(document.get("kind")), data, present, removed)
