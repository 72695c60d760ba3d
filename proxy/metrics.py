"""Prometheus metrics: requests, decisions, findings, latency by stage, policy reloads.

With several worker processes each writes its samples to a shared directory
(``PROMETHEUS_MULTIPROC_DIR``, set by ``handrail serve``) and ``/metrics``
aggregates them, so a scrape sees the whole server, not one worker.

Names follow Prometheus conventions (``handrail_`` prefix, ``_total`` counters,
base units in ``_seconds``). Every label has a bounded set of values, because
each distinct value is a time series kept forever:

    model           the configured model names; anything else is "other"
    department      the first MAX_DEPARTMENTS seen per worker (keys may only name
                    the policy's departments), then "other"
    decision        allow, redact, strip, block, or "none" (refused before a decision)
    finding_type    the detectors' entity types (a fixed set in code; capped at MAX_FINDING_TYPES)
    policy_revision the policy version; changes only when a policy is released
    result          success, failure

Families (also in docs/architecture.md, "Running at scale"):

    handrail_requests_total{endpoint,outcome}
    handrail_decisions_total{action}
    handrail_model_requests_total{model,department,decision}
    handrail_policy_decisions_total{decision,policy_revision}
    handrail_findings_total{finding_type,department}
    handrail_stage_seconds{stage}                 histogram
    handrail_policy_reloads_total{result}
    handrail_policy_revision_info{policy_revision} 1 for the revision in force in a worker
    handrail_audit_spool_depth, handrail_audit_witnessed_total{outcome}   (audit/)
"""

from __future__ import annotations

import os
import threading

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

MAX_DEPARTMENTS = 200
MAX_FINDING_TYPES = 64
OTHER = "other"

REQUESTS = Counter("handrail_requests_total", "Requests answered, by endpoint and outcome.", ["endpoint", "outcome"])
DECISIONS = Counter("handrail_decisions_total", "Policy decisions, by action.", ["action"])
MODEL_REQUESTS = Counter(
    "handrail_model_requests_total",
    "Requests answered, by configured model, department and policy decision.",
    ["model", "department", "decision"],
)
POLICY_DECISIONS = Counter(
    "handrail_policy_decisions_total",
    "Policy decisions, by decision and policy revision.",
    ["decision", "policy_revision"],
)
FINDINGS = Counter(
    "handrail_findings_total",
    "Personal-data findings in requests, by type and department.",
    ["finding_type", "department"],
)
STAGE_SECONDS = Histogram(
    "handrail_stage_seconds",
    "Time spent in each stage of the request path.",
    ["stage"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
POLICY_RELOADS = Counter("handrail_policy_reloads_total", "Policy loads after start, by result.", ["result"])
POLICY_REVISION = Gauge(
    "handrail_policy_revision_info",
    "1 for the policy revision a worker has in force.",
    ["policy_revision"],
    multiprocess_mode="max",
)


class _Bounded:
    """Maps label values onto a bounded set: known values pass, the rest become "other"."""

    def __init__(self, known: set[str] | None = None, limit: int = 0) -> None:
        self.known = set(known or ())
        self.limit = limit
        self._lock = threading.Lock()

    def __call__(self, value: str | None) -> str:
        if not value:
            return "none"
        if value in self.known:
            return value
        with self._lock:
            if len(self.known) < self.limit:
                self.known.add(value)
                return value
        return OTHER


_models = _Bounded()
_departments = _Bounded(limit=MAX_DEPARTMENTS)
_finding_types = _Bounded(limit=MAX_FINDING_TYPES)
_revision_lock = threading.Lock()
_revision: str | None = None


def bound_labels(models: list[str]) -> None:
    """Called once per worker at start: the values ``model`` may take (the configured names)."""
    _models.known = set(models)


def observe_request(endpoint: str, outcome: str, stages_ms: dict[str, float]) -> None:
    REQUESTS.labels(endpoint, outcome).inc()
    for stage, milliseconds in stages_ms.items():
        STAGE_SECONDS.labels(stage).observe(milliseconds / 1000)


def observe_decision(action: str) -> None:
    DECISIONS.labels(action).inc()


def observe_outcome(
    model: str | None,
    department: str | None,
    decision: str | None,
    policy_revision: str | None,
    finding_counts: dict[str, int],
) -> None:
    """The labelled view of one answered request (no label ever holds a user, a key or text)."""
    department_label = _departments(department)
    MODEL_REQUESTS.labels(_models(model), department_label, decision or "none").inc()
    if decision is not None:
        POLICY_DECISIONS.labels(decision, policy_revision or "none").inc()
    for finding_type, count in finding_counts.items():
        FINDINGS.labels(_finding_types(finding_type), department_label).inc(count)


def observe_policy_load(ok: bool, revision: str | None = None) -> None:
    POLICY_RELOADS.labels("success" if ok else "failure").inc()
    if ok and revision:
        note_policy_revision(revision)


def note_policy_revision(revision: str) -> None:
    """The revision in force: its info series is 1, the previous one's 0 (zeroed, not removed: in multi-process
    mode a removed series would live on in this worker's file)."""
    global _revision
    with _revision_lock:
        if revision == _revision:
            return
        if _revision is not None:
            POLICY_REVISION.labels(_revision).set(0)
        POLICY_REVISION.labels(revision).set(1)
        _revision = revision


def exposition() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # prometheus_client: unannotated
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
