"""The input document the policy sees: who is asking, for what, and what the detectors found.

Only kinds and counts of findings are passed, never the values themselves, so a
policy (or an OPA server's decision log) never holds personal data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from detectors.findings import ScanResult
from proxy.auth import Principal
from proxy.conversation import Conversation


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
        },
        "model": {"name": conversation.model, "configured": model_configured, "provider": provider},
        "experiment_usage": {"requests_today": experiment_requests_today},
        "findings": {"counts": scan.finding_counts(), "types": sorted(scan.finding_counts())},
        "signals": [{"type": s.type, "evidence": s.evidence, "location": s.location} for s in scan.signals],
    }
