"""Enforcing a decision on a conversation: what may leave, and what the audit trail keeps."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from typing import Any

from core.conversation import Conversation
from core.findings import Finding, ScanResult, Signal
from detectors.pseudonymise import Pseudonymiser, redact_by_type
from detectors.settings import PseudonymMode
from detectors.usage.evidence import AGENTIC, STRUCTURED_OUTPUT
from detectors.usage.structure import structured_output_tool
from proxy.policy.decision import Decision

# What a strip decision removes from the outbound (chat-completions / litellm) request.
TOOL_FIELDS = ("tools", "tool_choice", "functions", "function_call", "parallel_tool_calls", "web_search_options")
TOOLS_REMOVED_HEADER = "x-handrail-tools-removed"
_NAME_SEPARATORS = re.compile(r"[_\-./:]")


def findings_by_part(scan: ScanResult, part_count: int) -> list[list[Finding]]:
    grouped: list[list[Finding]] = [[] for _ in range(part_count)]
    for finding in scan.findings:
        if finding.part is not None and 0 <= finding.part < part_count:
            grouped[finding.part].append(finding)
    return grouped


def outbound_body(
    conversation: Conversation, scan: ScanResult, decision: Decision, modes: Mapping[str, PseudonymMode]
) -> tuple[dict[str, Any], Pseudonymiser]:
    """The request to forward, with the decision's ``redact_types`` replaced, and the mapping to restore the answer.

    It is always built from ``conversation.outbound`` — the declared fields only —
    never from the client's body.
    """
    pseudonymiser = Pseudonymiser(modes)
    if decision.action not in {"redact", "strip"} or not decision.redact_types:
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
    return [dataclasses.replace(signal, evidence=scrubbed(signal.evidence, analyze)) for signal in signals]


def sent_text(conversation: Conversation) -> str:
    """All the request's text, case-folded: an answer finding whose value appears here was sent by the user."""
    return "\n".join(part.text for part in conversation.parts).casefold()


def strip_tools(upstream_request: dict[str, Any], analyze: Callable[[str], list[Finding]]) -> tuple[str, ...]:
    """Remove the declared tools from the outbound request (in place); the names removed, scanned.

    A tool's name is a client string that was never scanned: it is read as
    words ("lookup_AB123456C" as "lookup AB123456C", same length) and any
    finding in it is replaced by its type before the name is recorded.
    """
    names: list[str] = []
    for tool in upstream_request.get("tools") or []:
        if isinstance(tool, dict):
            function = tool.get("function")
            name = (
                (function.get("name") if isinstance(function, dict) else None) or tool.get("name") or tool.get("type")
            )
            names.append(name if isinstance(name, str) and name else "a tool without a name")
    for function in upstream_request.get("functions") or []:
        name = function.get("name") if isinstance(function, dict) else None
        names.append(name if isinstance(name, str) and name else "a function without a name")
    if "web_search_options" in upstream_request:
        names.append("web_search_options")
    for field in TOOL_FIELDS:
        upstream_request.pop(field, None)
    return tuple(redact_by_type(name, analyze(_NAME_SEPARATORS.sub(" ", name))) for name in names)


def tools_removed_header(decision: Decision) -> dict[str, str]:
    """The response header that tells the client its tools were removed (none when nothing was)."""
    if decision.removed_tools is None:
        return {}
    return {TOOLS_REMOVED_HEADER: str(len(decision.removed_tools))}


def answer_call_signal(conversation: Conversation, tool_name: str | None) -> str:
    """A tool call in the answer is agentic use, unless it fills in the tool that is only the answer's shape."""
    shape = structured_output_tool(conversation)
    return STRUCTURED_OUTPUT if shape is not None and tool_name == shape.name else AGENTIC
