"""A timer that signs a checkpoint every ``checkpoint_seconds`` while the gateway runs, so that a quiet spell does not
leave the newest entries unwitnessed until the next request arrives (checkpoints are otherwise written only when an
entry is appended)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("handrail.audit")


class Heartbeat:
    def __init__(self, interval: float, beat: Callable[[], object]) -> None:
        self._interval = interval
        self._beat = beat
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start once; later calls do nothing (it is called on every recorded request)."""
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name="audit-checkpoint-heartbeat", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._beat()
            except Exception as error:  # the next beat tries again; requests are not affected
                log.error("periodic audit checkpoint failed: %s", type(error).__name__)
