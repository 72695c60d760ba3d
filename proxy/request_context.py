"""What the gateway learns about one request as it passes through, and how it is recorded."""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from audit.events import Completion, RequestEvent
from core.conversation import Conversation
from core.errors import HandrailError
from core.findings import ScanResult
from proxy import metrics
from proxy.auth import Principal
from proxy.policy.decision import Decision
from proxy.request_ids import new_request_id
from proxy.timing import StageTimer

log = logging.getLogger("handrail.requests")


@dataclass
class RequestContext:
    endpoint: str
    client_address: str | None
    user_agent: str | None
    request_id: str = field(default_factory=new_request_id)
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    timer: StageTimer = field(default_factory=StageTimer)
    principal: Principal | None = None
    model: str | None = None
    provider: str | None = None
    stream: bool = False
    classification: str | None = None
    experiment: str | None = None
    decision: Decision | None = None
    scan: ScanResult | None = None
    prompt_text: str | None = None

    def stage(self, name: str) -> AbstractContextManager[None]:
        return self.timer.stage(name)

    dropped_fields: list[str] = field(default_factory=list)

    def note_conversation(self, conversation: Conversation) -> None:
        """What the audit keeps of a parsed request; called once its model is known to be configured."""
        self.model = conversation.model
        self.stream = conversation.stream
        self.dropped_fields = list(conversation.dropped)

    def request_event(self, outcome: str, error: HandrailError | None = None) -> RequestEvent:
        principal = self.principal
        return RequestEvent(
            request_id=self.request_id,
            received_at=self.received_at,
            endpoint=self.endpoint,
            outcome=outcome,
            status_code=error.status if error else None,
            user_id=principal.user if principal else None,
            department=principal.department if principal else None,
            roles=list(principal.roles) if principal else [],
            clearance=principal.clearance if principal else None,
            key_id=principal.key_id if principal else None,
            client_address=self.client_address,
            user_agent=self.user_agent,
            model=self.model,
            provider=self.provider,
            stream=self.stream,
            classification=self.classification,
            experiment=self.decision.experiment if self.decision else self.experiment,
            decision=self.decision.to_document() if self.decision else None,
            policy_version=self.decision.policy_version if self.decision else None,
            shadow=self.decision.shadow if self.decision else None,
            findings=self.scan.finding_counts() if self.scan else {},
            signals=[{"type": s.type, "evidence": s.evidence, "location": s.location} for s in self.scan.signals]
            if self.scan
            else [],
            error_code=error.code if error else None,
            error_message=error.message if error else None,
            prompt_text=self.prompt_text,
            latency_ms=self.timer.snapshot(),
            dropped_fields=self.dropped_fields,
        )

    def completion(self, outcome: str, status_code: int, **details: object) -> Completion:
        return Completion(
            request_id=self.request_id,
            completed_at=datetime.now(UTC),
            outcome=outcome,
            status_code=status_code,
            latency_ms=self.timer.snapshot(),
            **details,  # type: ignore[arg-type]
        )

    def finished(self, outcome: str, status: int) -> None:
        """Count and log the request once it has been answered."""
        stages = self.timer.snapshot()
        metrics.observe_request(self.endpoint, outcome, stages)
        if self.decision is not None:
            metrics.observe_decision(self.decision.action)
        principal = self.principal
        metrics.observe_outcome(
            self.model if principal else None,
            principal.department if principal else None,
            self.decision.action if self.decision else None,
            self.decision.policy_version if self.decision else None,
            self.scan.finding_counts() if self.scan else {},
        )
        # Never the prompt, the key or the headers: ids, kinds and numbers only (proxy/logs.py keeps to these fields).
        fields = {
            "request_id": self.request_id,
            "endpoint": self.endpoint,
            "user": principal.user if principal else None,
            "department": principal.department if principal else None,
            "model": self.model,
            "decision": self.decision.action if self.decision else None,
            "policy_version": self.decision.policy_version if self.decision else None,
            "outcome": outcome,
            "status": status,
            "latency_ms": stages["total"],
        }
        log.info(
            "request %s %s model=%s user=%s department=%s decision=%s outcome=%s status=%s ms=%.1f",
            self.request_id,
            self.endpoint,
            self.model,
            fields["user"] or "-",
            fields["department"] or "-",
            fields["decision"] or "-",
            outcome,
            status,
            stages["total"],
            extra=fields,
        )
