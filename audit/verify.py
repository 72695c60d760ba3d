"""Proving the audit trail was not altered: ``handrail audit verify``.

Reads each shard (chain, see ``audit.ledger``) in position order and checks, for every entry:

1. it is the shard's next position (a gap means entries were deleted);
2. its body is canonical JSON naming its own shard and position (another means rows were swapped, moved between
   shards or renumbered, e.g. to make room for an inserted entry), and its own global order key, which grows along
   the shard (otherwise the trail's order was changed);
3. its body's ``prev`` is the hash of the shard's entry before (otherwise an entry was inserted, deleted or altered);
4. its hash is the SHA-256 of its body, and its columns say what the body says (otherwise it was altered);
5. its text hashes to the body's ``text_sha256``; a missing text must be covered by a later purge entry whose cutoff
   is after the entry was recorded;

then that every checkpoint is correctly signed, its leaves hash to its Merkle root, it is numbered without gaps,
names every shard the one before named at the same position or later, and names for each shard the hash the ledger
has at that position — so a tail cut off any shard after a checkpoint, or a whole shard dropped, is reported — and
that every shard's head row agrees with the shard's last entry.
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
    audit_checkpoints,
    audit_daily_counts,
    audit_daily_reasons,
    audit_event_labels,
    audit_events,
    audit_ledger,
    audit_shard_heads,
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
    seq: int | None  # the entry's position in its shard
    message: str
    shard: int | None = None

    def to_document(self) -> dict[str, Any]:
        return {"kind": self.kind, "shard": self.shard, "seq": self.seq, "message": self.message}


@dataclass
class ShardReport:
    shard: int
    entries: int = 0
    last_seq: int = 0  # the last entry's position in the shard
    last_hash: str = GENESIS_HASH
    signed_through: int = 0  # the highest position covered by a checkpoint whose signature was checked
    witnessed_through: int = 0

    def to_document(self) -> dict[str, Any]:
        return {
            "shard": self.shard,
            "entries": self.entries,
            "last_seq": self.last_seq,
            "last_hash": self.last_hash,
            "signed_through": self.signed_through,
            "witnessed_through": self.witnessed_through,
        }


@dataclass
class Report:
    entries: int = 0
    last_seq: int = 0  # the global order key of the newest entry
    last_hash: str = GENESIS_HASH
    checkpoints: int = 0
    signed_through: int = 0  # entries covered by checkpoints whose signature was checked (summed over the shards)
    unsigned_checkpoints: int = 0
    witnessed_checkpoints: int = 0
    witnessed_through: int = 0  # entries covered by witnessed checkpoints that match the chains
    purged_texts: int = 0
    shards: list[ShardReport] = field(default_factory=list)
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
            "shards": [shard.to_document() for shard in self.shards],
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
        self.shard: int | None = None  # the shard being walked, given to the problems found there

    def add(self, kind: str, seq: int | None, message: str) -> None:
        if len(self.report.problems) < self.limit:
            self.report.problems.append(Problem(kind, seq, message, self.shard))
        else:
            self.report.problems_left_out += 1


@dataclass(frozen=True, slots=True)
class _Names:
    """How entries are named: "entry 7" in a single-chain trail (as before sharding), "entry 7 of shard 2" else."""

    single: bool

    def entry(self, shard: int, seq: int) -> str:
        return f"entry {seq}" if self.single else f"entry {seq} of shard {shard}"

    def entries(self, shard: int, first: int, last: int) -> str:
        span = f"entry {first}" if first == last else f"entries {first}..{last}"
        return span if self.single else f"{span} of shard {shard}"


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
        at_position: dict[tuple[int, int], list[tuple[Claim, str]]] = {}
        for claim in claims:
            for leaf in claim.leaves:
                at_position.setdefault((leaf.shard, leaf.seq), []).append((claim, leaf.hash))
        heads = {
            shard: (seq, hash_)
            for shard, seq, hash_ in connection.execute(
                select(audit_shard_heads.c.shard, audit_shard_heads.c.seq, audit_shard_heads.c.hash)
            )
        }
        in_ledger = set(connection.execute(select(audit_ledger.c.shard).distinct()).scalars())
        shards = sorted(in_ledger | {s for s, (seq, _) in heads.items() if seq} | {k for k, _ in at_position})
        names = _Names(single=set(shards) <= {0})
        purges = _purge_cutoffs(connection)
        cover = load_cover(connection, keys, problems)
        counts = _Counts()
        for shard in shards:
            problems.shard = shard
            walked = _check_shard(connection, shard, report, problems, names, at_position, purges, cover, counts)
            report.shards.append(walked)
            _check_tail(walked, claims, problems, names)
            _check_head(walked, heads.get(shard), shard in in_ledger, problems, names)
        problems.shard = None
        report.signed_through = sum(shard.signed_through for shard in report.shards)
        report.witnessed_through = sum(shard.witnessed_through for shard in report.shards)
        report.erasures = cover.erasures
        report.purged_entries = len(cover.tally.purged - cover.tally.erased)
        report.erased_entries = len(cover.tally.erased)
        if check_index:
            _check_index(connection, counts, problems)
            _check_rollups(connection, problems)
    if report.unsigned_checkpoints and not keys.requires_signatures:
        report.warnings.append(
            f"{report.unsigned_checkpoints} checkpoint(s) are not signed (no checkpoint key was configured or given): "
            "they reveal careless truncation, but anyone able to write to the database could forge them."
        )
    for shard in report.shards:
        if report.signed_through and shard.last_seq > shard.signed_through:
            report.warnings.append(
                f"{names.entries(shard.shard, shard.signed_through + 1, shard.last_seq)} "
                f"{'is' if shard.last_seq == shard.signed_through + 1 else 'are'} not yet covered by a signed "
                "checkpoint ('handrail audit checkpoint' writes one now)."
            )
    return report


# --- the chains --------------------------------------------------------------------------------------------------


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


def _ledger_rows(connection: Connection, shard: int) -> Iterator[tuple[Any, ...]]:
    """The shard's entries in chain order (the unique index on shard and position), a batch at a time."""
    last = 0
    while True:
        rows = connection.execute(
            select(
                audit_ledger.c.shard_seq,
                audit_ledger.c.seq,
                audit_ledger.c.kind,
                audit_ledger.c.request_id,
                audit_ledger.c.recorded_at,
                audit_ledger.c.body,
                audit_ledger.c.text,
                audit_ledger.c.hash,
            )
            .where(audit_ledger.c.shard == shard, audit_ledger.c.shard_seq > last)
            .order_by(audit_ledger.c.shard_seq)
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


def _written_position(document: dict[str, Any]) -> tuple[object, object, object]:
    """(shard, position in the shard, global order key) as the body records them; a body from before sharding
    (``"v": 1``) is shard 0 at the position it names."""
    if document.get("v") == 1:
        return 0, document.get("seq"), document.get("seq")
    return document.get("shard"), document.get("shard_seq"), document.get("seq")


def _check_shard(
    connection: Connection,
    shard: int,
    report: Report,
    problems: _Collector,
    names: _Names,
    checkpoints: dict[tuple[int, int], list[tuple[Claim, str]]],
    purges: list[tuple[int, str]],
    cover: RemovalCover,
    counts: _Counts,
) -> ShardReport:
    walked = ShardReport(shard)
    sections = Sections()
    loaded_through = 0
    expected_seq = 1
    previous_hash = GENESIS_HASH
    previous_order = 0
    last_good_checkpoint = 0
    for seq, order, kind, request_id, recorded_at, body, text, stored_hash in _ledger_rows(connection, shard):
        walked.entries += 1
        report.entries += 1
        entry = names.entry(shard, seq)
        actual_hash = sha256_hex(body)
        if actual_hash != stored_hash and cover.body_erased(order, actual_hash):
            actual_hash = stored_hash  # a version 1 body rewritten by a signed erasure: its hash is the original's
        document = _parse(body)
        gap = seq != expected_seq
        if gap:
            missing = names.entries(shard, expected_seq, seq - 1)
            problems.add(
                "deleted",
                expected_seq,
                f"{missing} {'is' if seq == expected_seq + 1 else 'are'} missing: deleted from the ledger",
            )
        written_shard, written_seq, written_order = _written_position(document) if document is not None else (0, 0, 0)
        if document is None:
            problems.add("altered", seq, f"{entry} was altered: its body is not the canonical JSON it was written as")
        elif written_shard != shard:
            problems.add(
                "reordered",
                seq,
                f"{entry} holds what was written as entry {written_seq} of shard {written_shard}: entries were "
                "moved between shards",
            )
        elif written_seq != seq:
            if isinstance(written_seq, int) and written_seq < seq:
                problems.add(
                    "inserted",
                    seq,
                    f"{entry} holds what was written as entry {written_seq}: an entry was "
                    "inserted before it, or entries were copied or renumbered",
                )
            else:
                problems.add(
                    "reordered",
                    seq,
                    f"{entry} holds what was written as entry {written_seq}: entries were swapped or moved",
                )
        else:
            if document.get("prev") != previous_hash and not gap:
                if seq == 1:
                    problems.add("inserted", seq, f"{entry} does not start the chain: it was replaced")
                else:
                    problems.add(
                        "altered",
                        seq - 1,
                        f"{names.entry(shard, seq - 1)} was altered or replaced: {entry} recorded a different hash "
                        "for it",
                    )
            if actual_hash != stored_hash:
                problems.add("altered", seq, f"{entry} was altered: its content no longer matches its hash")
            if written_order != order or order <= previous_order:
                # The order key is what queries sort by; it is written in the body and grows along each shard.
                problems.add(
                    "reordered",
                    seq,
                    f"{entry} was moved in the trail's order: its order key {order} is not the {written_order} it "
                    "was written with, or not after the entry before it",
                )
            _check_columns(entry, seq, kind, request_id, recorded_at, document, problems)
            _check_text(entry, seq, order, text, document, purges, report, problems, cover)
            if order > loaded_through:  # sealed sections are read a batch of order keys at a time, shard by shard
                loaded_through = order + BATCH - 1
                sections = read_section_range(connection, order, loaded_through, shard)
            cover.check_entry(order, document, sections, problems, entry, seq)
        previous_order = order
        claims = checkpoints.get((shard, seq), ())
        where = entry if seq == last_good_checkpoint + 1 else f"an entry from {last_good_checkpoint + 1} to {seq}"
        for claim, claimed_hash in claims:
            if claimed_hash != actual_hash:
                problems.add(
                    "altered",
                    seq,
                    f"{claim.name} records a different hash for {entry}: {where} was altered "
                    "and the hashes after it recomputed",
                )
                continue
            if claim.signed:
                walked.signed_through = max(walked.signed_through, seq)
            if claim.origin == WITNESS:
                walked.witnessed_through = max(walked.witnessed_through, seq)
        # Blame is narrowed only by a position every claim agrees on and one can be trusted for (a forged unsigned
        # claim that matches a rewritten chain must not move it).
        if claims and all(h == actual_hash for _, h in claims) and any(c.trusted for c, _ in claims):
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
        walked.last_seq, walked.last_hash = seq, actual_hash
        if order > report.last_seq:
            report.last_seq, report.last_hash = order, actual_hash
    return walked


def _check_tail(walked: ShardReport, claims: list[Claim], problems: _Collector, names: _Names) -> None:
    """A claim on a position past the shard's last entry: the shard's tail, or the whole shard, was deleted."""
    beyond = sorted(
        (
            (leaf.seq, claim.origin != DATABASE, claim.name)
            for claim in claims
            for leaf in claim.leaves
            if leaf.shard == walked.shard and leaf.seq > walked.last_seq
        ),
    )
    if not beyond:
        return
    seq, _, name = beyond[0]
    deleted = names.entries(walked.shard, walked.last_seq + 1, seq)
    if walked.entries == 0 and not names.single:
        problems.add(
            "truncated",
            1,
            f"shard {walked.shard} has no entries, but {name} records its entry {seq}: the whole shard was dropped",
        )
    elif names.single:
        problems.add(
            "truncated",
            walked.last_seq + 1,
            f"the ledger ends at entry {walked.last_seq}, but {name} records entry {seq}: "
            f"{'entries ' + str(walked.last_seq + 1) + '..' + str(seq)} were deleted (the tail was cut off)",
        )
    else:
        problems.add(
            "truncated",
            walked.last_seq + 1,
            f"shard {walked.shard} ends at entry {walked.last_seq}, but {name} records its entry {seq}: "
            f"{deleted} were deleted (the tail was cut off)",
        )


def _parse(body: str) -> dict[str, Any] | None:
    try:
        document = json.loads(body)
    except ValueError:
        return None
    if not isinstance(document, dict) or canonical_json(document, prepared=True) != body:
        return None
    return document


def _check_columns(
    entry: str,
    seq: int,
    kind: str,
    request_id: str,
    recorded_at: object,
    document: dict[str, Any],
    problems: _Collector,
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
            "altered", seq, f"{entry} was altered: its {', '.join(differing)} column differs from what was written"
        )


def _check_text(
    entry: str,
    seq: int,
    order: int,
    text: str | None,
    document: dict[str, Any],
    purges: list[tuple[int, str]],
    report: Report,
    problems: _Collector,
    cover: RemovalCover,
) -> None:
    """``order``: the entry's global order key, which purge entries are compared by."""
    written = document.get("text_sha256")
    if text is not None:
        if written is None or sha256_hex(text) != written:
            problems.add("text", seq, f"the text of {entry} was altered or added after it was written")
    elif written is not None:
        recorded_at = document.get("recorded_at", "")
        if _purged_legitimately(order, recorded_at, purges) or cover.retained_until(order, recorded_at, "text"):
            report.purged_texts += 1
            cover.tally.purged.add(order)
        elif cover.text_erased(order):
            pass
        else:
            problems.add("text", seq, f"the text of {entry} was removed, but no later purge entry covers it")


def _check_head(
    walked: ShardReport, head: tuple[int, str] | None, has_entries: bool, problems: _Collector, names: _Names
) -> None:
    chain = "the chain head" if names.single else f"the head of shard {walked.shard}"
    if head is None:
        if has_entries:
            problems.add("head", None, f"{chain} row is missing")
        return
    seq, hash_ = head
    if seq == walked.last_seq and (seq == 0 or hash_ == walked.last_hash):
        return
    ends = (
        f"the ledger ends at entry {walked.last_seq}"
        if names.single
        else f"shard {walked.shard} ends at entry {walked.last_seq}"
    )
    if seq > walked.last_seq:
        problems.add(
            "truncated",
            walked.last_seq + 1,
            f"{chain} records entry {seq}, but {ends}: entries at the end were deleted",
        )
    else:
        problems.add(
            "head",
            seq,
            f"{chain} records entry {seq} ({hash_[:12]}…), but {ends} ({walked.last_hash[:12]}…): entries were "
            "added or changed outside the store",
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
