"""The spool: refusals recorded on local disk while the audit store cannot take them, replayed into the chain later.

A refused request (blocked, rejected, failed) sends nothing to a provider, so it is answered whether or not it could
be recorded — but an audit trail that loses refusals during an outage (a read-only or full database) hides exactly
the requests an auditor looks for. When the store cannot append such an event, ``AuditStore`` writes it here instead:
one JSON line per event, appended under an exclusive lock and fsync'd before the request is answered. A forwarded
request is never spooled: if its event cannot be committed to the chain it is refused (fail closed).

When the store can write again, the spool is replayed in the order it was written, in one chain transaction, and
then emptied. An event whose request id is already in the chain is skipped, so a crash between the replay's commit
and the emptying does not record anything twice. The spool is bounded (``spool_max_bytes``): when full, refusals are
no longer accepted into it and are lost to the trail as before (logged loudly). Every gateway process on a host
shares one spool directory; the lock (``flock``) serialises them.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from prometheus_client import Gauge

log = logging.getLogger("handrail.audit")

# Every process sees the same file, so the most recent reading from any of them is the depth.
SPOOL_DEPTH = Gauge(
    "handrail_audit_spool_depth",
    "Audit events held in the local spool, waiting for the store.",
    multiprocess_mode="mostrecent",
)


class SpoolError(Exception):
    """The spool could not take an event (full, or the disk failed)."""


class Spool:
    def __init__(self, directory: str | Path, max_bytes: int) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path = self.directory / "audit-spool.jsonl"
        self._lock_path = self.directory / "audit-spool.lock"
        self.max_bytes = max_bytes

    @contextmanager
    def _locked(self) -> Iterator[None]:
        descriptor = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)  # releases the lock

    def put(self, document: dict[str, Any]) -> None:
        """Append one event durably (fsync'd) or raise SpoolError."""
        line = (json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True) + "\n").encode("ascii")
        try:
            with self._locked():
                created = not self.path.exists()
                descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    if os.fstat(descriptor).st_size + len(line) > self.max_bytes:
                        raise SpoolError(f"the audit spool is full ({self.max_bytes} bytes)")
                    if os.write(descriptor, line) != len(line):
                        raise SpoolError("the audit spool took only part of an event (disk full?)")
                    os.fsync(descriptor)
                finally:
                    os.close(descriptor)
                if created:  # the new file's name must survive a crash too
                    self._fsync_directory()
        except OSError as error:
            raise SpoolError(f"the audit spool could not be written: {error.strerror}") from None
        SPOOL_DEPTH.set(self.depth())

    def depth(self) -> int:
        try:
            return self.path.read_bytes().count(b"\n")
        except FileNotFoundError:
            return 0

    def has_pending(self) -> bool:
        try:
            return self.path.stat().st_size > 0
        except FileNotFoundError:
            return False

    def drain(self, record: Callable[[list[dict[str, Any]]], None]) -> int:
        """Hand every spooled event, in order, to ``record`` (which commits them or raises); then empty the spool.
        Returns how many were handed over; on an exception the spool is left as it was."""
        with self._locked():
            try:
                data = self.path.read_bytes()
            except FileNotFoundError:
                return 0
            documents = []
            for number, line in enumerate(
                data.split(b"\n")[:-1], start=1
            ):  # an unterminated last line was never acknowledged
                try:
                    documents.append(json.loads(line))
                except ValueError:
                    log.error("audit spool line %d is not an event; it was dropped", number)
            if documents:
                record(documents)
            descriptor = os.open(self.path, os.O_WRONLY)
            try:
                os.ftruncate(descriptor, 0)
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        SPOOL_DEPTH.set(0)
        return len(documents)

    def _fsync_directory(self) -> None:
        descriptor = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
