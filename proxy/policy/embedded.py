"""The embedded engine: Rego evaluated in-process by regopy, no server to run.

The policy directory is compiled once into a bundle of its decision entry
point; each decision sets the input and queries that bundle (about a
millisecond). A new version of the directory (a file changed, or a reload was
asked for) replaces the loaded one only after it has passed the checks in
``proxy.policy.validate``; until then the last good policy stays in force.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import regopy

from proxy import metrics
from proxy.policy.compile_check import (
    DECISION_ENTRYPOINT,
    compile_decision,
    decision_from_output,
    describe_rego_error,
)
from proxy.policy.decision import Decision
from proxy.policy.engine import PolicyRejected, PolicyUnavailable
from proxy.policy.files import (
    PolicyFilesError,
    PolicySnapshot,
    fingerprint,
    read_policy,
)
from proxy.policy.settings import PolicySettings
from proxy.policy.validate import validate_snapshot

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Loaded:
    interpreter: regopy.Interpreter
    bundle: regopy.Bundle
    version: str


class EmbeddedEngine:
    """One policy directory, compiled in-process, reloaded when it changes."""

    def __init__(self, settings: PolicySettings, *, path: Path | None = None, watch: bool | None = None) -> None:
        self._root = Path(path if path is not None else settings.path)
        self._settings = settings
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._loaded: _Loaded | None = None
        self.last_rejection: str | None = None
        # At start the policy must compile and decide; a policy that cannot
        # leaves the gateway without a policy, which refuses every request.
        self._fingerprint: tuple[tuple[str, int, int], ...] = fingerprint(self._root)
        self._install(self._read(), validate=False)
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        if settings.watch if watch is None else watch:
            self._watcher = threading.Thread(target=self._watch, name="policy-watch", daemon=True)
            self._watcher.start()

    @property
    def version(self) -> str:
        loaded = self._loaded
        return loaded.version if loaded else ""

    @property
    def path(self) -> Path:
        return self._root

    def ready(self) -> bool:
        return self._loaded is not None

    def decide(self, policy_input: dict[str, Any]) -> Decision:
        with self._lock:
            loaded = self._loaded
            if loaded is None:
                raise PolicyUnavailable("no policy is loaded")
            try:
                loaded.interpreter.set_input(_without_control_characters(policy_input))
                output = loaded.interpreter.query_bundle_entrypoint(loaded.bundle, DECISION_ENTRYPOINT)
            except regopy.RegoError as error:
                raise PolicyUnavailable(f"the policy failed to evaluate: {describe_rego_error(error, {})}") from error
        return decision_from_output(output, loaded.version)

    def reload(self) -> str:
        """Load the directory again if it changed. Raises PolicyRejected (old policy kept) if it is broken."""
        with self._reload_lock:
            self._fingerprint = fingerprint(self._root)
            snapshot = self._read()
            if snapshot.version == self.version:
                return self.version
            self._install(snapshot, validate=True)
            return self.version

    def close(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)

    def _read(self) -> PolicySnapshot:
        try:
            return read_policy(self._root)
        except PolicyFilesError as error:
            raise PolicyRejected(str(error)) from error

    def _install(self, snapshot: PolicySnapshot, *, validate: bool) -> None:
        # validate is False only for the load at start; the reload counters count the loads after it.
        reloading = validate
        if validate:
            problem = validate_snapshot(snapshot, run_tests=self._settings.run_tests_on_reload)
            if problem:
                self.last_rejection = problem
                metrics.observe_policy_load(False)
                raise PolicyRejected(problem)
        try:
            interpreter, bundle = compile_decision(snapshot)
        except regopy.RegoError as error:
            problem = describe_rego_error(error, snapshot.modules)
            self.last_rejection = problem
            if reloading:
                metrics.observe_policy_load(False)
            raise PolicyRejected(problem) from error
        with self._lock:
            self._loaded = _Loaded(interpreter, bundle, snapshot.version)
        self.last_rejection = None
        if reloading:
            metrics.observe_policy_load(True, snapshot.version)
        log.info("policy %s loaded from %s", snapshot.version, self._root)

    def _watch(self) -> None:
        while not self._stop.wait(self._settings.watch_interval_seconds):
            try:
                if fingerprint(self._root) == self._fingerprint:
                    continue
                self.reload()
            except PolicyRejected as error:
                log.error("policy change in %s rejected, the previous policy stays in force: %s", self._root, error)
            except Exception:
                log.exception("policy watcher failed; the previous policy stays in force")


# regopy writes strings from the input into its JSON output without escaping them, so a quote, a backslash or a
# control character in a tool name or a signal's evidence made the output unreadable (a 503) or changed it.
_UNSAFE_FOR_REGOPY = {**{code: "\ufffd" for code in [*range(0x20), 0x7F]}, ord('"'): "\u201d", ord("\\"): "\u29f5"}


def _without_control_characters(value: object) -> object:
    """The input with what regopy cannot write back out replaced, in strings and keys alike.

    Control characters become U+FFFD, ``"`` becomes ``”`` and ``\\`` becomes ``⧵``. No policy rule matches on
    them (names, roles and vocabularies never hold them); the OPA engine, which escapes properly, gets the input as is.
    """
    if isinstance(value, str):
        return value.translate(_UNSAFE_FOR_REGOPY)
    if isinstance(value, dict):
        return {_without_control_characters(key): _without_control_characters(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_control_characters(item) for item in value]
    return value
