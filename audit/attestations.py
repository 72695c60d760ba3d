"""Checkpoints as claims about the chains, from three places, checked against each other before the chains are walked.

A checkpoint says "shard K's entry N has hash H" for every shard (its leaves, under a signed Merkle root, see
``audit.merkle``); one written before sharding says "entry ``seq`` has hash ``hash``", i.e. it has one leaf, for
shard 0. Claims come from the database (``audit_checkpoints``), from a
checkpoint an auditor kept (``verify --checkpoint``) and from a witness log (``verify --witness``, see
``audit.witness``). Each is only as good as its signature, so:

- when a key is known (configured, or given with ``--public-key``) every claim must be signed: an unsigned one is
  what someone with write access to the database would write after rewriting the chain (a downgrade), so it is
  reported as tampering, never accepted with a warning;
- a kept or witnessed checkpoint is compared with the database's checkpoint of the same number, and is always
  compared with the chain at its position, whatever the database holds there;
- a checkpoint's leaves must hash to its signed root, and checkpoints, in the database and witnessed, must be
  consistent with each other (RFC 6962's idea, for hash chains): one content per number, every shard of a checkpoint
  present in the next, at a position that only grows with the number. Because an entry's hash covers every entry before it, a
  claim that matches the chain at its position vouches for the whole prefix, so a matching later claim is proof
  that the chain only grew between them.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Protocol

from audit.canonical import format_time, utc
from audit.merkle import Leaf, merkle_root, parse_leaves
from audit.signing import UNSIGNED, KeyRing, checkpoint_message, merkle_checkpoint_message

DATABASE = "database"
KEPT = "kept"
WITNESS = "witness"


class Problems(Protocol):
    def add(self, kind: str, seq: int | None, message: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Claim:
    name: str  # how the report names it: "checkpoint #3", "the checkpoint you gave", "witnessed checkpoint #3"
    origin: str  # DATABASE, KEPT or WITNESS
    number: int
    seq: int
    hash: str
    signed: bool  # its signature was checked with a known key (not merely a digest)
    trusted: bool  # signed, or an unsigned digest where no key is known; not forged, not of an unknown key
    leaves: tuple[Leaf, ...] = ()  # the positions it vouches for, one per shard
    merkle: bool = False  # over every shard's head (from revision 0004), not a single-chain checkpoint


class RootMismatch(ValueError):
    """A checkpoint's leaves do not hash to its root."""


def claimed_leaves(document: dict[str, Any]) -> tuple[Leaf, ...]:
    """The positions a checkpoint document vouches for; ValueError if its leaves are malformed."""
    leaves = document.get("leaves")
    if leaves is None:
        return (Leaf(0, document["seq"], document["hash"]),) if document["seq"] > 0 else ()
    return parse_leaves(leaves)


def _message(document: dict[str, Any], created_at: str) -> bytes:
    if document.get("leaves") is None:
        return checkpoint_message(
            document["number"], document["seq"], document["hash"], created_at, document["algorithm"], document["key_id"]
        )
    leaves = parse_leaves(document["leaves"])
    root = document.get("root", document["hash"])
    # The root is recomputed from the leaves, not taken on trust: a forged leaf cannot hide behind a signed root.
    if root != merkle_root(leaves) or document["hash"] != root:
        raise RootMismatch
    return merkle_checkpoint_message(
        document["number"], document["seq"], len(leaves), root, created_at, document["algorithm"], document["key_id"]
    )


def _signature(document: dict[str, Any], keys: KeyRing, name: str, problems: Problems) -> bool | None:
    """Whether ``document`` is signed by a known key (True), an acceptable unsigned digest (False), or unusable
    (None: a problem was reported)."""
    try:
        created_at = document["created_at"]
        if not isinstance(created_at, str):
            created_at = format_time(utc(created_at))
        message = _message(document, created_at)
        good = keys.check(document["algorithm"], document["key_id"], message, document["signature"])
    except RootMismatch:
        problems.add(
            "checkpoint",
            None,
            f"{name}'s leaves do not hash to its Merkle root: its leaves or its root were forged or altered",
        )
        return None
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        problems.add("checkpoint", None, f"{name} is incomplete or malformed: {type(error).__name__} {error}")
        return None
    seq = document["seq"]
    if good is None:
        how = (
            "configure it as audit.checkpoint_key"
            if document["algorithm"] == "hmac-sha256"
            else "pass its public key with --public-key"
        )
        problems.add(
            "unverifiable",
            seq,
            f"{name} is signed ({document['algorithm']}) by key {document['key_id']}, which was not given: {how}",
        )
        return None
    if not good:
        problems.add(
            "checkpoint", seq, f"{name} has a signature that does not match its content: it was forged or altered"
        )
        return None
    if document["algorithm"] != UNSIGNED:
        return True
    if keys.requires_signatures:
        problems.add(
            "checkpoint",
            seq,
            f"{name} is not signed, but this trail's checkpoints are (a signing key is "
            "configured or was given): it was written by someone who could write to the "
            "database but not sign, to vouch for a rewritten chain",
        )
        return None
    return False


def _leaves_or_none(document: dict[str, Any], name: str, problems: Problems) -> tuple[Leaf, ...] | None:
    try:
        return claimed_leaves(document)
    except (KeyError, TypeError, ValueError) as error:
        problems.add("checkpoint", None, f"{name} has malformed leaves: {error}")
        return None


