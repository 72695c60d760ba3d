"""Group commit: appends made at the same moment by threads of one process share one transaction.

Appends to the chain are serialised (one lock on the chain head across every process and replica), and each
transaction's commit waits for the disk. Taking turns one entry at a time would cap the whole deployment at one
entry per commit; instead, whichever thread finds no append under way becomes the *leader*: it takes every append
waiting in this process (up to ``max_batch``), runs them in one transaction and wakes their threads. Each caller
still returns only once its own entry is committed, so "recorded before forwarding" holds exactly as before.

If the shared transaction fails, each append in it is retried alone, so one bad append (a duplicate request id,
say) fails only its own caller.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(eq=False)
class Work(Generic[T]):
    apply: Callable[[T], object]  # performs the append on the shared transaction
    label: str = ""  # what is appended, for error messages
    result: object = None
    error: BaseException | None = None
    finished: bool = False
    lead: bool = False
    wake: threading.Event = field(default_factory=threading.Event)


class GroupCommit(Generic[T]):
    def __init__(
        self, run_batch: Callable[[list[Work[T]]], None], run_alone: Callable[[Work[T]], None], max_batch: int = 100
    ) -> None:
        """``run_batch`` applies every work in one transaction (raising if it fails); ``run_alone`` applies one work
        in its own transaction, storing its result or error on it."""
        self._run_batch = run_batch
        self._run_alone = run_alone
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._queue: list[Work[T]] = []
        self._busy = False

    def submit(self, work: Work[T]) -> object:
        with self._lock:
            self._queue.append(work)
            if not self._busy:
                self._busy = work.lead = True
        if not work.lead:
            work.wake.wait()  # finished by a leader, or handed the leadership
        if not work.finished:
            self._lead_until(work)
        if work.error is not None:
            raise work.error
        return work.result

    def _lead_until(self, mine: Work[T]) -> None:
        try:
            while not mine.finished:
                with self._lock:
                    batch = self._queue[: self._max_batch]
                    del self._queue[: self._max_batch]
                self._run(batch)
        finally:
            with self._lock:
                if self._queue:
                    successor = self._queue[0]
                    successor.lead = True
                    successor.wake.set()
                else:
                    self._busy = False

    def _run(self, batch: list[Work[T]]) -> None:
        try:
            if len(batch) == 1:
                self._run_alone(batch[0])
            else:
                try:
                    self._run_batch(batch)
                except Exception:
                    for work in batch:
                        work.result, work.error = None, None
                        self._run_alone(work)
        except BaseException as error:  # e.g. interrupted: nobody may be left waiting
            for work in batch:
                if not work.finished:
                    work.error = error
            raise
        finally:
            for work in batch:
                work.finished = True
                work.wake.set()
