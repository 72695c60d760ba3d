"""One small interface in front of the two Rego engines."""

from __future__ import annotations

from typing import Protocol

from proxy.policy.decision import Decision
from proxy.policy.settings import PolicySettings


class PolicyUnavailable(Exception):
    """The engine cannot decide (no policy loaded, server unreachable, bad output)."""


class PolicyEngine(Protocol):
    @property
    def version(self) -> str:
        """A hash of the loaded policy and data; every decision carries it."""

    def decide(self, policy_input: dict) -> Decision:
        """Evaluate the decision entry point; raise PolicyUnavailable rather than guess."""

    def reload(self) -> str:
        """Load the policy again; keep the last good one if the new one is broken. Returns the version."""

    def ready(self) -> bool: ...


def build_engine(settings: PolicySettings) -> PolicyEngine:
    if settings.engine == "opa":
        from proxy.policy.opa_server import OpaServerEngine

        return OpaServerEngine(settings)
    from proxy.policy.embedded import EmbeddedEngine

    return EmbeddedEngine(settings)
