"""The long-lived parts a worker needs, built once when it starts.

A part that fails to start is recorded as unavailable rather than crashing the
worker: ``/readyz`` reports it and every request that needs it is refused
(fail closed), so an operator sees what is wrong instead of a restart loop.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from audit.store import AuditStore
from core.errors import GuardFailure
from detectors.scanner import Scanner
from proxy.auth import KeyStore
from proxy.config import Settings
from proxy.limits import RateLimits
from proxy.policy.engine import PolicyEngine, build_engine
from proxy.shutdown import Shutdown
from proxy.tracing import Tracing
from proxy.upstream import Upstream

log = logging.getLogger("handrail")


@dataclass
class Services:
    settings: Settings
    upstream: Upstream
    audit: AuditStore | None = None
    keys: KeyStore | None = None
    limits: RateLimits | None = None
    scanner: Scanner | None = None
    policy: PolicyEngine | None = None
    problems: dict[str, str] = field(default_factory=dict)
    shutdown: Shutdown = field(default_factory=Shutdown)
    tracing: Tracing = field(default_factory=Tracing)  # off unless configured

    @classmethod
    def start(cls, settings: Settings) -> Services:
        # Built here, in the worker process: an exporter's background thread does not survive a fork.
        services = cls(settings=settings, upstream=Upstream(settings), tracing=Tracing.start(settings.tracing))
        try:
            services.audit = AuditStore(settings.audit)
            services.keys = KeyStore(services.audit.engine)
            services.limits = RateLimits(services.audit.engine, settings.limits)
        except Exception as error:
            services._unavailable("audit", error)
        try:
            services.scanner = Scanner(settings.detection)
        except Exception as error:
            services._unavailable("detectors", error)
        try:
            services.policy = build_engine(settings.policy)
        except Exception as error:
            services._unavailable("policy", error)
        return services

    def _unavailable(self, part: str, error: Exception) -> None:
        self.problems[part] = f"{type(error).__name__}: {error}"
        log.error("%s unavailable at start: %s", part, self.problems[part])

    # Each accessor refuses, rather than returns None, so a request can never
    # slip past a guard that did not start.
    def require_audit(self) -> AuditStore:
        if self.audit is None:
            raise GuardFailure("The audit store is unavailable, so no request can be accepted.")
        return self.audit

    def require_keys(self) -> KeyStore:
        if self.keys is None:
            raise GuardFailure("The key store is unavailable, so no request can be authenticated.")
        return self.keys

    def require_scanner(self) -> Scanner:
        if self.scanner is None:
            raise GuardFailure("The detectors are unavailable, so the request could not be scanned.")
        return self.scanner

    def require_policy(self) -> PolicyEngine:
        if self.policy is None:
            raise GuardFailure("The policy engine is unavailable, so no decision could be made.")
        return self.policy

    def _detectors_state(self) -> str:
        if self.scanner is None:
            return self.problems.get("detectors", "not started")
        try:
            return "ok" if self.scanner.ready() else "the detectors no longer find a known identifier"
        except Exception as error:
            return f"the detectors failed their self-test: {type(error).__name__}"

    def readiness(self) -> dict[str, str]:
        """``ok`` or the reason, per part."""
        state = {
            "detectors": self._detectors_state(),
            "policy": "ok"
            if self.policy is not None and self.policy.ready()
            else self.problems.get("policy", "not ready"),
            # A write probe, not SELECT 1: a read-only or full database answers reads but records nothing.
            "audit": self.audit.write_probe() if self.audit is not None else self.problems.get("audit", "unreachable"),
        }
        return state
