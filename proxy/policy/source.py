"""Where the embedded engine's policy comes from: a directory on disk, or a bundle server.

The engine compiles, checks and installs; a source only says what the policy is now and whether it has changed.
Both sources hand over the same thing (a ``PolicyRelease``), so what is checked before a switch is the same
whichever way the policy arrived.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from proxy.policy.engine import PolicyRejected
from proxy.policy.files import PolicyFilesError, PolicySnapshot, fingerprint, read_policy


@dataclass(frozen=True)
class PolicyRelease:
    """One version of the policy, as a source delivered it."""

    snapshot: PolicySnapshot
    # What every decision records: the bundle's manifest revision, or the content hash of a directory.
    version: str
    # Run the policy's own tests before switching (a directory holds them; a bundle never does).
    run_tests: bool


class PolicySource(Protocol):
    @property
    def location(self) -> str:
        """Where the policy is read from, for logs and /readyz (a path or a URL; never a secret)."""

    @property
    def waits_for_first_release(self) -> bool:
        """True if the engine should keep trying after a failed start (a server may come up later);
        False if a failed start is final (a directory that does not compile will not fix itself)."""

    def first(self) -> PolicyRelease:
        """The release to start on; raises PolicyRejected."""

    def fetch(self, *, force: bool = False) -> PolicyRelease | None:
        """A release newer than the last one handed out, or None if nothing changed; raises PolicyRejected.

        ``force`` (an operator's reload) reads again even where a cheap check says nothing changed."""

    def accepted(self, release: PolicyRelease) -> None:
        """The engine switched to ``release`` (a source may keep it, e.g. on disk for the next start)."""

    def next_check_in(self) -> float:
        """Seconds until the engine should call ``fetch`` again."""


class FileSource:
    """A policy directory, watched by its files' names, sizes and modification times."""

    def __init__(self, root: Path, *, interval: float, run_tests: bool) -> None:
        self._root = root
        self._interval = interval
        self._run_tests = run_tests
        self._fingerprint: tuple[tuple[str, int, int], ...] = ()

    @property
    def location(self) -> str:
        return str(self._root)

    @property
    def waits_for_first_release(self) -> bool:
        return False

    def first(self) -> PolicyRelease:
        return self._read()

    def fetch(self, *, force: bool = False) -> PolicyRelease | None:
        if not force and fingerprint(self._root) == self._fingerprint:
            return None
        return self._read()

    def accepted(self, release: PolicyRelease) -> None:
        pass

    def next_check_in(self) -> float:
        return self._interval

    def _read(self) -> PolicyRelease:
        # Taken before reading: a file changed during the read is then seen by the next check.
        self._fingerprint = fingerprint(self._root)
        try:
            snapshot = read_policy(self._root)
        except PolicyFilesError as error:
            raise PolicyRejected(str(error)) from error
        return PolicyRelease(snapshot, snapshot.version, self._run_tests)
