"""Witnesses: signed checkpoints copied, as they are written, to places the database's writers cannot change.

Someone who can write to the database can delete the newest entries together with the checkpoints over them, or
replace them with well-formed forgeries: the database alone cannot tell. A witness keeps its own copy of every
checkpoint, so ``handrail audit verify --witness LOG`` finds both (see ``audit.attestations``).

Two kinds, configured in the ``audit:`` settings:

- a **file** (``witness_file``): one checkpoint's JSON per line, appended with ``O_APPEND`` and fsync'd before the
  append returns. Put it where the database's administrators cannot write (another host's mount, a file marked
  append-only with ``chattr +a``, a log shipper that forwards it);
- an **HTTP endpoint** (``witness_url``): each checkpoint is POSTed as JSON (with ``Authorization: Bearer`` when
  ``witness_token`` is set). Delivery runs in a background thread, retried, so a slow witness never delays a request.

A failed delivery is logged and counted, never raised: the entries the checkpoint covers are already committed, and
refusing the request that happened to trigger the checkpoint would not un-write them. Verification then simply has
one checkpoint fewer to compare.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from prometheus_client import Counter

from audit.ledger import Checkpoint
from audit.settings import AuditSettings

log = logging.getLogger("handrail.audit")
HTTP_ATTEMPTS = 3
HTTP_QUEUE = 1000
WITNESSED = Counter("handrail_audit_witnessed_total", "Checkpoints delivered to a witness, by outcome.", ["outcome"])


class WitnessError(Exception):
    """A witness could not take a checkpoint, or a witness log could not be read."""


def checkpoint_line(checkpoint: Checkpoint) -> bytes:
    return (json.dumps(checkpoint.to_document(), sort_keys=True, separators=(",", ":")) + "\n").encode("ascii")


class FileWitness:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @property
    def name(self) -> str:
        return f"file {self.path}"

    def publish(self, checkpoint: Checkpoint) -> None:
        line = checkpoint_line(checkpoint)
        created = not self.path.exists()
        try:
            descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        except OSError as error:
            raise WitnessError(f"cannot open the witness file {self.path}: {error.strerror}") from None
        try:
            # One write of one line: with O_APPEND, concurrent gateway processes' lines do not interleave.
            if os.write(descriptor, line) != len(line):
                raise WitnessError(f"the witness file {self.path} took only part of a checkpoint (disk full?)")
            os.fsync(descriptor)
        except OSError as error:
            raise WitnessError(f"cannot append to the witness file {self.path}: {error.strerror}") from None
        finally:
            os.close(descriptor)
        if created:  # the new file's name must survive a crash too
            directory = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)


class HttpWitness:
    def __init__(self, url: str, token: str | None = None, timeout: float = 5.0) -> None:
        self.url = url
        self._token = token
        self.timeout = timeout

    @property
    def name(self) -> str:
        # Never the token, nor any credentials or query in the URL.
        parts = urlsplit(self.url)
        return f"HTTP witness {parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}{parts.path}"

    def publish(self, checkpoint: Checkpoint) -> None:
        import httpx

        headers = {"content-type": "application/json"}
        if self._token:
            headers["authorization"] = f"Bearer {self._token}"
        try:
            response = httpx.post(self.url, content=checkpoint_line(checkpoint), headers=headers, timeout=self.timeout)
        except httpx.HTTPError as error:
            raise WitnessError(f"the {self.name} could not be reached: {type(error).__name__}") from None
        if not 200 <= response.status_code < 300:
            raise WitnessError(f"the {self.name} answered HTTP {response.status_code}")


@dataclass
class Witnesses:
    """Every configured witness; ``publish`` is called after each checkpoint is committed."""

    files: list[FileWitness] = field(default_factory=list)
    endpoints: list[HttpWitness] = field(default_factory=list)
    published: int = 0
    failures: int = 0
    retry_pause: float = 0.5
    _queue: queue.Queue[Checkpoint] = field(default_factory=lambda: queue.Queue(HTTP_QUEUE))
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def publish(self, checkpoint: Checkpoint) -> None:
        for witness in self.files:
            self._deliver(witness, checkpoint, attempts=1)
        if self.endpoints:
            self._start()
            try:
                self._queue.put_nowait(checkpoint)
            except queue.Full:
                # A later checkpoint covers everything an earlier one does, so dropping one loses no coverage.
                self._count_failure()
                log.error("audit witness queue full: checkpoint #%d not sent", checkpoint.number)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued checkpoint was delivered or given up on; False if the time ran out."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def close(self, timeout: float = 10.0) -> None:
        self.flush(timeout)

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._send_queued, name="audit-witness", daemon=True)
                self._thread.start()

    def _send_queued(self) -> None:
        while True:
            checkpoint = self._queue.get()
            try:
                for witness in self.endpoints:
                    self._deliver(witness, checkpoint, attempts=HTTP_ATTEMPTS)
            finally:
                self._queue.task_done()

    def _deliver(self, witness: FileWitness | HttpWitness, checkpoint: Checkpoint, attempts: int) -> None:
        for attempt in range(1, attempts + 1):
            try:
                witness.publish(checkpoint)
            except Exception as error:
                if attempt == attempts:
                    self._count_failure()
                    log.error(
                        "audit checkpoint #%d was not witnessed by the %s: %s",
                        checkpoint.number,
                        witness.name,
                        error if isinstance(error, WitnessError) else type(error).__name__,
                    )
                    return
                time.sleep(self.retry_pause * attempt)
            else:
                with self._lock:
                    self.published += 1
                WITNESSED.labels("delivered").inc()
                return

    def _count_failure(self) -> None:
        with self._lock:
            self.failures += 1
        WITNESSED.labels("failed").inc()


def witnesses_for(settings: AuditSettings) -> Witnesses | None:
    if not settings.witness_file and not settings.witness_url:
        return None
    files = [FileWitness(settings.witness_file)] if settings.witness_file else []
    token = settings.witness_token.get_secret_value() if settings.witness_token is not None else None
    endpoints = (
        [HttpWitness(settings.witness_url, token, settings.witness_timeout_seconds)] if settings.witness_url else []
    )
    return Witnesses(files, endpoints)


@dataclass
class WitnessLog:
    entries: list[tuple[int, dict[str, Any]]]  # (line number, checkpoint document)
    warnings: list[str]


def read_witness_log(path: str | Path) -> WitnessLog:
    """The checkpoints in a witness log, with their line numbers; lines that are not checkpoints become warnings."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise WitnessError(f"cannot read the witness log {path}: {error.strerror}") from None
    entries: list[tuple[int, dict[str, Any]]] = []
    warnings: list[str] = []
    lines = data.split(b"\n")
    torn = lines.pop() if lines else b""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            document = json.loads(line)
        except ValueError:
            document = None
        if isinstance(document, dict):
            entries.append((number, document))
        else:
            warnings.append(f"line {number} of the witness log {path} is not a checkpoint; it was skipped")
    if torn.strip():
        # A crash during the append leaves a line without its newline; it was never acknowledged.
        warnings.append(f"the last line of the witness log {path} is incomplete (a write cut short); it was skipped")
    return WitnessLog(entries, warnings)