def _went_back(before: Claim, after: Claim, problems: Problems, kind: str) -> None:
    """``after`` (a later number) must name every shard ``before`` names, at the same position or later."""
    later = {leaf.shard: leaf.seq for leaf in after.leaves}
    for leaf in before.leaves:
        seq = later.get(leaf.shard)
        if seq is None:
            problems.add(
                kind,
                leaf.seq,
                f"{after.name} leaves out shard {leaf.shard}, which {before.name} records up to entry {leaf.seq}: "
                "the shard was dropped",
            )
        elif seq < leaf.seq:
            where = f"entry {seq}" if leaf.shard == 0 and not after.merkle else f"entry {seq} of shard {leaf.shard}"
            problems.add(
                kind,
                seq,
                f"{after.name} records {where}, before entry {leaf.seq} of #{before.number}: positions only grow, "
                "so the chain was cut back and rewritten",
            )
    if before.merkle and not after.merkle:
        problems.add(
            kind,
            after.seq,
            f"{after.name} is a single-chain checkpoint after {before.name} covered every shard: a downgrade",
        )


def database_claims(rows: list[dict[str, Any]], keys: KeyRing, problems: Problems) -> list[Claim]:
    """The database's checkpoints (ordered by number), numbered without gaps and never going back."""
    claims: list[Claim] = []
    expected_number = 1
    for row in rows:
        if row["number"] != expected_number:
            problems.add(
                "checkpoint", row["seq"], f"checkpoint #{expected_number} is missing (the next is #{row['number']})"
            )
        expected_number = row["number"] + 1
        name = f"checkpoint #{row['number']}"
        signed = _signature(row, keys, name, problems)
        leaves = _leaves_or_none(row, name, problems)
        if leaves is None:
            continue
        # An unusable claim is still compared with the chain: where it matches, it costs nothing; where it does not,
        # the report says where the chain and the (forged or unknown) claim part.
        claim = Claim(
            name,
            DATABASE,
            row["number"],
            row["seq"],
            row["hash"],
            signed is True,
            signed is not None,
            leaves,
            row.get("leaves") is not None,
        )
        if claims:
            _went_back(claims[-1], claim, problems, "checkpoint")
        claims.append(claim)
    return claims


def kept_claim(document: object, keys: KeyRing, database: dict[int, Claim], problems: Problems) -> Claim | None:
    name = "the checkpoint you gave"
    if not isinstance(document, dict):
        problems.add("checkpoint", None, f"{name} is not a JSON object")
        return None
    signed = _signature(document, keys, name, problems)
    if signed is None and not _has_position(document):
        return None
    leaves = _leaves_or_none(document, name, problems)
    if leaves is None:
        return None
    claim = Claim(
        name,
        KEPT,
        document["number"],
        document["seq"],
        document["hash"],
        signed is True,
        signed is not None,
        leaves,
        document.get("leaves") is not None,
    )
    _compare_with_database(claim, database, "kept", problems)
    return claim


def _has_position(document: dict[str, Any]) -> bool:
    return all(isinstance(document.get(key), kind) for key, kind in (("number", int), ("seq", int), ("hash", str)))


def witness_claims(
    entries: list[tuple[int, dict[str, Any]]], keys: KeyRing, database: dict[int, Claim], problems: Problems
) -> list[Claim]:
    """Witnessed checkpoints, one per number, checked for consistency among themselves and with the database."""
    chosen: dict[int, tuple[int, Claim]] = {}
    for line, document in entries:
        name = f"the witnessed checkpoint on line {line}"
        signed = _signature(document, keys, name, problems)
        leaves = _leaves_or_none(document, name, problems) if signed is not None else None
        if signed is None or leaves is None:
            continue
        number = document["number"]
        claim = Claim(
            f"witnessed checkpoint #{number}",
            WITNESS,
            number,
            document["seq"],
            document["hash"],
            signed,
            True,
            leaves,
            document.get("leaves") is not None,
        )
        earlier = chosen.get(number)
        if earlier is None:
            chosen[number] = (line, claim)
        elif (earlier[1].seq, earlier[1].hash) != (claim.seq, claim.hash):
            problems.add(
                "witness",
                claim.seq,
                f"the witness holds two different checkpoints #{number} (lines {earlier[0]} and {line}): the "
                "chain was rewritten and checkpointed again",
            )
    claims = [claim for _, (_, claim) in sorted(chosen.items())]
    for before, after in pairwise(claims):
        # Numbers are given out under the checkpoint head's lock after the heads are read, so positions grow with
        # them; the file order may differ (several gateway processes append to it), the number order may not.
        _went_back(before, after, problems, "witness")
    for claim in claims:
        _compare_with_database(claim, database, "witnessed", problems)
    return claims


def _compare_with_database(claim: Claim, database: dict[int, Claim], adjective: str, problems: Problems) -> None:
    stored = database.get(claim.number)
    if stored is None:
        problems.add(
            "checkpoint",
            claim.seq,
            f"checkpoint #{claim.number} (entry {claim.seq}), which the {'witness holds' if claim.origin == WITNESS else 'you kept'}, "
            "is missing from the database: it was deleted",
        )
    elif (stored.seq, stored.hash) != (claim.seq, claim.hash):
        problems.add(
            "checkpoint",
            stored.seq,
            f"checkpoint #{claim.number} in the database records entry {stored.seq} ({stored.hash[:12]}…), but "
            f"the {adjective} copy records entry {claim.seq} ({claim.hash[:12]}…): the database's checkpoint was "
            "rewritten",
        )
