"""The policy's answer, as the proxy enforces it and the audit trail records it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from core.vocabulary import ACTIONS

# strip: forward the request without its declared tools; redact_types still apply. Must list core.vocabulary.ACTIONS
# (a Literal needs its values written out; tests/core/test_vocabulary.py checks they agree).
Action = Literal["allow", "redact", "strip", "block"]


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    message: str  # plain English; never quotes a detected value


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    reasons: tuple[Reason, ...] = ()
    redact_types: frozenset[str] = frozenset()
    experiment: str | None = None
    policy_version: str = ""
    # Set when a candidate (shadow) policy decided differently; recorded, never enforced.
    shadow: dict | None = field(default=None, compare=False)
    # Set by the gateway on a strip decision: the (scanned) names of the tools it removed.
    removed_tools: tuple[str, ...] | None = None

    @classmethod
    def from_document(cls, document: object, policy_version: str) -> Decision:
        """Validate the decision document a Rego policy produced.

        Anything malformed is an error, never an implicit allow: the engine fails closed.
        """
        if not isinstance(document, dict):
            raise ValueError("the policy produced no decision document")
        action = document.get("action")
        if action not in ACTIONS:
            raise ValueError(f"the policy's decision has an unknown action: {action!r}")
        reasons = []
        for reason in document.get("reasons") or []:
            if not isinstance(reason, dict) or not isinstance(reason.get("code"), str):
                raise ValueError("every reason needs a 'code'")
            reasons.append(Reason(reason["code"], str(reason.get("message") or reason["code"])))
        if action in {"block", "strip"} and not reasons:
            raise ValueError(f"a {action} decision must give at least one reason")
        redact_types = document.get("redact_types") or []
        if not isinstance(redact_types, list) or not all(isinstance(t, str) for t in redact_types):
            raise ValueError("'redact_types' must be a list of finding types")
        experiment = document.get("experiment")
        return cls(
            action=action,
            reasons=tuple(reasons),
            redact_types=frozenset(redact_types),
            experiment=experiment if isinstance(experiment, str) and experiment else None,
            policy_version=policy_version,
        )

    def to_document(self) -> dict:
        document = {
            "action": self.action,
            "reasons": [{"code": r.code, "message": r.message} for r in self.reasons],
            "redact_types": sorted(self.redact_types),
            "experiment": self.experiment,
            "policy_version": self.policy_version,
        }
        if self.shadow is not None:
            document["shadow"] = self.shadow
        if self.removed_tools is not None:
            document["removed_tools"] = list(self.removed_tools)
        return document

    def with_removed_tools(self, names: tuple[str, ...]) -> Decision:
        """The decision as enforced: the removed tools are named in the strip reason and recorded."""
        listed = ", ".join(f"'{name}'" for name in names) if names else "none"
        reasons = tuple(
            Reason(r.code, f"{r.message.rstrip('.')}. Tools removed ({len(names)}): {listed}.")
            if r.code == "tools_removed"
            else r
            for r in self.reasons
        )
        return replace(self, reasons=reasons, removed_tools=names)

    @property
    def first_reason_code(self) -> str:
        return self.reasons[0].code if self.reasons else "policy_violation"

    def explanation(self) -> str:
        """The reasons as one plain-English paragraph, for a refusal message."""
        return " ".join(reason.message.rstrip(".") + "." for reason in self.reasons)
