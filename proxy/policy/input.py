"""The input document the policy sees: who is asking, for what, and what the detectors found.

Only kinds and counts of findings are passed, never the values themselves, so a
policy (or an OPA server's decision log) never holds personal data. The one
exception is the level of a security marking ("SECRET"), which is a
classification, not personal data. The shape is fixed by
``proxy/policy/schema/input.schema.json``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from core.conversation import Conversation
from core.findings import ScanResult
from detectors.encodings import decode_all
from detectors.recognizers.security_marking import marking_level
from proxy.auth import Principal

KNOWN_LEVELS = ("TOP SECRET", "OFFICIAL-SENSITIVE", "SECRET", "OFFICIAL")
# A marking found inside encoded content whose level cannot be read back: ranked cautiously, never quoted.
UNREAD_ENCODED_LEVEL = "OFFICIAL-SENSITIVE"


def markings_found(conversation: Conversation, scan: ScanResult) -> list[str]:
    levels = set()
    for finding in scan.findings:
        if finding.type == "SECURITY_MARKING" and finding.part is not None and finding.part < len(conversation.parts):
            value = finding.value(conversation.parts[finding.part].text)
            levels.add(_encoded_marking_level(value) if finding.encoded else marking_level(value))
    return sorted(levels)


def _encoded_marking_level(run: str) -> str:
    """The highest known level stated in the decoded text of an encoded run.

    The span of an encoded finding is the encoded run, not the marking, so its
    text is never passed on as a level: only a level from the known list is.
    """
    found = {marking_level(decoded.text) for decoded in decode_all(run).texts}
    for level in KNOWN_LEVELS:
        if level in found:
            return level
    return UNREAD_ENCODED_LEVEL


def encoded_findings(scan: ScanResult) -> dict[str, Any]:
    """Which kinds of data were found inside encoded content, and in which encodings (names, never values)."""
    return {"types": scan.encoded_types(), "encodings": scan.encodings()}


def build_policy_input(
    *,
    principal: Principal,
    conversation: Conversation,
    scan: ScanResult,
    endpoint: str,
    classification: str,
    experiment: str | None,
    experiment_requests_today: int,
    provider: str,
    now: datetime,
    phase: Literal["request", "response"] = "request",
) -> dict[str, Any]:
    counts = scan.finding_counts()
    return {
        "phase": phase,
        "time": now.isoformat(),
        "principal": principal.as_policy_input(),
        "request": {
            "endpoint": endpoint,
            "api": conversation.api,
            "model": conversation.model,
            "stream": conversation.stream,
            "classification": classification,
            "experiment": experiment,
            "unscannable_kinds": sorted({part.kind for part in conversation.opaque_parts}),
        },
        "model": {"name": conversation.model, "provider": provider},
        "experiment_usage": {"requests_today": experiment_requests_today},
        "findings": {
            "counts": counts,
            "types": sorted(counts),
            "markings": markings_found(conversation, scan),
            "encoded": encoded_findings(scan),
        },
        "signals": [
            {"type": s.type, "evidence": s.evidence, "location": s.location, "sources": list(s.sources)}
            for s in scan.signals
        ],
    }
