"""Usage safeguards: is the request agentic, self-coding, or given live internet access?

Three sources, as ../shared/CONTRACT.md defines the signals:
structure (``structure``: declared tools, tool calls and results in the history),
content (``content``: agent scaffolding in the text, requests to run the model's
own code or change its instructions) and the client (``client``: agent-framework
headers, supporting evidence only).
"""

from __future__ import annotations

from core.conversation import Conversation
from core.findings import Signal
from detectors.usage.client import framework_evidence
from detectors.usage.content import add_content_evidence
from detectors.usage.evidence import Evidence
from detectors.usage.structure import add_structural_evidence

__all__ = ["detect_usage_signals"]


def detect_usage_signals(conversation: Conversation) -> list[Signal]:
    evidence = Evidence()
    add_structural_evidence(conversation, evidence)
    add_content_evidence(conversation, evidence)
    if not evidence.types():
        return []
    return evidence.signals(supporting=framework_evidence(conversation.client_headers))
