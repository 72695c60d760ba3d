"""The input document the policy sees: who is asking, for what, and what the detectors found.

Only kinds and counts of findings are passed, never the values themselves, so a
policy (or an OPA server's decision log) never holds personal data. The one
exception is the level of a security marking ("SECRET"), which is a
classification, not personal data. The shape is fixed by
``proxy/policy/schema/input.schema.json``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from detectors.findings import ScanResult
from detectors.recognizers.security_marking import marking_level
from proxy.auth import Principal
from proxy.conversation import Conversation


def markings_found(conversation: Conversation, scan: ScanResult) -> list[str]:
    levels = set()
    for finding in scan.findings:
        if finding.type == "SECURITY_MARKING" and finding.part is not None and finding.part < len(conversation.parts):
            levels.add(marking_level(finding.value(conversation.parts[finding.part].text)))
    return sorted(levels)


def build_policy_input(
    *,
    principal: Principal,
    conversation: Conversation,
    scan: ScanResult,
    endpoint: str,
    classification: str,
    experiment: str | None,
    experiment_requests_today: int,
    model_configured: bool,
    provider: str,
    now: datetime,
    phase: Literal["request", "response"] = "request",
) -> dict:
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
        "model": {"name": conversation.model, "configured": model_configured, "provider": provider},
        "experiment_usage": {"requests_today": experiment_requests_today},
        "findings": {"counts": counts, "types": sorted(counts), "markings": markings_found(conversation, scan)},
        "signals": [
            {"type": s.type, "evidence": s.evidence, "location": s.location, "sources": list(s.sources)}
            for s in scan.signals
        ],
    }
