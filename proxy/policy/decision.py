"""The policy's answer, as the proxy enforces it and the audit trail records it.

``DecisionDocument`` is the one description of the decision document: the gateway validates what Rego answers
with it, and ``schema/decision.schema.json`` (for policy authors and their tools) is generated from it —
``python -m proxy.policy.decision > proxy/policy/schema/decision.schema.json``; a test keeps the two equal.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field, replace
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

# strip: forward the request without its declared tools; redact_types still apply. Must list core.vocabulary.ACTIONS
# (a Literal needs its values written out; tests/core/test_vocabulary.py checks they agree).
Action = Literal["allow", "redact", "strip", "block"]

SCHEMA_ID = "https://handrail.example.gov.uk/schema/policy-decision.json"


class ReasonDocument(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, title="Reason")

    code: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
    message: Annotated[str, StringConstraints(min_length=1)]
    evidence: Annotated[str, StringConstraints(min_length=1)] | None = Field(
        default=None,
        description="What the detectors saw, in words (scanned; never a detected value). A refusal shows the "
        "evidence of all its reasons once, after their messages.",
    )


def _refusals_need_reasons(schema: dict[str, Any]) -> None:
    # The same rules as DecisionDocument's validator, for tools that read only the schema.
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    schema["allOf"] = [
        {"if": {"properties": {"action": {"const": action}}}, "then": {"properties": {field: {"minItems": 1}}}}
        for action, field in (("block", "reasons"), ("strip", "reasons"), ("redact", "redact_types"))
    ]


class DecisionDocument(BaseModel):
    """What data.handrail.decision answers. The gateway adds policy_version (a hash of the loaded policy and data)
    and, in shadow mode, the candidate's differing decision, and records the whole document with the request."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        strict=True,
        title="Handrail policy decision",
        json_schema_extra=_refusals_need_reasons,
    )

    action: Action = Field(
        description="strip: forward the request without its declared tools (tools, tool_choice, functions, "
        "function_call, parallel_tool_calls, web_search_options); redact_types still apply."
    )
    reasons: list[ReasonDocument] = Field(
        description="The first reason is the main one. Messages are plain English and never quote a detected value."
    )
    redact_types: list[str] = Field(json_schema_extra={"uniqueItems": True})
    experiment: str | None
    policy_version: str | None = None
    removed_tools: list[str] | None = Field(
        default=None,
        description="Added by the gateway on a strip decision: the names of the tools it removed (scanned; a finding "
        "in a name is replaced by its type).",
    )
    shadow: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _complete(self) -> DecisionDocument:
        if self.action in {"block", "strip"} and not self.reasons:
            raise ValueError(f"a {self.action} decision must give at least one reason")
        if self.action == "redact" and not self.redact_types:
            raise ValueError("a redact decision must name the types to redact")
        if len(set(self.redact_types)) != len(self.redact_types):
            raise ValueError("'redact_types' names a type twice")
        return self


def decision_schema() -> dict[str, Any]:
    return DecisionDocument.model_json_schema()


def _first_problem(error: ValidationError) -> str:
    problem = error.errors()[0]
    place = ".".join(str(part) for part in problem["loc"])
    return f"{place}: {problem['msg']}" if place else str(problem["msg"])


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    message: str  # plain English; never quotes a detected value
    evidence: str | None = None  # what the detectors saw, in words


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    reasons: tuple[Reason, ...] = ()
    redact_types: frozenset[str] = frozenset()
    experiment: str | None = None
    policy_version: str = ""
    # Set when a candidate (shadow) policy decided differently; recorded, never enforced.
    shadow: dict[str, Any] | None = field(default=None, compare=False)
    # Set by the gateway on a strip decision: the (scanned) names of the tools it removed.
    removed_tools: tuple[str, ...] | None = None

    @classmethod
    def from_document(cls, document: object, policy_version: str) -> Decision:
        """Validate the decision document a Rego policy produced.

        Anything malformed is an error, never an implicit allow: the engine fails closed.
        """
        if not isinstance(document, dict):
            raise ValueError("the policy produced no decision document")
        try:
            valid = DecisionDocument.model_validate(document)
        except ValidationError as error:
            raise ValueError(f"the policy's decision is malformed: {_first_problem(error)}") from None
        return cls(
            action=valid.action,
            reasons=tuple(Reason(reason.code, reason.message, reason.evidence) for reason in valid.reasons),
            redact_types=frozenset(valid.redact_types),
            experiment=valid.experiment or None,
            policy_version=policy_version,
        )

    def to_document(self) -> dict[str, Any]:
        document: dict[str, object] = {
            "action": self.action,
            "reasons": [_reason_document(reason) for reason in self.reasons],
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
            replace(r, message=f"{r.message.rstrip('.')}. Tools removed ({len(names)}): {listed}.")
            if r.code == "tools_removed"
            else r
            for r in self.reasons
        )
        return replace(self, reasons=reasons, removed_tools=names)

    @property
    def first_reason_code(self) -> str:
        return self.reasons[0].code if self.reasons else "policy_violation"

    def explanation(self) -> str:
        """The reasons as one plain-English paragraph, for a refusal message.

        Evidence is said once, after the messages: one web-search tool is both agentic use and internet access,
        and a refusal that says "What Handrail saw" twice about the same tool reads as two problems.
        """
        messages = " ".join(reason.message.rstrip(".") + "." for reason in self.reasons)
        seen = list(dict.fromkeys(reason.evidence for reason in self.reasons if reason.evidence))
        return f"{messages} What Handrail saw: {'; '.join(seen)}." if seen else messages


def _reason_document(reason: Reason) -> dict[str, str]:
    document = {"code": reason.code, "message": reason.message}
    if reason.evidence is not None:
        document["evidence"] = reason.evidence
    return document


if __name__ == "__main__":
    sys.stdout.write(json.dumps(decision_schema(), indent=2) + "\n")
