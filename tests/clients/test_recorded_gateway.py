"""The recorded first requests of real clients, replayed through the running gateway on the default policy.

Every ordinary-work request (no label) is answered; every request labelled agentic, self-coding or internet is
refused with its reason, or its declared tools are removed (the default policy's strip for function tools on an
ordinary chat). The bodies and the client's own headers are sent as recorded; only the key is ours.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.support.gateway import Gateway

pytestmark = pytest.mark.integration

CORPUS = Path(__file__).with_name("recorded.jsonl")
RECORDS = [json.loads(line) for line in CORPUS.read_text().splitlines() if line.strip()]
_HOP_BY_HOP = {"connection", "accept-encoding", "content-length", "host", "transfer-encoding"}


def replay(gateway: Gateway, key: str, record: dict) -> httpx.Response:
    headers = {k: v for k, v in record["headers"].items() if k.lower() not in _HOP_BY_HOP}
    headers["authorization"] = f"Bearer {key}"
    return httpx.post(f"{gateway.url}{record['endpoint']}", json=record["body"], headers=headers, timeout=60)


@pytest.mark.parametrize("record", [r for r in RECORDS if not any(r["labels"].values())], ids=lambda r: r["id"])
def test_ordinary_work_from_real_clients_is_answered(gateway, user_key, recorder, record):
    response = replay(gateway, user_key, record)
    assert response.status_code == 200, response.text
    assert "x-handrail-tools-removed" not in response.headers
    assert len(recorder.requests) == 1


@pytest.mark.parametrize("record", [r for r in RECORDS if any(r["labels"].values())], ids=lambda r: r["id"])
def test_agents_from_real_clients_are_refused_or_have_their_tools_removed(gateway, user_key, recorder, record):
    response = replay(gateway, user_key, record)
    if response.status_code == 200:
        # Declared function tools on an ordinary chat are removed, never forwarded.
        assert int(response.headers["x-handrail-tools-removed"]) >= 1
        forwarded = recorder.requests[0]["body"]
        assert "tools" not in forwarded and "tool_choice" not in forwarded
    else:
        assert response.status_code == 403, response.text
        error = response.json()["error"]
        assert "What Handrail saw:" in error["message"]
        assert recorder.requests == []
