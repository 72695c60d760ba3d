"""Enforcing a decision on a conversation: what may leave, and what the audit trail keeps."""

from __future__ import annotations

from collections.abc import Mapping

from detectors.findings import Finding, ScanResult
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
    """The body to forward, with the decision's ``redact_types`` replaced, and the mapping to restore the answer."""
    pseudonymiser = Pseudonymiser(modes)
    if decision.action != "redact" or not decision.redact_types:
        return conversation.body, pseudonymiser
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


def sent_text(conversation: Conversation) -> str:
    """All the request's text, case-folded: an answer finding whose value appears here was sent by the user."""
    return "\n".join(part.text for part in conversation.parts).casefold()
