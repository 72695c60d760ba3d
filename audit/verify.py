"""Proving the audit trail was not altered: ``handrail audit verify``.

Reads the ledger in ``seq`` order and checks, for every entry:

1. it is the next number (a gap means entries were deleted);
2. its body is canonical JSON naming its own ``seq`` (another number means rows were swapped or renumbered, e.g. to
   make room for an inserted entry);
3. its body's ``prev`` is the hash of the entry before (otherwise an entry was inserted, deleted or altered);
4. its hash is the SHA-256 of its body, and its columns say what the body says (otherwise it was altered);
5. its text hashes to the body's ``text_sha256``; a missing text must be covered by a later purge entry whose cutoff
   is after the entry was recorded;

then that every checkpoint is correctly signed, numbered without gaps, and names the hash the ledger has at its
``seq`` — so a tail cut off after a checkpoint is reported — and that the chain head row agrees with the last entry.
Finally the query index and rollups are recomputed from the ledger and compared, so an edit to what auditors are
shown is reported too. Problems are listed in chain order; the first is the first altered, deleted, inserted or
reordered entry.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from audit.attestations import DATABASE, WITNESS, Claim, database_claims, kept_claim, witness_claims
from audit.canonical import GENESIS_HASH, canonical_json, format_time, sha256_hex, utc
from audit.index import INDEX_KIND, completed_row, row_for_entry
from audit.removal_cover import RemovalCover, load_cover
from audit.schema import (
    audit_chain_head,
    audit_checkpoints,
    audit_daily_counts,
    audit_daily_reasons,
    audit_event_labels,
    audit_events,
    audit_ledger,
)
from audit.sections import Sections, read_section_range, read_sections
from audit.signing import UNSIGNED, KeyRing

BATCH = 5000
# Every column of the index but its key, which the chain position gives.
INDEX_COLUMNS = tuple(name for name in audit_events.c.keys() if name != "request_seq")


@dataclass(frozen=True, slots=True)
class Problem:
    # deleted | reordered | inserted | altered | text | truncated | checkpoint | head | index, or unverifiable (a
    # checkpoint signed by a key that was not given: not evidence of tampering, but not proof of its absence either)
    kind: str
    seq: int | None
    message: str

    def to_document(self) -> dict[str, Any]:
        return {"kind": self.kind, "seq": self.seq, "message": self.message}


@dataclass
class Report:
    entries: int = 0
    last_seq: int = 0
    last_hash: str = GENESIS_HASH
    checkpoints: int = 0
    signed_through: int = 0  # the highest seq covered by a checkpoint whose signature was checked
    unsigned_checkpoints: int = 0
    witnessed_checkpoints: int = 0
    witnessed_through: int = 0  # the highest seq covered by a witnessed checkpoint that matches the chain
    purged_texts: int = 0
    purged_entries: int = 0  # entries with identity, evidence or text removed by retention (audit.retention)
    erased_entries: int = 0  # entries with content removed by a subject erasure (audit.erasure)
    erasures: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems_left_out: int = 0

    @property
    def intact(self) -> bool:
        return not self.problems and not self.problems_left_out

    @property
    def tampered(self) -> bool:
        return self.problems_left_out > 0 or any(p.kind != "unverifiable" for p in self.problems)

    def to_document(self) -> dict[str, Any]:
        return {
            "intact": self.intact,
            "tampered": self.tampered,
            "entries": self.entries,
            "last_seq": self.last_seq,
            "last_hash": self.last_hash,
            "checkpoints": self.checkpoints,
            "signed_through": self.signed_through,
            "witnessed_checkpoints": self.witnessed_checkpoints,
            "witnessed_through": self.witnessed_through,
            "purged_texts": self.purged_texts,
            "purged_entries": self.purged_entries,
            "erased_entries": self.erased_entries,
            "erasures": self.erasures,
            "problems": [p.to_document() for p in self.problems],
            "problems_left_out": self.problems_left_out,
            "warnings": self.warnings,
        }


class _Collector:
    def __init__(self, report: Report, limit: int) -> None:
        self.report = report
        self.limit = limit

    def add(self, kind: str, seq: int | None, message: str) -> None:
        if len(self.report.problems) < self.limit:
            self.report.problems.append(Problem(kind, seq, message))
        else:
            self.report.problems_left_out += 1


def verify(
    engine: Engine,
    keys: KeyRing,
    *,
    check_index: bool = True,
    max_problems: int = 20,
    external_checkpoint: dict[str, Any] | None = None,
    witness: list[tuple[int, dict[str, Any]]] | None = None,
) -> Report:
    """Check the whole trail; see the module documentation for what is checked. Only reads: give it an engine
    that cannot write (``audit.database.read_only_engine``) to have the database enforce that too."""
    report = Report()
    problems = _Collector(report, max_problems)
    with engine.connect() as connection:
        rows = [
            dict(r)
            for r in connection.execute(select(audit_checkpoints).order_by(audit_checkpoints.c.number)).mappings()
        ]
        report.checkpoints = len(rows)
        claims = database_claims(rows, keys, problems)
        report.unsigned_checkpoints = sum(1 for row in rows if row["algorithm"] == UNSIGNED)
        in_database = {claim.number: claim for claim in claims}
        if external_checkpoint is not None:
            kept = kept_claim(external_checkpoint, keys, in_database, problems)
            claims += [kept] if kept is not None else []
        if witness is not None:
            witnessed = witness_claims(witness, keys, in_database, problems)
            report.witnessed_checkpoints = len(witnessed)
            claims += witnessed
            if not witnessed:
                report.warnings.append("the witness log holds no checkpoint: it cannot show that the tail is complete")
        at_seq: dict[int, list[Claim]] = {}
        for claim in claims:
            at_seq.setdefault(claim.seq, []).append(claim)
        purges = _purge_cutoffs(connection)
        cover = load_cover(connection, keys, problems)
        counts = _check_chain(connection, report, problems, at_seq, purges, cover)
        report.erasures = cover.erasures
        report.purged_entries = len(cover.tally.purged - cover.tally.erased)
        report.erased_entries = len(cover.tally.erased)
        beyond = sorted((c for c in claims if c.seq > report.last_seq), key=lambda c: (c.seq, c.origin != DATABASE))
        if beyond:
            claim = beyond[0]
            problems.add(
                "truncated",
                report.last_seq + 1,
                f"the ledger ends at entry {report.last_seq}, but {claim.name} records entry {claim.seq}: "
                f"entries {report.last_seq + 1}..{claim.seq} were deleted (the tail was cut off)",
            )
        _check_head(connection, report, problems)
        if check_index:
            _check_index(connection, counts, problems)
            _check_rollups(connection, problems)
    if report.unsigned_checkpoints and not keys.requires_signatures:
        report.warnings.append(
            f"{report.unsigned_checkpoints} checkpoint(s) are not signed (no checkpoint key was configured or given): "
            "they reveal careless truncation, but anyone able to write to the database could forge them."
        )
    if report.signed_through and report.last_seq > report.signed_through:
        report.warnings.append(
            f"entries {report.signed_through + 1}..{report.last_seq} are not yet covered by a signed checkpoint "
            "('handrail audit checkpoint' writes one now)."
        )
    return report


# --- the chain ---------------------------------------------------------------------------------------------------


def _purge_cutoffs(connection: Connection) -> list[tuple[int, str]]:
    """(seq, cutoff) of every purge entry, read before the chain is walked (the walk then checks them too)."""
    cutoffs = []
    for seq, body in connection.execute(
        select(audit_ledger.c.seq, audit_ledger.c.body).where(audit_ledger.c.kind == "purge")
    ):
        try:
            data = json.loads(body)["data"]
            if "cutoffs" in data:
                continue  # a signed retention record: audit.removal_cover checks its signature and reads it
            cutoffs.append((seq, data["cutoff"]))
        except (ValueError, KeyError, TypeError):
            continue
    return cutoffs


def _purged_legitimately(seq: int, recorded_at: str, purges: list[tuple[int, str]]) -> bool:
    return any(purge_seq > seq and recorded_at < cutoff for purge_seq, cutoff in purges)


def _ledger_rows(connection: Connection) -> Iterator[tuple[Any, ...]]:
    last = 0
    while True:
        rows = connection.execute(
            select(
                audit_ledger.c.seq,
                audit_ledger.c.kind,
                audit_ledger.c.request_id,
                audit_ledger.c.recorded_at,
                audit_ledger.c.body,
                audit_ledger.c.text,
                audit_ledger.c.hash,
            )
            .where(audit_ledger.c.seq > last)
            .order_by(audit_ledger.c.seq)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        yield from (tuple(row) for row in rows)
        last = rows[-1][0]


@dataclass
class _Counts:
    indexed: int = 0  # entries that have an index row (requests, accesses, purges)
    completions: int = 0


def _check_chain(
    connection: Connection,
    report: Report,
    problems: _Collector,
    checkpoints: dict[int, list[Claim]],
    purges: list[tuple[int, str]],
    cover: RemovalCover,
) -> _Counts:
    counts = _Counts()
    sections = Sections()
    loaded_through = 0
    expected_seq = 1
    previous_hash = GENESIS_HASH
    last_good_checkpoint = 0
    for seq, kind, request_id, recorded_at, body, text, stored_hash in _ledger_rows(connection):
        report.entries += 1
        actual_hash = sha256_hex(body)
        if actual_hash != stored_hash and cover.body_erased(seq, actual_hash):
            actual_hash = stored_hash  # a version 1 body rewritten by a signed erasure: its hash is the original's
        document = _parse(body)
        gap = seq != expected_seq
        if gap:
            missing = (
                f"entry {expected_seq} is" if seq == expected_seq + 1 else f"entries {expected_seq}..{seq - 1} are"
            )
            problems.add("deleted", expected_seq, f"{missing} missing: deleted from the ledger")
        if document is None:
            problems.add(
                "altered", seq, f"entry {seq} was altered: its body is not the canonical JSON it was written as"
            )
        elif document.get("seq") != seq:
            written = document.get("seq")
            if isinstance(written, int) and written < seq:
                problems.add(
                    "inserted",
                    seq,
                    f"entry {seq} holds what was written as entry {written}: an entry was "
                    "inserted before it, or entries were copied or renumbered",
                )
            else:
                problems.add(
                    "reordered",
                    seq,
                    f"entry {seq} holds what was written as entry {written}: entries were swapped or moved",
                )
        else:
            if document.get("prev") != previous_hash and not gap:
                if seq == 1:
                    problems.add("inserted", seq, "entry 1 does not start the chain: it was replaced")
                else:
                    problems.add(
                        "altered",
                        seq - 1,
                        f"entry {seq - 1} was altered or replaced: entry {seq} recorded a different hash for it",
                    )
            if actual_hash != stored_hash:
                problems.add("altered", seq, f"entry {seq} was altered: its content no longer matches its hash")
            _check_columns(seq, kind, request_id, recorded_at, document, problems)
            _check_text(seq, text, document, purges, report, problems, cover)
            if seq > loaded_through:  # sealed sections are read a batch of entries at a time
                sections, loaded_through = read_section_range(connection, seq, seq + BATCH - 1), seq + BATCH - 1
            cover.check_entry(seq, document, sections, problems)
        claims = checkpoints.get(seq, ())
        where = (
            f"entry {seq}" if seq == last_good_checkpoint + 1 else f"an entry from {last_good_checkpoint + 1} to {seq}"
        )
        for claim in claims:
            if claim.hash != actual_hash:
                problems.add(
                    "altered",
                    seq,
                    f"{claim.name} records a different hash for entry {seq}: {where} was altered "
                    "and the hashes after it recomputed",
                )
                continue
            if claim.signed:
                report.signed_through = max(report.signed_through, seq)
            if claim.origin == WITNESS:
                report.witnessed_through = max(report.witnessed_through, seq)
        # Blame is narrowed only by a position every claim agrees on and one can be trusted for (a forged unsigned
        # claim that matches a rewritten chain must not move it).
        if claims and all(c.hash == actual_hash for c in claims) and any(c.trusted for c in claims):
            last_good_checkpoint = seq
        if document is not None:
            if document.get("kind") in INDEX_KIND:
                counts.indexed += 1
            elif document.get("kind") == "completion":
                counts.completions += 1
        expected_seq = seq + 1
        # An entry already reported as altered is linked by the hash it was written with, so that the next entry
        # is not blamed for it too.
        previous_hash = stored_hash if actual_hash != stored_hash else actual_hash
        report.last_seq, report.last_hash = seq, actual_hash
    return counts


def _parse(body: str) -> dict[str, Any] | None:
    try:
        document = json.loads(body)
    except ValueError:
        return None
    if not isinstance(document, dict) or canonical_json(document, prepared=True) != body:
        return None
    return document


def _check_columns(
    seq: int, kind: str, request_id: str, recorded_at: object, document: dict[str, Any], problems: _Collector
) -> None:
    differing = [
        name
        for name, column, written in (
            ("kind", kind, document.get("kind")),
            ("request_id", request_id, document.get("request_id")),
            ("recorded_at", format_time(utc(recorded_at)), document.get("recorded_at")),  # type: ignore[arg-type]
        )
        if column != written
    ]
    if differing:
        problems.add(
            "altered", seq, f"entry {seq} was altered: its {', '.join(differing)} column differs from what was written"
        )


def _check_text(
    seq: int,
    text: str | None,
    document: dict[str, Any],
    purges: list[tuple[int, str]],
    report: Report,
    problems: _Collector,
    cover: RemovalCover,
) -> None:
    written = document.get("text_sha256")
    if text is not None:
        if written is None or sha256_hex(text) != written:
            problems.add("text", seq, f"the text of entry {seq} was altered or added after it was written")
    elif written is not None:
        recorded_at = document.get("recorded_at", "")
        if _purged_legitimately(seq, recorded_at, purges) or cover.retained_until(seq, recorded_at, "text"):
            report.purged_texts += 1
            cover.tally.purged.add(seq)
        elif cover.text_erased(seq):
            pass
        else:
            problems.add("text", seq, f"the text of entry {seq} was removed, but no later purge entry covers it")


def _check_head(connection: Connection, report: Report, problems: _Collector) -> None:
    head = connection.execute(
        select(audit_chain_head.c.seq, audit_chain_head.c.hash).where(audit_chain_head.c.id == 1)
    ).first()
    if head is None:
        problems.add("head", None, "the chain head row is missing")
        return
    if head.seq != report.last_seq or head.hash != report.last_hash:
        if head.seq > report.last_seq:
            problems.add(
                "truncated",
                report.last_seq + 1,
                f"the chain head records entry {head.seq}, but the ledger ends at entry {report.last_seq}: "
                "entries at the end were deleted",
            )
        else:
            problems.add(
                "head",
                head.seq,
                f"the chain head records entry {head.seq} ({head.hash[:12]}…), but the ledger ends at entry "
                f"{report.last_seq} ({report.last_hash[:12]}…): entries were added or changed outside the store",
            )


# --- the index ---------------------------------------------------------------------------------------------------


def _check_index(connection: Connection, counts: _Counts, problems: _Collector) -> None:
    indexed_rows = 0
    completed_rows = 0
    label_rows = 0
    last = -1
    while True:
        rows = (
            connection.execute(
                select(audit_events)
                .where(audit_events.c.request_seq > last)
                .order_by(audit_events.c.request_seq)
                .limit(BATCH)
            )
            .mappings()
            .all()
        )
        if not rows:
            break
        last = rows[-1]["request_seq"]
        indexed_rows += len(rows)
        completed_rows += sum(1 for r in rows if r["completion_seq"] is not None)
        seqs = [r["request_seq"] for r in rows] + [r["completion_seq"] for r in rows if r["completion_seq"] is not None]
        bodies: dict[int, str] = dict(
            connection.execute(  # type: ignore[arg-type]  # rows of two columns are pairs
                select(audit_ledger.c.seq, audit_ledger.c.body).where(audit_ledger.c.seq.in_(seqs))
            ).all()
        )
        labels: dict[int, set[str]] = {}
        first, final = rows[0]["request_seq"], rows[-1]["request_seq"]
        for label, request_seq in connection.execute(
            select(audit_event_labels.c.label, audit_event_labels.c.request_seq).where(
                audit_event_labels.c.request_seq >= first, audit_event_labels.c.request_seq <= final
            )
        ):
            labels.setdefault(request_seq, set()).add(label)
            label_rows += 1
        sections = read_sections(connection, seqs)
        for row in rows:
            _check_index_row(dict(row), bodies, labels.get(row["request_seq"], set()), problems, sections)
    if indexed_rows != counts.indexed:
        problems.add(
            "index",
            None,
            f"the index has {indexed_rows} events but the ledger has {counts.indexed}: "
            "index rows were added or deleted",
        )
    if completed_rows != counts.completions:
        problems.add(
            "index",
            None,
            f"the index shows {completed_rows} completed requests but the ledger has {counts.completions} completions",
        )
    total_labels = connection.execute(select(func.count()).select_from(audit_event_labels)).scalar_one()
    if total_labels != label_rows:
        problems.add("index", None, f"{total_labels - label_rows} index labels belong to no indexed event")


def _check_index_row(
    row: dict[str, Any], bodies: dict[int, str], labels: set[str], problems: _Collector, sections: Sections
) -> None:
    seq = row["request_seq"]
    document = _parse(bodies[seq]) if seq in bodies else None
    if document is None or document.get("kind") not in INDEX_KIND:
        problems.add(
            "index", seq, f"index event {row['request_id']} points at entry {seq}, which is not a recorded request"
        )
        return
    expected = row_for_entry(seq, document["kind"], sections.data(document))
    completion_seq = row["completion_seq"]
    if completion_seq is not None:
        completion = _parse(bodies.get(completion_seq, "")) if completion_seq in bodies else None
        if (
            completion is None
            or completion.get("kind") != "completion"
            or completion.get("request_id") != document["request_id"]
        ):
            problems.add(
                "index",
                seq,
                f"index event {row['request_id']} points at entry {completion_seq} as its completion, which it is not",
            )
            return
        expected = completed_row(expected, completion_seq, sections.data(completion))
    differing = [name for name in INDEX_COLUMNS if _normal(name, row[name]) != _normal(name, expected.values[name])]
    if differing:
        problems.add(
            "index",
            seq,
            f"index event {row['request_id']} (entry {seq}) was altered: "
            f"{', '.join(differing)} {'differs' if len(differing) == 1 else 'differ'} from the ledger",
        )
    if labels != set(expected.labels):
        problems.add(
            "index", seq, f"the labels of index event {row['request_id']} (entry {seq}) differ from the ledger"
        )


def _normal(name: str, value: object) -> object:
    if name == "received_at" and value is not None:
        return format_time(utc(value))  # type: ignore[arg-type]
    return value


def _check_rollups(connection: Connection, problems: _Collector) -> None:
    """The stats rollups must equal counts recomputed from the index."""
    from audit.rollups import expected_counts, expected_reasons

    stored = Counter({tuple(r[:-1]): r[-1] for r in connection.execute(select(audit_daily_counts)).all() if r[-1]})
    if stored != expected_counts(connection):
        problems.add("index", None, "the daily counts behind 'stats' differ from the events: they were altered")
    stored = Counter({tuple(r[:-1]): r[-1] for r in connection.execute(select(audit_daily_reasons)).all() if r[-1]})
    if stored != expected_reasons(connection):
        problems.add("index", None, "the daily reason counts behind 'stats' differ from the events: they were altered")
