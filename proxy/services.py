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

    @classmethod
    def start(cls, settings: Settings) -> Services:
        services = cls(settings=settings, upstream=Upstream(settings))
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
            "policy": self._policy_readiness(),
            # A write probe, not SELECT 1: a read-only or full database answers reads but records nothing.
            "audit": self.audit.write_probe() if self.audit is not None else self.problems.get("audit", "unreachable"),
        }
        return state

    def _policy_readiness(self) -> str:
        if self.policy is None:
            return self.problems.get("policy", "not ready")
        if self.policy.ready():
            return "ok"
        return self.policy.last_rejection or "no policy is loaded"

    def policy_state(self) -> dict[str, str]:
        """What /readyz says about the policy beside "ok": the revision in force, and why a newer one was refused."""
        if self.policy is None:
            return {}
        state = {"policy_revision": self.policy.version}
        rejection = self.policy.last_rejection
        if rejection:
            state["policy_rejected"] = rejection
        return state
