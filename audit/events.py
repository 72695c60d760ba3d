"""What the audit trail records: a request, its completion, and every access to the trail itself.

Values are kinds and counts, never the personal data itself: prompts and answers are kept only as redacted text
(placeholders by type), or not at all.
"""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from audit.canonical import jsonable


@dataclass(slots=True)
class RequestEvent:
    """Everything known about a request before it is forwarded (or refused)."""

    request_id: str
    received_at: datetime
    endpoint: str
    # "forwarded" (a completion follows), or final: "blocked", "rejected", "failed", "scanned"
    outcome: str
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
    decision: dict[str, Any] | None = None  # the policy's whole decision document (action, reasons, redact_types ...)
    policy_version: str | None = None
    shadow: dict[str, Any] | None = None  # where a candidate policy disagreed
    findings: dict[str, int] = field(default_factory=dict)  # finding type -> count
    signals: list[dict[str, str | None]] = field(default_factory=list)  # {"type", "evidence", "location"}
    error_code: str | None = None
    error_message: str | None = None
    prompt_text: str | None = None  # redacted; kept beside the chained body, which holds its SHA-256
    latency_ms: dict[str, float] = field(default_factory=dict)  # stage -> milliseconds
    # Places of client fields that were not forwarded ("metadata", "messages[0].{field}"): names only where
    # they are the API's own vocabulary, since an unknown key is client text that was never scanned.
    dropped_fields: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {key: jsonable(value) for key, value in dataclasses.asdict(self).items()}


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
    answer_signals: list[dict[str, str | None]] = field(default_factory=list)
    error_code: str | None = None
    error_message: str | None = None
    latency_ms: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {key: jsonable(value) for key, value in dataclasses.asdict(self).items()}


def new_access_id() -> str:
    return "acc_" + secrets.token_hex(12)


@dataclass(slots=True)
class AccessEvent:
    """An auditor (or operator) read or changed the audit trail: who, how, and with which parameters."""

    actor: str  # the user id of the key, or "cli:<os user>@<host>"
    action: str  # "query", "show", "export", "stats", "verify", "checkpoint", "purge-text"
    via: str  # "http" or "cli"
    parameters: dict[str, Any] = field(
        default_factory=dict
    )  # filters and options, never free-text search terms in clear
    department: str | None = None
    roles: list[str] = field(default_factory=list)
    key_id: str | None = None
    client_address: str | None = None
    request_id: str = field(default_factory=new_access_id)
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_dict(self) -> dict[str, Any]:
        return {key: jsonable(value) for key, value in dataclasses.asdict(self).items()}
