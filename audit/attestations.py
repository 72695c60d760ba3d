"""Checkpoints as claims about the chain, from three places, checked against each other before the chain is walked.

A checkpoint says "entry ``seq`` has hash ``hash``". Claims come from the database (``audit_checkpoints``), from a
checkpoint an auditor kept (``verify --checkpoint``) and from a witness log (``verify --witness``, see
``audit.witness``). Each is only as good as its signature, so:

- when a key is known (configured, or given with ``--public-key``) every claim must be signed: an unsigned one is
  what someone with write access to the database would write after rewriting the chain (a downgrade), so it is
  reported as tampering, never accepted with a warning;
- a kept or witnessed checkpoint is compared with the database's checkpoint of the same number, and is always
  compared with the chain at its position, whatever the database holds there;
- witnessed checkpoints must be consistent with each other (RFC 6962's idea, for a hash chain): one content per
  number, and positions that only grow with the number. Because an entry's hash covers every entry before it, a
  claim that matches the chain at its position vouches for the whole prefix, so a matching later claim is proof
  that the chain only grew between them.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Protocol

from audit.canonical import format_time, utc
from audit.signing import UNSIGNED, KeyRing, checkpoint_message

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


def _signature(document: dict[str, Any], keys: KeyRing, name: str, problems: Problems) -> bool | None:
    """Whether ``document`` is signed by a known key (True), an acceptable unsigned digest (False), or unusable
    (None: a problem was reported)."""
    try:
        created_at = document["created_at"]
        if not isinstance(created_at, str):
            created_at = format_time(utc(created_at))
        message = checkpoint_message(
            document["number"], document["seq"], document["hash"], created_at, document["algorithm"], document["key_id"]
        )
        good = keys.check(document["algorithm"], document["key_id"], message, document["signature"])
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


def database_claims(rows: list[dict[str, Any]], keys: KeyRing, problems: Problems) -> list[Claim]:
    """The database's checkpoints (ordered by number), numbered without gaps and never going back."""
    claims = []
    expected_number = 1
    previous_seq = 0
    for row in rows:
        if row["number"] != expected_number:
            problems.add(
                "checkpoint", row["seq"], f"checkpoint #{expected_number} is missing (the next is #{row['number']})"
            )
        expected_number = row["number"] + 1
        if row["seq"] < previous_seq:
            problems.add("checkpoint", row["seq"], f"checkpoint #{row['number']} goes back to entry {row['seq']}")
        previous_seq = row["seq"]
        name = f"checkpoint #{row['number']}"
        signed = _signature(row, keys, name, problems)
        # An unusable claim is still compared with the chain: where it matches, it costs nothing; where it does not,
        # the report says where the chain and the (forged or unknown) claim part.
        claims.append(Claim(name, DATABASE, row["number"], row["seq"], row["hash"], signed is True, signed is not None))
    return claims


def kept_claim(document: object, keys: KeyRing, database: dict[int, Claim], problems: Problems) -> Claim | None:
    name = "the checkpoint you gave"
    if not isinstance(document, dict):
        problems.add("checkpoint", None, f"{name} is not a JSON object")
        return None
    signed = _signature(document, keys, name, problems)
    if signed is None and not _has_position(document):
        return None
    claim = Claim(name, KEPT, document["number"], document["seq"], document["hash"], signed is True, signed is not None)
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
        signed = _signature(document, keys, f"the witnessed checkpoint on line {line}", problems)
        if signed is None:
            continue
        number = document["number"]
        claim = Claim(
            f"witnessed checkpoint #{number}", WITNESS, number, document["seq"], document["hash"], signed, True
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
        # Numbers and positions are given out together under the chain head's lock, so they grow together; the
        # file order may differ (several gateway processes append to it), the number order may not.
        if after.seq < before.seq:
            problems.add(
                "witness",
                after.seq,
                f"witnessed checkpoint #{after.number} records entry {after.seq}, before entry {before.seq} of "
                f"#{before.number}: positions only grow, so the chain was cut back and rewritten",
            )
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
