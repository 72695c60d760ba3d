"""Shadow mode: a candidate policy decides beside the live one on real traffic.

Only the live decision is enforced. Where the candidate would have decided
differently (or could not decide), the difference travels with the live
decision into the audit trail, so the policy team can see what a change would
do before it goes live (``handrail audit query --shadow``).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from proxy.policy.decision import Decision
from proxy.policy.engine import PolicyEngine

log = logging.getLogger(__name__)


def comparable(decision: Decision) -> tuple[str, tuple[str, ...], tuple[str, ...], str | None]:
    """What a disagreement is about: the action, reason codes, redacted types and experiment."""
    return (
        decision.action,
        tuple(r.code for r in decision.reasons),
        tuple(sorted(decision.redact_types)),
        decision.experiment,
    )


def difference(live: Decision, candidate: Decision) -> dict[str, Any] | None:
    if comparable(live) == comparable(candidate):
        return None
    return {
        "action": candidate.action,
        "reasons": [reason.code for reason in candidate.reasons],
        "redact_types": sorted(candidate.redact_types),
        "experiment": candidate.experiment,
        "policy_version": candidate.policy_version,
    }


class ShadowedEngine:
    """The live engine, with a candidate consulted on every decision and never enforced."""

    def __init__(self, live: PolicyEngine, candidate: PolicyEngine) -> None:
        self.live = live
        self.candidate = candidate

    @property
    def version(self) -> str:
        return self.live.version

    @property
    def last_rejection(self) -> str | None:
        return self.live.last_rejection

    def ready(self) -> bool:
        return self.live.ready()

    def decide(self, policy_input: dict[str, Any]) -> Decision:
        decision = self.live.decide(policy_input)
        try:
            shadow = difference(decision, self.candidate.decide(policy_input))
        except Exception as error:  # the candidate never affects the live answer
            log.warning("shadow policy could not decide: %s", error)
            shadow = {"error": str(error), "policy_version": self.candidate.version}
        return dataclasses.replace(decision, shadow=shadow) if shadow else decision

    def reload(self) -> str:
        try:
            self.candidate.reload()
        except Exception as error:
            log.error("shadow policy not reloaded: %s", error)
        return self.live.reload()

    def close(self) -> None:
        self.live.close()
        self.candidate.close()
