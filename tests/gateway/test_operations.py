"""Health, readiness and metrics."""

from __future__ import annotations

import httpx
import pytest

from proxy.policy.files import read_policy
from tests.policy.helpers import POLICIES

pytestmark = pytest.mark.integration


def test_health_and_readiness(gateway):
    assert httpx.get(f"{gateway.url}/healthz", timeout=10).json() == {"status": "ok"}
    ready = httpx.get(f"{gateway.url}/readyz", timeout=10)
    assert ready.status_code == 200
    # The revision in force is named, so replicas can be compared (the shipped policy's content hash here).
    revision = read_policy(POLICIES).version
    assert ready.json() == {
        "status": "ready",
        "detectors": "ok",
        "policy": "ok",
        "audit": "ok",
        "policy_revision": revision,
    }


def test_metrics_count_requests_decisions_and_stage_latency(gateway, user_key):
    headers = {"authorization": f"Bearer {user_key}"}
    body = {"model": "demo", "messages": [{"role": "user", "content": "metrics probe"}]}
    assert httpx.post(f"{gateway.url}/v1/chat/completions", json=body, headers=headers, timeout=30).status_code == 200
    text = httpx.get(f"{gateway.url}/metrics", timeout=10).text
    assert 'handrail_requests_total{endpoint="/v1/chat/completions",outcome="completed"}' in text
    assert 'handrail_decisions_total{action="allow"}' in text
    for stage in ("authenticate", "detect", "decide", "upstream", "total"):
        assert f'handrail_stage_seconds_count{{stage="{stage}"}}' in text
    assert user_key not in text
