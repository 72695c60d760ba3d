"""The end of the grace period: streams still open when the server stops get a last event and a record.

On SIGTERM (or SIGINT) uvicorn stops accepting connections and waits ``timeout_graceful_shutdown`` for open
requests, then cancels their tasks: a stream cut that way ends with no event for the client, and its audit record
stays ``forwarded``. So the gateway keeps its own clock. Its handler runs before uvicorn's (which it then calls),
and ``server.shutdown_grace_seconds`` after the signal it *cuts* every stream still open: the relay stops waiting
for the provider, sends the client a final error event in the API's own shape and records the request as
``cancelled``. uvicorn is started with one second more than the grace (``proxy.cli``), so that last event and the
audit write happen before uvicorn cancels anything.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TypeVar

import anyio

from core.errors import ServerStopping

log = logging.getLogger("handrail")

_Item = TypeVar("_Item")

SIGNALS = (signal.SIGTERM, signal.SIGINT)
# What uvicorn's own timeout adds to the grace: time for the final events and their audit records.
UVICORN_MARGIN_SECONDS = 1


class Shutdown:
    """One worker's shutdown clock and the waits (one per open stream) it cuts."""

    def __init__(self) -> None:
        self.grace: float | None = None
        self.cut = False
        self._began = False
        self._scopes: set[anyio.CancelScope] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    def install(self, grace: float) -> bool:
        """Hook the stop signals on top of the server's own handlers (call from the app's lifespan startup).

        uvicorn installs its handlers with ``signal.signal`` and restores what it found when it stops, so this
        hook lives exactly as long as the server. Outside the main thread (an in-process test client) signals
        cannot be hooked and nothing is installed.
        """
        if threading.current_thread() is not threading.main_thread():
            return False
        self.grace = grace
        self._loop = asyncio.get_running_loop()
        for number in SIGNALS:
            previous = signal.getsignal(number)

            def handler(sig: int, frame: FrameType | None, previous: object = previous) -> None:
                self._signalled()
                if callable(previous):
                    previous(sig, frame)

            signal.signal(number, handler)
        return True

    def _signalled(self) -> None:
        # A signal handler runs between two bytecodes of the loop's thread: hand the work to the loop.
        if self._loop is not None and not self._began:
            self._loop.call_soon_threadsafe(self.begin)

    def begin(self) -> None:
        """Start the grace period (in the event loop)."""
        if self._began or self.grace is None:
            return
        self._began = True
        log.info("stopping: streams still open in %.1f s will be ended with an error event", self.grace)
        asyncio.get_running_loop().call_later(self.grace, self.cut_streams)

    def cut_streams(self) -> None:
        """The grace period is over: every stream waiting on its provider, now or later, stops waiting."""
        self.cut = True
        if self._scopes:
            log.warning("grace period over: ending %d open stream(s) with an error event", len(self._scopes))
        for scope in list(self._scopes):
            scope.cancel()

    @contextmanager
    def watch(self) -> Iterator[anyio.CancelScope]:
        """A wait that the end of the grace period cancels (``scope.cancelled_caught`` then says so)."""
        scope = anyio.CancelScope()
        if self.cut:
            scope.cancel()
        self._scopes.add(scope)
        try:
            with scope:
                yield scope
        finally:
            self._scopes.discard(scope)


async def next_or_stop(shutdown: Shutdown, iterator: AsyncIterator[_Item]) -> _Item | None:
    """The iterator's next item, None at its end; raises ServerStopping when the grace period ends first."""
    if shutdown.cut:
        # Checked first: an upstream with data already buffered could answer without ever being suspended.
        raise _stopping()
    with shutdown.watch() as scope:
        try:
            return await anext(iterator)
        except StopAsyncIteration:
            return None
    if scope.cancelled_caught:
        raise _stopping()
    return None  # pragma: no cover - a scope only ends early when it was cancelled


def _stopping() -> ServerStopping:
    return ServerStopping(
        "The gateway is shutting down and its grace period ended before the answer was complete; "
        "the answer was cut off. Send the request again."
    )
