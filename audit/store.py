"""The audit store: every request recorded before anything is forwarded, completed after; fail closed.

A request is two chained ledger entries — ``request`` (written before forwarding, or once with the final outcome
for a refused or failed request) and ``completion`` (written when the answer is finished). Entries are never
updated, so the chain stays immutable; the query index row of the request is what learns the final outcome.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, insert, select, text, update

from audit.canonical import GENESIS_HASH, format_time
from audit.checkpoint import Checkpoint, CheckpointPolicy, latest_checkpoint, write_checkpoint
from audit.database import create_schema, make_engine, writer_connection
from audit.events import AccessEvent, Completion, RequestEvent
from audit.group_commit import GroupCommit, Work
from audit.heartbeat import Heartbeat
from audit.index import IndexWriter, completed_row, request_row, row_for_entry
from audit.ledger import Appended, ChainWriter, CheckpointView, chain_transaction
from audit.schema import audit_checkpoint_head, audit_events, audit_ledger, audit_sealed, audit_shard_heads
from audit.sealing import seal, split
from audit.settings import AuditSettings
from audit.signing import signer_for
from audit.spool import Spool, SpoolError
from audit.witness import witnesses_for

log = logging.getLogger("handrail.audit")
PURGE_BATCH = 5000
# Refusals: nothing was forwarded, so they may be answered before they reach the chain (through the spool).
SPOOLED_OUTCOMES = frozenset({"blocked", "rejected", "failed"})


class AuditUnavailable(Exception):
    """The store could not record an event; the request must be refused."""


@dataclass(frozen=True, slots=True)
class AppendTransaction:
    """What an append sees: the chain (head locked), the index and the sealed sections, written when it ends."""

    chain: ChainWriter
    index: IndexWriter
    sealed: list[dict[str, object]] = field(default_factory=list)

    def append(self, kind: str, request_id: str, data: dict[str, Any], text: str | None = None) -> Appended:
        """Append a version 3 entry: identity, evidence and subjects go beside the body, which commits to them."""
        public, sections = split(kind, data)
        commitments, rows = seal(sections)
        appended = self.chain.append(kind, request_id, public, text, commitments)
        self.sealed.extend({"seq": appended.seq, **row} for row in rows)
        return appended

    def flush(self) -> None:
        self.index.flush()
        if self.sealed:
            self.chain.connection.execute(insert(audit_sealed), self.sealed)
            self.sealed.clear()


class AuditStore:
    def __init__(self, settings: AuditSettings, engine: Engine | None = None, shard: int | None = None) -> None:
        """``shard``: the shard this writer keeps to (taken modulo ``settings.shards``); by default chosen by process
        id, so the processes of a deployment spread over the shards."""
        self.settings = settings
        self._shard = shard
        self.engine = engine or make_engine(settings.database_url)
        create_schema(self.engine)
        self._add_shards(settings.shards)
        self.signer = signer_for(settings)
        self.checkpoints = CheckpointPolicy(settings.checkpoint_every, settings.checkpoint_seconds)
        self._checkpoint_view = CheckpointView()
        self._group = GroupCommit(self._run_batch, self._run_alone)
        self.witnesses = witnesses_for(settings)
        # With a witness, checkpoints are also signed on a timer (started by the first recorded request, so only a
        # gateway runs it, not a command-line reader), so the witness never lags the chain by more than that.
        self._heartbeat = (
            Heartbeat(settings.checkpoint_seconds, self.checkpoint) if self.witnesses is not None else None
        )
        self.spool = Spool(settings.spool_dir, settings.spool_max_bytes) if settings.spool_dir else None
        self._replay_lock = threading.Lock()
        self._replay_tried = 0.0
        self._probe_lock = threading.Lock()
        self._probe_at = float("-inf")
        self._probe_result = "not probed"

    # --- recording (the pipeline calls these, in a worker thread) -------------------------------------------------

    def record_request(self, event: RequestEvent) -> None:
        """Append the request entry and index it; raises AuditUnavailable (refuse the request) on any failure."""
        if self._heartbeat is not None:
            self._heartbeat.start()
        data = self._document(event, f"request {event.request_id}")
        prompt = data.pop("prompt_text")
        text_kept = prompt if self.settings.store_text == "redacted" else None

        def apply(tx: AppendTransaction) -> None:
            appended = tx.append("request", event.request_id, data, text_kept)
            tx.index.add(request_row(appended.seq, data))

        try:
            self._append(apply, f"request {event.request_id}")
        except AuditUnavailable:
            if self.spool is None or event.outcome not in SPOOLED_OUTCOMES:
                raise  # a forwarded request is refused: nothing reaches a provider unrecorded
            self._spool_refusal(event.request_id, data, text_kept)

    def record_completion(self, completion: Completion) -> None:
        """Append the completion entry of a recorded request; raises AuditUnavailable on any failure."""
        data = self._document(completion, f"completion of {completion.request_id}")
        answer = data.pop("answer_text")
        text_kept = answer if self.settings.store_text == "redacted" else None

        def apply(tx: AppendTransaction) -> None:
            before = tx.index.indexed_request(completion.request_id)
            appended = tx.append("completion", completion.request_id, data, text_kept)
            tx.index.complete(before, completed_row(before, appended.seq, data))

        self._append(apply, f"completion of {completion.request_id}")

    def record_access(self, access: AccessEvent) -> None:
        """Record that someone read (or changed) the trail; the reading is refused if this fails."""
        data = self._document(access, f"access {access.request_id}")

        def apply(tx: AppendTransaction) -> None:
            appended = tx.append("access", access.request_id, data)
            tx.index.add(row_for_entry(appended.seq, "access", data))

        self._append(apply, f"access {access.request_id}")

    def _document(self, event: RequestEvent | Completion | AccessEvent, label: str) -> dict[str, Any]:
        try:
            return event.to_dict()
        except Exception as error:  # a value that is not JSON: refuse rather than record something else
            raise self._unavailable(label, error) from error

    def run_in_chain(
        self, apply: Callable[[AppendTransaction], object], label: str, every_shard: bool = False
    ) -> object:
        """Run ``apply`` in an append transaction (a shard's head locked); for records that change other rows in the
        same transaction (a retention purge, an erasure). ``every_shard``: lock every shard's head first and run
        alone, so no append on any shard commits between what ``apply`` reads and its record (an erasure). Raises
        AuditUnavailable on any failure."""
        if not every_shard:
            return self._append(apply, label)
        if self.spool is not None and self.spool.has_pending():
            self.replay_spool(min_interval=1.0)
        try:
            with self._chain(1, every_shard=True) as chain:
                tx = AppendTransaction(chain, IndexWriter(chain.connection))
                result = apply(tx)
                tx.flush()
        except Exception as error:
            raise self._unavailable(label, error) from error
        self._after_append(chain)
        return result

    def _append(self, apply: Callable[[AppendTransaction], object], label: str) -> object:
        if self.spool is not None and self.spool.has_pending():
            self.replay_spool(min_interval=1.0)  # spooled events go into the chain before newer ones
        return self._group.submit(Work(apply, label))

    # --- the spool (refusals recorded while the store cannot write; see audit.spool) ------------------------------

    def _spool_refusal(self, request_id: str, data: dict[str, Any], text: str | None) -> None:
        assert self.spool is not None
        try:
            self.spool.put({"kind": "request", "request_id": request_id, "data": data, "text": text})
        except SpoolError as error:
            log.error("audit spool could not hold the refused request %s: %s", request_id, error)
            raise AuditUnavailable(
                f"the audit store and its spool could not record the request {request_id}"
            ) from error
        log.warning("audit store unavailable: refused request %s spooled for replay", request_id)

    def replay_spool(self, min_interval: float = 0.0) -> int:
        """Append the spooled events to the chain, in order, in one transaction; return how many were replayed
        (0 if the store still cannot write: they stay spooled). ``min_interval`` spaces out attempts."""
        if self.spool is None:
            return 0
        with self._replay_lock:
            now = time.monotonic()
            if now - self._replay_tried < min_interval:
                return 0
            self._replay_tried = now
            try:
                replayed = self.spool.drain(self._replay)
            except Exception as error:
                log.warning("audit spool not replayed yet: %s", type(error).__name__)
                return 0
        if replayed:
            log.warning("audit spool replayed: %d refused request(s) recorded", replayed)
        return replayed

    def _replay(self, documents: list[dict[str, Any]]) -> None:
        with self._chain(len(documents)) as chain:
            tx = AppendTransaction(chain, IndexWriter(chain.connection))
            seen: set[str] = set()
            for document in documents:
                request_id = document["request_id"]
                # Already recorded by an earlier replay that committed but crashed before emptying the spool.
                if request_id in seen or tx.index.has_request(request_id):
                    continue
                seen.add(request_id)
                appended = tx.append("request", request_id, document["data"], document["text"])
                tx.index.add(request_row(appended.seq, document["data"]))
            tx.flush()
        self._after_append(chain)

    def write_probe(self) -> str:
        """ "ok" if the store can commit a write now, else why not; probed at most every ``write_probe_seconds``
        (``/readyz`` asks on every call). A success also replays the spool."""
        with self._probe_lock:
            now = time.monotonic()
            if now - self._probe_at < self.settings.write_probe_seconds:
                return self._probe_result
            self._probe_at = now
            try:
                # Rewrites the checkpoint head row with its own values: a real committed write that changes nothing.
                head = audit_checkpoint_head.c
                with writer_connection(self.engine) as connection, connection.begin():
                    connection.execute(
                        update(audit_checkpoint_head)
                        .where(head.id == 1)
                        .values(checkpoint_number=head.checkpoint_number)
                    )
                self._probe_result = "ok"
            except Exception as error:
                detail = str(error).strip().splitlines()[0] if str(error).strip() else ""
                log.error("audit store write probe failed: %s: %s", type(error).__name__, detail)
                self._probe_result = f"cannot write: {type(error).__name__}"
        if self._probe_result == "ok" and self.spool is not None and self.spool.has_pending():
            self.replay_spool()
        return self._probe_result

    def _chain(self, reserve: int, every_shard: bool = False) -> AbstractContextManager[ChainWriter]:
        shards = self.settings.shards
        preferred = (self._shard if self._shard is not None else os.getpid()) % shards
        return chain_transaction(
            self.engine, shards, preferred, self.checkpoints, self._checkpoint_view, reserve, every_shard
        )

    def _run_batch(self, batch: list[Work[AppendTransaction]]) -> None:
        with self._chain(len(batch)) as chain:
            tx = AppendTransaction(chain, IndexWriter(chain.connection))
            for work in batch:
                work.result = work.apply(tx)
            tx.flush()
        self._after_append(chain)

    def _after_append(self, chain: ChainWriter) -> None:
        """Sign a checkpoint if one looks due. The entries are committed already, so a failure here is logged, not
        raised: the next due append (or the heartbeat, or shutdown) signs one."""
        if not chain.checkpoint_due:
            return
        try:
            with writer_connection(self.engine) as connection, connection.begin():
                written = write_checkpoint(connection, self.signer, self.checkpoints)
        except Exception as error:
            log.error("audit checkpoint not written: %s", type(error).__name__)
            return
        self._witness(written)

    def _add_shards(self, shards: int) -> None:
        """Give every shard up to ``shards`` its (empty) head row; rows that exist already are left alone."""
        with writer_connection(self.engine) as connection, connection.begin():
            existing = set(connection.execute(select(audit_shard_heads.c.shard)).scalars())
            missing = [{"shard": k, "seq": 0, "hash": GENESIS_HASH} for k in range(shards) if k not in existing]
            if not missing:
                return
            from sqlalchemy.dialects import postgresql, sqlite

            # Another process may add the same rows at the same moment: theirs are as good as ours.
            dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
            connection.execute(dialect.insert(audit_shard_heads).on_conflict_do_nothing(), missing)

    def _run_alone(self, work: Work[AppendTransaction]) -> None:
        try:
            self._run_batch([work])
        except Exception as error:
            work.error = self._unavailable(work.label, error)
            work.error.__cause__ = error

    # --- maintenance ---------------------------------------------------------------------------------------------

    def checkpoint(self) -> Checkpoint | None:
        """Sign a checkpoint of the current head now (if anything was appended since the last); return the latest."""
        try:
            with writer_connection(self.engine) as connection, connection.begin():
                written = write_checkpoint(connection, self.signer, self.checkpoints, force=True)
            if written is not None:
                self._witness(written)
                return written
            with self.engine.connect() as connection:
                return latest_checkpoint(connection)
        except Exception as error:
            raise self._unavailable("checkpoint", error) from error

    def close(self) -> Checkpoint | None:
        """At shutdown: sign a checkpoint of everything appended (best effort) and close the connections."""
        if self._heartbeat is not None:
            self._heartbeat.stop()
        try:
            return self.checkpoint()
        except AuditUnavailable:
            return None
        finally:
            if self.witnesses is not None:
                self.witnesses.close(self.settings.witness_timeout_seconds * 2)
            self.engine.dispose()

    def purge_text(self, older_than: timedelta, access: AccessEvent) -> int:
        """Blank the prompt and answer text of entries recorded before now - ``older_than``; return how many.

        The purge is itself a chained entry (kind ``purge``, with its cutoff) written *before* any text is removed:
        ``verify`` accepts a missing text only for an entry recorded before the cutoff of a later purge entry.
        The hashes of the texts stay in the entries' bodies, so the chain verifies as before.
        """
        cutoff = datetime.now(UTC) - older_than
        data = {**access.to_dict(), "cutoff": format_time(cutoff)}

        def apply(tx: AppendTransaction) -> int:
            appended = tx.append("purge", access.request_id, data)
            tx.index.add(row_for_entry(appended.seq, "purge", data))
            return appended.seq

        purge_seq = self._append(apply, f"purge {access.request_id}")
        purged = 0
        while True:
            with self.engine.begin() as connection:
                batch = (
                    select(audit_ledger.c.seq)
                    .where(
                        audit_ledger.c.seq < purge_seq,
                        audit_ledger.c.recorded_at < cutoff,
                        audit_ledger.c.text.is_not(None),
                    )
                    .limit(PURGE_BATCH)
                )
                result = connection.execute(
                    update(audit_ledger).where(audit_ledger.c.seq.in_(batch.scalar_subquery())).values(text=None)
                )
            purged += result.rowcount
            if result.rowcount < PURGE_BATCH:
                return purged

    # --- questions the gateway asks --------------------------------------------------------------------------------

    def experiment_requests_today(self, experiment: str) -> int:
        start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        with self.engine.connect() as connection:
            return connection.execute(
                select(func.count())
                .select_from(audit_events)
                .where(
                    audit_events.c.experiment == experiment[:200],
                    audit_events.c.received_at >= start,
                    audit_events.c.kind == "request",
                )
            ).scalar_one()

    def count_requests(self) -> int:
        with self.engine.connect() as connection:
            return connection.execute(
                select(func.count()).select_from(audit_events).where(audit_events.c.kind == "request")
            ).scalar_one()

    def ping(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    # --- helpers -------------------------------------------------------------------------------------------------

    def _witness(self, checkpoint: Checkpoint | None) -> None:
        """Hand a committed checkpoint to the witnesses; never raises (the entries are committed already)."""
        if checkpoint is None or self.witnesses is None:
            return
        try:
            self.witnesses.publish(checkpoint)
        except Exception as error:  # a bug in a witness must not turn a recorded request into a refused one
            log.error("audit checkpoint #%d could not be witnessed: %s", checkpoint.number, type(error).__name__)

    def _unavailable(self, what: str, error: Exception) -> AuditUnavailable:
        self._probe_at = float(
            "-inf"
        )  # a failed write makes the next readiness check probe again, not trust a cached ok
        detail = str(error).strip().splitlines()[0] if str(error).strip() else ""
        log.error("audit store could not record the %s: %s: %s", what, type(error).__name__, detail)
        return AuditUnavailable(f"the audit store could not record the {what}: {type(error).__name__}")
