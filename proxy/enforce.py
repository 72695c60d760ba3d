"""Enforcing a decision on a conversation: what may leave, and what the audit trail keeps."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from detectors.findings import Finding, ScanResult, Signal
from detectors.pseudonymise import Pseudonymiser, redact_by_type
from detectors.settings import PseudonymMode
from proxy.conversation import Conversation
from proxy.policy.decision import Decision


def findings_by_part(scan: ScanResult, part_count: int) -> list[list[Finding]]:
    grouped: list[list[Finding]] = [[] for _ in range(part_count)]
    for finding in scan.findings:
        if finding.part is not None and 0 <= finding.part < part_count:
            grouped[finding.part].append(finding)
    return grouped


def outbound_body(
    conversation: Conversation, scan: ScanResult, decision: Decision, modes: Mapping[str, PseudonymMode]
) -> tuple[dict, Pseudonymiser]:
    """The request to forward, with the decision's ``redact_types`` replaced, and the mapping to restore the answer.

    It is always built from ``conversation.outbound`` — the declared fields only —
    never from the client's body.
    """
    pseudonymiser = Pseudonymiser(modes)
    if decision.action != "redact" or not decision.redact_types:
        return conversation.outbound, pseudonymiser
    grouped = findings_by_part(scan, len(conversation.parts))
    texts = [
        pseudonymiser.redact(part.text, grouped[index], decision.redact_types)
        for index, part in enumerate(conversation.parts)
    ]
    return conversation.with_texts(texts), pseudonymiser


def audit_prompt_text(conversation: Conversation, scan: ScanResult) -> str:
    """The conversation as the audit trail keeps it: every finding replaced by its type."""
    grouped = findings_by_part(scan, len(conversation.parts))
    lines = []
    for index, part in enumerate(conversation.parts):
        lines.append(f"[{part.role} {part.location}] {redact_by_type(part.text, grouped[index])}")
    return "\n".join(lines)


def scrubbed(text: str, analyze: Callable[[str], list[Finding]]) -> str:
    """A client string fit to be stored or quoted back: every finding in it replaced by its type."""
    return redact_by_type(text, analyze(text)) if text else text


def scrubbed_signals(signals: list[Signal], analyze: Callable[[str], list[Finding]]) -> list[Signal]:
    """Signals whose evidence quotes no sensitive value.

    Evidence names tools and quotes a few words of the request; tool names and
    words are client text, and a refusal repeats the evidence to the user.
    """
    return [Signal(signal.type, scrubbed(signal.evidence, analyze), signal.location) for signal in signals]


def sent_text(conversation: Conversation) -> str:
    """All the request's text, case-folded: an answer finding whose value appears here was sent by the user."""
    return "\n".join(part.text for part in conversation.parts).casefold()
