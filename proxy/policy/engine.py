"""One small interface in front of the two Rego engines."""

from __future__ import annotations

from typing import Any, Protocol

from proxy.policy.decision import Decision
from proxy.policy.settings import PolicySettings


class PolicyUnavailable(Exception):
    """The engine cannot decide (no policy loaded, server unreachable, bad output)."""


class PolicyRejected(Exception):
    """A new policy was not loaded (it does not compile, decide or pass its tests); the old one stays."""


class PolicyEngine(Protocol):
    @property
    def version(self) -> str:
        """The revision of the policy in force (a bundle's manifest revision, or the content hash of a directory);
        every decision carries it. Empty while no policy is loaded."""

    def decide(self, policy_input: dict[str, Any]) -> Decision:
        """Evaluate the decision entry point; raise PolicyUnavailable rather than guess."""

    def reload(self) -> str:
        """Load the policy again; raise PolicyRejected and keep the last good one if the new one is broken."""

    @property
    def last_rejection(self) -> str | None:
        """Why the latest new version was not loaded (the one in force stays), or None once a load succeeds."""

    def ready(self) -> bool: ...

    def close(self) -> None: ...


def build_engine(settings: PolicySettings) -> PolicyEngine:
    """The live engine, wrapped with a shadow candidate when one is configured."""
    live: PolicyEngine
    if settings.engine == "opa":
        from proxy.policy.opa_server import OpaServerEngine

        live = OpaServerEngine(settings)
    else:
        from proxy.policy.embedded import EmbeddedEngine

        live = EmbeddedEngine(settings)
    if settings.shadow_path is None:
        return live
    from proxy.policy.embedded import EmbeddedEngine
    from proxy.policy.shadow import ShadowedEngine

    return ShadowedEngine(live, EmbeddedEngine(settings, path=settings.shadow_path))
