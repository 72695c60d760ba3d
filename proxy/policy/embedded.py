"""The embedded engine: Rego evaluated in-process by regopy, no server to run.

The policy is compiled once into a bundle of its decision entry point; each decision sets the input and queries
that bundle (about a millisecond). The policy comes from a source (``proxy.policy.source``): a directory, watched
for changes, or an OPA bundle server, polled with ETags (``proxy.policy.bundle_source``). A new version replaces the
loaded one only after it has passed the checks in ``proxy.policy.validate``, and the switch is one assignment under
the decision lock; until then, and whenever a new version fails, the last good policy stays in force.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

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
from proxy.policy.settings import PolicySettings
from proxy.policy.source import FileSource, PolicyRelease, PolicySource
from proxy.policy.validate import validate_snapshot

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Loaded:
    interpreter: regopy.Interpreter
    bundle: regopy.Bundle
    version: str


class EmbeddedEngine:
    """One policy, compiled in-process, replaced when its source has a new version that passes the checks."""

    def __init__(
        self,
        settings: PolicySettings,
        *,
        path: Path | None = None,
        watch: bool | None = None,
        source: PolicySource | None = None,
    ) -> None:
        self._source = source or _source_for(settings, path)
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._loaded: _Loaded | None = None
        self.last_rejection: str | None = None
        self._logged_rejection: str | None = None
        try:
            # At start the policy must compile and decide; a policy that cannot leaves the gateway without a
            # policy, which refuses every request.
            release = self._source.first()
            self._switch(release, validate=False)
            self._source.accepted(release)
        except PolicyRejected as error:
            if not self._source.waits_for_first_release:
                raise
            # A bundle server may come up later: not ready (every request refused) until it serves a good bundle.
            self.last_rejection = str(error)
            self._logged_rejection = str(error)
            log.error("no policy loaded from %s, every request is refused until one is: %s", self.location, error)
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        # A bundle source is polled whatever policy.watch says: without it a replica would never get a new revision.
        if (settings.watch or self._source.waits_for_first_release) if watch is None else watch:
            self._watcher = threading.Thread(target=self._watch, name="policy-watch", daemon=True)
            self._watcher.start()

    @property
    def version(self) -> str:
        loaded = self._loaded
        return loaded.version if loaded else ""

    @property
    def location(self) -> str:
        return self._source.location

    def ready(self) -> bool:
        return self._loaded is not None

    def decide(self, policy_input: dict[str, object]) -> Decision:
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
        """Load the policy again if it changed. Raises PolicyRejected (old policy kept) if the new one is broken."""
        return self._update(force=True)

    def close(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
        close = getattr(self._source, "close", None)
        if close is not None:
            close()

    def _update(self, *, force: bool) -> str:
        with self._reload_lock:
            try:
                release = self._source.fetch(force=force)
                if release is None:
                    return self.version
                if release.version != self.version or self._loaded is None:
                    self._switch(release, validate=True)
                    metrics.observe_policy_load(True, release.version)
            except PolicyRejected as error:
                self.last_rejection = str(error)
                metrics.observe_policy_load(False)
                raise
            self.last_rejection = None
            self._source.accepted(release)
            return self.version

    def _switch(self, release: PolicyRelease, *, validate: bool) -> None:
        # validate is False only for the load at start, which compiles in-process only (no subprocess, no tests).
        if validate:
            problem = validate_snapshot(release.snapshot, run_tests=release.run_tests)
            if problem:
                raise PolicyRejected(problem)
        try:
            interpreter, bundle = compile_decision(release.snapshot)
        except regopy.RegoError as error:
            raise PolicyRejected(describe_rego_error(error, release.snapshot.modules)) from error
        # Cleared before the switch, not after it: whoever sees the new version never sees the old refusal beside it.
        self.last_rejection = None
        with self._lock:
            self._loaded = _Loaded(interpreter, bundle, release.version)
        log.info("policy %s loaded from %s", release.version, self.location)

    def _watch(self) -> None:
        while not self._stop.wait(self._source.next_check_in()):
            try:
                self._update(force=False)
                self._logged_rejection = None
            except PolicyRejected as error:
                # Once per distinct problem: a bundle server that stays down must not fill the log at every poll.
                if str(error) != self._logged_rejection:
                    self._logged_rejection = str(error)
                    in_force = self.version or "no policy"
                    log.error("new policy from %s rejected, %s stays in force: %s", self.location, in_force, error)
            except Exception:
                log.exception("policy watcher failed; the previous policy stays in force")


def _source_for(settings: PolicySettings, path: Path | None) -> PolicySource:
    if path is None and settings.bundle_url:
        from proxy.policy.bundle_source import BundleSource

        return BundleSource(settings)
    root = Path(path if path is not None else settings.path)
    return FileSource(root, interval=settings.watch_interval_seconds, run_tests=settings.run_tests_on_reload)


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
