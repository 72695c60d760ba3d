"""Prometheus metrics: requests, decisions, latency by stage.

With several worker processes each writes its samples to a shared directory
(``PROMETHEUS_MULTIPROC_DIR``, set by ``handrail serve``) and ``/metrics``
aggregates them, so a scrape sees the whole server, not one worker.
"""

from __future__ import annotations

import os

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess

REQUESTS = Counter("handrail_requests_total", "Requests answered, by endpoint and outcome.", ["endpoint", "outcome"])
DECISIONS = Counter("handrail_decisions_total", "Policy decisions, by action.", ["action"])
STAGE_SECONDS = Histogram(
    "handrail_stage_seconds",
    "Time spent in each stage of the request path.",
    ["stage"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)


def observe_request(endpoint: str, outcome: str, stages_ms: dict[str, float]) -> None:
    REQUESTS.labels(endpoint, outcome).inc()
    for stage, milliseconds in stages_ms.items():
        STAGE_SECONDS.labels(stage).observe(milliseconds / 1000)


def observe_decision(action: str) -> None:
    DECISIONS.labels(action).inc()


def exposition() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
