"""What the audit trail records about one request.

Values are kinds and counts, never the personal data itself: prompts and
answers are kept only as redacted text (placeholders by type), or not at all.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(slots=True)
class RequestEvent:
    """Everything known about a request before it is forwarded (or refused)."""

    request_id: str
    received_at: datetime
    endpoint: str
    outcome: str  # "forwarded" (to be completed), "blocked", "rejected", "failed"
    status_code: int | None = None
    user_id: str | None = None
    department: str | None = None
    roles: list[str] = field(default_factory=list)
    clearance: str | None = None
    key_id: str | None = None
    client_address: str | None = None
    user_agent: str | None = None
    model: str | None = None
    provider: str | None = None
    stream: bool = False
    classification: str | None = None
    experiment: str | None = None
    decision: dict | None = None  # the policy's whole decision document
    policy_version: str | None = None
    shadow: dict | None = None  # where a candidate policy disagreed
    findings: dict[str, int] = field(default_factory=dict)  # finding type -> count
    signals: list[dict] = field(default_factory=list)  # {"type", "evidence", "location"}
    error_code: str | None = None
    error_message: str | None = None
    prompt_text: str | None = None  # redacted
    latency_ms: dict[str, float] = field(default_factory=dict)  # stage -> milliseconds

    def to_dict(self) -> dict:
        return _jsonable(dataclasses.asdict(self))


@dataclass(slots=True)
class Completion:
    """What happened after forwarding: recorded once the answer is finished."""

    request_id: str
    completed_at: datetime
    outcome: str  # "completed", "upstream_error", "cancelled", "blocked_answer", "failed"
    status_code: int
    upstream_status: int | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    answer_text: str | None = None  # redacted
    answer_findings: dict[str, int] = field(default_factory=dict)
    answer_signals: list[dict] = field(default_factory=list)
    error_code: str | None = None
    error_message: str | None = None
    latency_ms: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return _jsonable(dataclasses.asdict(self))


def _jsonable(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value
