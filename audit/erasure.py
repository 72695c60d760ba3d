"""Subject erasure: ``handrail audit erase --user USER``.

Removes one person's content and identity from the trail and from every table derived from it, and appends a signed
``erasure`` record, in one transaction with every shard's head locked (so the record and the removals it vouches for
are one fact, and no append on any shard commits in between):

- every request the person sent, its completion, and every access to the trail they made: their sealed
  ``identity``, ``evidence`` and ``subjects`` sections and their text are removed (``audit_removals`` says when and
  under which record); their index rows show ``[erased]`` as user and department, and the daily counts of those
  days are recounted;
- every reading of the trail whose ``user`` filter named them: that filter (its ``subjects`` section);
- exception requests they made (user, department, justification) or decided (the decider);
- policy reloads they asked for (``policy_reloads.actor``); their console sign-ins are accesses they made, so the
  OIDC subject the issuer gave them (sealed under ``subjects``) goes with the rest;
- their revoked or expired API keys (user, department, description) and their keys' rate-limit buckets. A person
  with a key that still works is not erased: revoke it first, or the trail would go on recording them;
- refusals still waiting in this host's audit spool: it is replayed into the chain first (erasure is refused if it
  cannot be), so none arrives afterwards with the person's identity. Other hosts' spools replay at their next write:
  erase again after that if they held any.

The record holds who ran it (sealed, like any access), when, how many events and entries, the SHA-256 of the sorted
request ids erased and of the sorted (entry, section) pairs removed — never the person's id, in clear or hashed — and
a signature over that summary with the checkpoint key. ``verify`` accepts a removed section only if such a record,
later in the chain, with a good signature and a digest equal to the removals listed under it, covers it.

No hash of the user id is kept, keyed or not: anyone holding the key could test a guess and re-identify the person.
A repeated request is shown done by finding nothing left to erase (the command then writes nothing), and the record
can be matched to the request ids given to the person at the time.

Entries written before body version 3 hold identity and evidence inside their hashed body. Their body is rewritten
with the person erased (``[erased]``) and keeps its hash column, which the next entry's ``prev`` and the checkpoints
name; the erasure record commits to the SHA-256 of each rewritten body, so ``verify`` accepts exactly those bodies
(and any later edit to them is found). The chain no longer proves by itself that the rest of such a body is what was
first written: the signed erasure record vouches for it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, select, update

from audit.canonical import canonical_json, sha256_hex, utc
from audit.events import AccessEvent
from audit.index import row_for_entry
from audit.record_signing import sign_record
from audit.removal import mark_identity, remove, unsealed_body
from audit.schema import (
    api_keys,
    audit_events,
    audit_ledger,
    audit_sealed,
    exception_requests,
    policy_reloads,
    rate_limit_buckets,
)
from audit.sealing import ACCESS_KINDS, BODY, ERASED, SUBJECTS, TEXT, redact_in_body
from audit.sections import CHUNK
from audit.store import AppendTransaction, AuditStore

RULE = "erasure"


class ErasureRefused(Exception):
    """The person cannot be erased now (they still hold a working key, or the spool cannot be replayed); nothing
    was changed."""


@dataclass
class ErasurePlan:
    request_ids: list[str] = field(default_factory=list)
    events: list[int] = field(default_factory=list)  # index rows: requests and accesses the person made
    removals: list[tuple[int, str]] = field(default_factory=list)  # (seq, section), sorted
    identity_seqs: list[int] = field(default_factory=list)  # index rows to mark [erased]
    bodies: dict[int, str] = field(
        default_factory=dict
    )  # version 1 or 2 entries: seq -> the body with the person erased
    exception_requests: int = 0
    policy_reloads: int = 0  # policy reloads the person asked for
    keys: list[str] = field(default_factory=list)
    active_keys: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.removals or self.identity_seqs or self.exception_requests or self.policy_reloads or self.keys)

    def summary(self) -> dict[str, object]:
        """What the chained record says (and its signature covers)."""
        return {
            "events": len(self.events),
            "entries": len({seq for seq, _ in self.removals}),
            "removals": len(self.removals),
            "removals_sha256": removals_digest(self.removals, self.body_digests),
            "request_ids_sha256": sha256_hex(canonical_json(sorted(self.request_ids))),
            "rewritten_bodies": len(self.bodies),
            "exception_requests": self.exception_requests,
            "policy_reloads": self.policy_reloads,
            "keys": len(self.keys),
        }

    @property
    def body_digests(self) -> dict[int, str]:
        return {seq: sha256_hex(body) for seq, body in self.bodies.items()}


def removals_digest(pairs: Iterable[tuple[int, str]], body_digests: Mapping[int, str]) -> str:
    """What an erasure record commits to: each (seq, section) removed, and for a rewritten version 1 or 2 body the
    SHA-256 of what it was rewritten to."""
    listed = [[seq, section, *([body_digests.get(seq)] if section == BODY else [])] for seq, section in sorted(pairs)]
    return sha256_hex(canonical_json(listed))


def plan(connection: Connection, user: str) -> ErasurePlan:
    """Everything of ``user`` still held: reads only."""
    found = ErasurePlan()
    events = audit_events.c
    rows = connection.execute(
        select(events.request_seq, events.completion_seq, events.request_id, events.kind).where(events.user_id == user)
    ).all()
    found.events = sorted(row.request_seq for row in rows)
    found.request_ids = sorted(row.request_id for row in rows if row.kind == "request")
    seqs = sorted({row.request_seq for row in rows} | {row.completion_seq for row in rows if row.completion_seq})
    found.bodies = _rewritten_bodies(connection, seqs, user)
    pairs: set[tuple[int, str]] = {(seq, BODY) for seq in found.bodies}
    for start in range(0, len(seqs), CHUNK):
        chunk = seqs[start : start + CHUNK]
        pairs.update(
            (seq, section)
            for seq, section in connection.execute(
                select(audit_sealed.c.seq, audit_sealed.c.section).where(audit_sealed.c.seq.in_(chunk))
            )
        )
        pairs.update(
            (seq, TEXT)
            for seq in connection.execute(
                select(audit_ledger.c.seq).where(audit_ledger.c.seq.in_(chunk), audit_ledger.c.text.is_not(None))
            ).scalars()
        )
    pairs.update((seq, SUBJECTS) for seq in _naming(connection, user))
    found.removals = sorted(pairs)
    found.identity_seqs = list(found.events)
    found.exception_requests = len(
        connection.execute(
            select(exception_requests.c.exception_id).where(
                (exception_requests.c.user_id == user) | (exception_requests.c.decided_by == user)
            )
        ).all()
    )
    found.policy_reloads = len(
        connection.execute(select(policy_reloads.c.reload_id).where(policy_reloads.c.actor == user)).all()
    )
    now = datetime.now(UTC)
    for key_id, revoked_at, expires_at in connection.execute(
        select(api_keys.c.key_id, api_keys.c.revoked_at, api_keys.c.expires_at).where(api_keys.c.user_id == user)
    ):
        works = revoked_at is None and (expires_at is None or utc(expires_at) > now)
        (found.active_keys if works else found.keys).append(key_id)
    return found


def _rewritten_bodies(connection: Connection, own: list[int], user: str) -> dict[int, str]:
    """Version 1 entries hold identity and evidence in their body: each one of the person's (and each reading that
    named them) with the person erased in place. The hash column keeps the original hash the chain links to; the
    signed erasure record commits to the rewritten body's digest, which is what ``verify`` then checks."""
    ledger = audit_ledger.c
    in_body = unsealed_body()
    rows: list[tuple[int, str, str, bool]] = []
    for start in range(0, len(own), CHUNK):
        chunk = own[start : start + CHUNK]
        statement = select(ledger.seq, ledger.kind, ledger.body).where(ledger.seq.in_(chunk), in_body)
        rows += [(seq, kind, body, True) for seq, kind, body in connection.execute(statement)]
    needle = canonical_json(user)[1:-1]
    naming = select(ledger.seq, ledger.kind, ledger.body).where(
        ledger.kind.in_(sorted(ACCESS_KINDS)), in_body, ledger.body.contains(needle, autoescape=True)
    )
    mine = set(own)
    rows += [(seq, kind, body, False) for seq, kind, body in connection.execute(naming) if seq not in mine]
    bodies = {}
    for seq, kind, body, whole in rows:
        document = json.loads(body)
        redacted = redact_in_body(kind, document.get("data") or {}, whole, user)
        if redacted != document.get("data"):
            bodies[seq] = canonical_json({**document, "data": redacted}, prepared=True)
    return bodies


