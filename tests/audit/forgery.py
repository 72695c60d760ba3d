"""What someone with write access to the audit database (but not the signing key) can do, for the tamper tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, insert, select, update

from audit.canonical import format_time, sha256_hex
from audit.schema import audit_checkpoint_head, audit_checkpoints, audit_ledger, audit_sealed, audit_shard_heads
from audit.signing import DigestOnly, checkpoint_message


def rows(engine: Engine) -> dict[int, dict]:
    with engine.connect() as connection:
        return {r["seq"]: dict(r) for r in connection.execute(select(audit_ledger)).mappings()}


def change(engine: Engine, *statements) -> None:
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(statement)


def _dump(document: dict) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def rewrite_chain(engine: Engine, first: int, edit: Callable[[dict], None]) -> str:
    """Edit entry ``first`` with ``edit`` and recompute every later link and hash, and the head; return the new
    head hash. The chain then links up perfectly: only a signature or a copy kept elsewhere can tell."""
    original = rows(engine)
    previous = original[first - 1]["hash"] if first > 1 else "0" * 64
    for seq in range(first, max(original) + 1):
        document = json.loads(original[seq]["body"])
        if seq == first:
            edit(document)
        document["prev"] = previous
        body = _dump(document)
        previous = sha256_hex(body)
        change(engine, update(audit_ledger).where(audit_ledger.c.seq == seq).values(body=body, hash=previous))
    change(engine, update(audit_shard_heads).where(audit_shard_heads.c.shard == 0).values(hash=previous))
    return previous


def cut_tail(engine: Engine, first: int) -> None:
    """Delete entries ``first``.. and every checkpoint over them, and move the head back: a clean truncation."""
    change(
        engine,
        delete(audit_ledger).where(audit_ledger.c.seq >= first),
        delete(audit_sealed).where(audit_sealed.c.seq >= first),  # their identity and evidence, kept beside them
        delete(audit_checkpoints).where(audit_checkpoints.c.seq >= first),
    )
    with engine.connect() as connection:
        last = (
            connection.execute(select(audit_checkpoints).order_by(audit_checkpoints.c.number.desc()).limit(1))
            .mappings()
            .one()
        )
    kept = rows(engine)[first - 1]
    change(
        engine,
        update(audit_shard_heads).where(audit_shard_heads.c.shard == 0).values(seq=first - 1, hash=kept["hash"]),
        update(audit_checkpoint_head).values(checkpoint_number=last["number"], checkpoint_at=last["created_at"]),
    )


def append_forged(engine: Engine, template_seq: int, count: int, user: str = "forger@example.gov.uk") -> str:
    """Append ``count`` well-formed entries after the current last one, copied from ``template_seq`` with another
    user, chained properly, and move the head; return the new head hash."""
    existing = rows(engine)
    template = existing[template_seq]
    seq = max(existing)
    previous = existing[seq]["hash"]
    for _ in range(count):
        seq += 1
        document = json.loads(template["body"])
        document.update(seq=seq, shard_seq=seq, prev=previous, request_id=f"req_forged_{seq}", text_sha256=None)
        if "sealed" in document:  # well-formed: a version 3 body commits to no section it does not have
            document["sealed"] = {}
        document["data"]["user_id"] = user
        document["data"]["request_id"] = f"req_forged_{seq}"
        body = _dump(document)
        previous = sha256_hex(body)
        change(
            engine,
            insert(audit_ledger).values(
                seq=seq,
                shard=0,
                shard_seq=seq,
                kind=template["kind"],
                request_id=f"req_forged_{seq}",
                recorded_at=template["recorded_at"],
                body=body,
                text=None,
                hash=previous,
            ),
        )
    change(engine, update(audit_shard_heads).where(audit_shard_heads.c.shard == 0).values(seq=seq, hash=previous))
    return previous


def unsigned_checkpoint(number: int, seq: int, hash_: str) -> dict:
    """A checkpoint anyone can make: the 'signature' is a plain SHA-256 of the message (no key)."""
    created_at = datetime.now(UTC)
    signer = DigestOnly()
    message = checkpoint_message(number, seq, hash_, format_time(created_at), signer.algorithm, signer.key_id)
    return {
        "number": number,
        "seq": seq,
        "hash": hash_,
        "created_at": created_at,
        "algorithm": signer.algorithm,
        "key_id": signer.key_id,
        "signature": signer.sign(message),
    }


def replace_checkpoint(engine: Engine, checkpoint: dict) -> None:
    change(
        engine,
        delete(audit_checkpoints).where(audit_checkpoints.c.number == checkpoint["number"]),
        insert(audit_checkpoints).values(**checkpoint),
    )
