"""What excuses a missing section when ``verify`` walks the chain: a later retention record or erasure record.

A sealed section (body version 3) that is still held must match its commitment. One that is gone is accepted only if

- a later ``purge`` record, correctly signed, has a cutoff for the section's class after the entry was recorded
  (retention removes by age, so its cutoff is proof enough); or
- a later ``erasure`` record, correctly signed, lists it: the SHA-256 of the (entry, section) pairs recorded under
  that record in ``audit_removals`` must equal the digest the record committed to, so pairs cannot be added to
  excuse a deletion, nor dropped to hide one.

A version 1 or 2 body (which holds identity itself) that an erasure rewrote no longer hashes to its hash column; it is
accepted when a valid erasure record lists it with the SHA-256 the body has now, and the hash column then stands for
the original body (the next entry's ``prev`` and the checkpoints still name it).

Anything else is reported: a section removed with no record that covers it, a section altered or added.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Connection, select

from audit.canonical import SEALED_BODY_VERSION
from audit.erasure import removals_digest
from audit.record_signing import check_record
from audit.schema import audit_ledger, audit_removals
from audit.sealing import BODY, SECTION_CLASS, commitment
from audit.sections import Sections
from audit.signing import KeyRing


class Problems(Protocol):
    def add(self, kind: str, seq: int | None, message: str) -> None: ...


@dataclass
class Tally:
    purged: set[int] = field(default_factory=set)  # entries with content removed by retention
    erased: set[int] = field(default_factory=set)  # entries with content removed by an erasure


@dataclass
class RemovalCover:
    cutoffs: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (record seq, class -> cutoff)
    erased: set[tuple[int, str]] = field(default_factory=set)
    bodies: dict[int, str] = field(default_factory=dict)  # version 1 or 2 bodies an erasure rewrote: seq -> SHA-256
    erasures: int = 0
    tally: Tally = field(default_factory=Tally)

    def retained_until(self, seq: int, recorded_at: str, section: str) -> bool:
        kind = SECTION_CLASS.get(section)
        return any(
            record_seq > seq and kind in cutoffs and recorded_at < cutoffs[kind] for record_seq, cutoffs in self.cutoffs
        )

    def check_entry(
        self,
        seq: int,
        document: dict[str, Any],
        sections: Sections,
        problems: Problems,
        entry: str | None = None,
        position: int | None = None,
    ) -> None:
        """``seq``: the entry's global order key (what sections and records are keyed by); ``entry``: its name in
        problems, ``position``: its position in its shard (default: both from ``seq``)."""
        entry = entry or f"entry {seq}"
        at = seq if position is None else position
        sealed = document.get("sealed")
        if document.get("v") != SEALED_BODY_VERSION:
            return  # versions 1 and 2 seal nothing: their body holds the whole entry
        if not isinstance(sealed, dict):
            problems.add("altered", at, f"{entry} was altered: its sealed commitments are not a mapping")
            return
        present = sections.present.get(seq, {})
        salts = sections.salts.get(seq, {})
        for name, committed in sorted(sealed.items()):
            if name in present:
                if commitment(salts.get(name, ""), present[name]) != committed:
                    problems.add("altered", at, f"the {name} of {entry} was altered after it was written")
            elif (seq, name) in self.erased:
                self.tally.erased.add(seq)
            elif self.retained_until(seq, str(document.get("recorded_at", "")), name):
                self.tally.purged.add(seq)
            else:
                problems.add(
                    "removed",
                    at,
                    f"the {name} of {entry} was removed, but no later retention or erasure covers it",
                )
        for name in sorted(set(present) - set(sealed)):
            problems.add("altered", at, f"{entry} holds a {name} it was not written with: it was added")

    def body_erased(self, seq: int, body_hash: str) -> bool:
        """A version 1 or 2 body an erasure rewrote, exactly as the erasure record committed to."""
        if self.bodies.get(seq) == body_hash:
            self.tally.erased.add(seq)
            return True
        return False

    def text_erased(self, seq: int) -> bool:
        if (seq, "text") in self.erased:
            self.tally.erased.add(seq)
            return True
        return False


def load_cover(connection: Connection, keys: KeyRing, problems: Problems) -> RemovalCover:
    """Read every retention and erasure record, and check their signatures and (erasures) their removal lists."""
    cover = RemovalCover()
    for seq, kind, body in connection.execute(
        select(audit_ledger.c.seq, audit_ledger.c.kind, audit_ledger.c.body)
        .where(audit_ledger.c.kind.in_(("purge", "erasure")))
        .order_by(audit_ledger.c.seq)
    ):
        try:
            data = json.loads(body)["data"]
        except (ValueError, KeyError, TypeError):
            continue  # the chain walk reports the body
        if kind == "purge":
            if not isinstance(data.get("cutoffs"), dict):
                continue  # a purge-text record: its text cutoff is read by verify itself
            if _signature_problem(keys, "purge", data, "cutoffs", seq, problems):
                continue
            cover.cutoffs.append((seq, data["cutoffs"]))
            continue
        cover.erasures += 1
        if _signature_problem(keys, "erasure", data, "erasure", seq, problems):
            continue
        listed = connection.execute(
            select(audit_removals.c.seq, audit_removals.c.section, audit_removals.c.body_sha256).where(
                audit_removals.c.record_seq == seq
            )
        ).all()
        pairs = [(removed_seq, section) for removed_seq, section, _ in listed]
        bodies = {removed_seq: digest for removed_seq, section, digest in listed if section == BODY}
        if removals_digest(pairs, bodies) != data["erasure"].get("removals_sha256"):
            problems.add(
                "erasure",
                seq,
                f"the removals listed under erasure entry {seq} differ from what it recorded: "
                "rows of audit_removals were added, deleted or changed",
            )
            continue
        cover.erased.update(pair for pair in pairs if pair[0] < seq)
        cover.bodies.update((removed_seq, digest) for removed_seq, digest in bodies.items() if removed_seq < seq)
    return cover


def _signature_problem(
    keys: KeyRing, kind: str, data: dict[str, Any], summary_key: str, seq: int, problems: Problems
) -> bool:
    wrong = check_record(keys, kind, data, summary_key)
    if wrong is None:
        return False
    if wrong.startswith("unverifiable"):
        problems.add("unverifiable", seq, f"the {kind} record at entry {seq} is {wrong}")
    else:
        problems.add("altered", seq, f"the {kind} record at entry {seq} cannot be trusted: {wrong}")
    return True