def _naming(connection: Connection, user: str) -> list[int]:
    """Entries whose subjects section names the user (an auditor searched for them)."""
    needle = canonical_json(user)[1:-1]  # as it is spelled inside the stored canonical JSON
    naming = []
    for seq, content in connection.execute(
        select(audit_sealed.c.seq, audit_sealed.c.content).where(
            audit_sealed.c.section == SUBJECTS, audit_sealed.c.content.contains(needle, autoescape=True)
        )
    ):
        named = json.loads(content).get("user")
        if named == user or (isinstance(named, list) and user in named):
            naming.append(seq)
    return naming


@dataclass
class ErasureResult:
    plan: ErasurePlan
    record_seq: int | None = None
    dry_run: bool = False

    def to_document(self) -> dict[str, object]:
        return {
            "dry_run": self.dry_run,
            "record_seq": self.record_seq,
            **self.plan.summary(),
            "request_ids": self.plan.request_ids,
        }


def erase(store: AuditStore, user: str, access: AccessEvent, reason: str | None, dry_run: bool) -> ErasureResult:
    """Erase ``user``; see the module documentation. ``dry_run``: only say what would be erased (writes nothing)."""
    if not dry_run and store.spool is not None and store.spool.has_pending():
        # Refusals held in the spool would otherwise reach the chain after the erasure, identity and all.
        store.replay_spool()
        if store.spool.has_pending():
            raise ErasureRefused("the audit spool holds refusals the store cannot take yet: replay it first")
    with store.engine.connect() as connection:
        preview = plan(connection, user)
    if preview.active_keys:
        raise ErasureRefused(
            f"{len(preview.active_keys)} API key(s) of this user still work ({', '.join(preview.active_keys)}): "
            "revoke them first ('handrail keys revoke KEY_ID'), then erase"
        )
    if dry_run or preview.empty:
        return ErasureResult(preview, dry_run=dry_run)
    outcome: dict[str, object] = {}

    def apply(tx: AppendTransaction) -> int | None:
        connection = tx.chain.connection
        found = plan(connection, user)  # again, under every shard's lock: nothing can slip in between
        outcome["plan"] = found
        if found.active_keys:
            raise ErasureRefused("a key of this user was issued meanwhile: revoke it, then erase")
        if found.empty:
            return None
        summary = found.summary()
        data = {**access.to_dict(), "reason": reason, "erasure": summary}
        data["signature"] = sign_record(store.signer, "erasure", access.request_id, data["occurred_at"], summary)
        appended = tx.append("erasure", access.request_id, data)
        tx.index.add(row_for_entry(appended.seq, "erasure", data))
        now = datetime.now(UTC)
        remove(connection, found.removals, RULE, appended.seq, now, found.bodies)
        mark_identity(connection, found.identity_seqs, RULE)
        _erase_tables(connection, user, found.keys)
        return appended.seq

    record_seq = store.run_in_chain(apply, f"erasure {access.request_id}", every_shard=True)
    found = outcome.get("plan")
    return ErasureResult(found if isinstance(found, ErasurePlan) else preview, record_seq)  # type: ignore[arg-type]


def _erase_tables(connection: Connection, user: str, keys: list[str]) -> None:
    table = exception_requests.c
    connection.execute(
        update(exception_requests)
        .where(table.user_id == user)
        .values(user_id=ERASED, department=ERASED, justification=ERASED)
    )
    connection.execute(update(exception_requests).where(table.decided_by == user).values(decided_by=ERASED))
    connection.execute(update(policy_reloads).where(policy_reloads.c.actor == user).values(actor=ERASED))
    if keys:
        connection.execute(
            update(api_keys)
            .where(api_keys.c.key_id.in_(keys))
            .values(user_id=ERASED, department=ERASED, description=None)
        )
        connection.execute(
            delete(rate_limit_buckets).where(rate_limit_buckets.c.bucket.in_([f"key:{key}" for key in keys]))
        )
