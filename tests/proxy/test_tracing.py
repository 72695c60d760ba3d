"""OpenTelemetry traces through the real request path: a span per stage under the request's span, no text in any.

The app runs in process (Starlette's TestClient) with the real detectors, policy, audit store and upstream; the
provider is the stand-in over HTTP. Spans are read from the SDK's in-memory exporter, and, for the OTLP exporter,
from the bytes a local collector on 127.0.0.1 receives.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from starlette.testclient import TestClient

from audit.settings import AuditSettings
from proxy.app import create_app
from proxy.config import Settings
from proxy.services import Services
from proxy.tracing import Tracing, TracingSettings
from tests.support.standin import StandInProvider

# A name and a National Insurance number: the first is pseudonymised, the second blocked by the default policy.
NAMED = "Please write to Margaret Thornton about the Harrogate allotment renewal."
BLOCKED = "My National Insurance number is JK 41 22 90 B, please check my record."
SECRET_WORDS = ("Margaret", "Thornton", "Harrogate", "allotment", "JK 41 22 90 B", "41 22 90", "check my record")


Traced = tuple[TestClient, InMemorySpanExporter, str, Services]


@pytest.fixture()
def traced(standin: StandInProvider, tmp_path: Path) -> Iterator[Traced]:
    settings = Settings(
        model_list=standin.model_list(),
        audit=AuditSettings(database_url=f"sqlite:///{tmp_path / 'audit.db'}"),
    )
    exporter = InMemorySpanExporter()
    with TestClient(create_app(settings)) as client:
        services: Services = client.app.state.services  # type: ignore[attr-defined]
        assert not services.tracing.enabled  # off by default
        services.tracing = Tracing.with_exporter(exporter)
        assert services.keys is not None
        key, _ = services.keys.create("ann@example.gov.uk", "DWP")
        yield client, exporter, key, services


def chat(client: TestClient, key: str, text: str, model: str = "echo", stream: bool = False) -> Any:
    """The TestClient's response (its type comes from the HTTP library Starlette picks)."""
    body = {"model": model, "messages": [{"role": "user", "content": text}], "stream": stream}
    return client.post("/v1/chat/completions", json=body, headers={"authorization": f"Bearer {key}"})


def spans_of(exporter: InMemorySpanExporter, request_id: str) -> tuple[ReadableSpan, list[ReadableSpan]]:
    mine = [s for s in exporter.get_finished_spans() if (s.attributes or {}).get("handrail.request_id") == request_id]
    roots = [s for s in mine if s.parent is None]
    assert len(roots) == 1, [s.name for s in mine]
    root = roots[0]
    assert root.context is not None
    children = [s for s in mine if s is not root]
    for child in children:
        assert child.parent is not None and child.parent.span_id == root.context.span_id
        assert child.context is not None and child.context.trace_id == root.context.trace_id
    return root, children


def everything_said(spans: list[ReadableSpan]) -> str:
    """Names, attributes, events and status of the spans: all a trace backend would receive."""
    return "\n".join(span.to_json() for span in spans)


def test_a_forwarded_request_has_a_span_per_stage_under_its_own(traced: Traced) -> None:
    client, exporter, key, _ = traced
    response = chat(client, key, NAMED)
    assert response.status_code == 200
    assert "Margaret Thornton" in response.json()["choices"][0]["message"]["content"]  # restored for the user
    request_id = response.headers["x-request-id"]
    root, children = spans_of(exporter, request_id)

    assert root.name == "POST /v1/chat/completions"
    assert [child.name for child in sorted(children, key=lambda s: s.start_time or 0)] == [
        "authenticate",
        "parse",
        "detect",
        "decide",
        "enforce",
        "audit",
        "upstream",
        "answer_checks",
        "audit",
    ]
    attributes = dict(root.attributes or {})
    assert attributes["handrail.request_id"] == request_id
    assert attributes["handrail.model"] == "echo"
    assert attributes["handrail.department"] == "DWP"
    assert attributes["handrail.decision"] == "redact"
    assert attributes["handrail.finding_types"] == ("PERSON",)
    assert attributes["handrail.outcome"] == "completed" and attributes["handrail.status"] == 200

    said = everything_said([root, *children])
    for word in SECRET_WORDS:
        assert word not in said
    assert key not in said and key.split("_")[-1] not in said


def test_a_blocked_request_ends_at_the_decision_and_says_why_by_code_only(traced: Traced) -> None:
    client, exporter, key, _ = traced
    response = chat(client, key, BLOCKED)
    assert response.status_code == 403
    root, children = spans_of(exporter, response.headers["x-request-id"])
    names = [child.name for child in children]
    assert "decide" in names and "upstream" not in names and "enforce" not in names
    attributes = dict(root.attributes or {})
    assert attributes["handrail.decision"] == "block" and attributes["handrail.outcome"] == "blocked"
    assert attributes["handrail.finding_types"] == ("UK_NINO",)
    said = everything_said([root, *children])
    for word in SECRET_WORDS:
        assert word not in said


def test_a_streamed_answer_is_traced_through_its_relay(traced: Traced) -> None:
    client, exporter, key, _ = traced
    response = chat(client, key, NAMED, stream=True)
    assert response.status_code == 200 and "[DONE]" in response.text
    root, children = spans_of(exporter, response.headers["x-request-id"])
    names = {child.name for child in children}
    assert {"detect", "decide", "upstream_first_chunk", "answer_stream", "audit"} <= names
    assert dict(root.attributes or {})["handrail.outcome"] == "completed"
    said = everything_said([root, *children])
    for word in SECRET_WORDS:
        assert word not in said


def test_the_caller_s_traceparent_makes_the_request_part_of_its_trace(traced: Traced) -> None:
    client, exporter, key, _ = traced
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    body = {"model": "echo", "messages": [{"role": "user", "content": "Hello"}]}
    headers = {"authorization": f"Bearer {key}", "traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"}
    response = client.post("/v1/chat/completions", json=body, headers=headers)
    assert response.status_code == 200
    root, _ = spans_of_remote_parent(exporter, response.headers["x-request-id"])
    assert root.context is not None and format(root.context.trace_id, "032x") == trace_id


def spans_of_remote_parent(exporter: InMemorySpanExporter, request_id: str) -> tuple[ReadableSpan, list[ReadableSpan]]:
    mine = [s for s in exporter.get_finished_spans() if (s.attributes or {}).get("handrail.request_id") == request_id]
    root = next(s for s in mine if s.name.startswith("POST "))
    assert root.parent is not None and root.parent.is_remote
    return root, [s for s in mine if s is not root]


class Collector(BaseHTTPRequestHandler):
    """A trace collector's HTTP endpoint: keeps every body it is sent."""

    received: list[bytes] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", 0))
        Collector.received.append(self.rfile.read(length))
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_the_otlp_exporter_sends_ids_and_kinds_but_no_text_to_the_collector(traced: Traced) -> None:
    client, _, key, services = traced
    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Collector.received = []
    try:
        endpoint = f"http://127.0.0.1:{server.server_address[1]}/v1/traces"
        services.tracing = Tracing.start(TracingSettings(exporter="otlp", otlp_endpoint=endpoint))
        allowed, blocked = chat(client, key, NAMED), chat(client, key, BLOCKED)
        services.tracing.close()  # flushes the batch
    finally:
        server.shutdown()
    sent = b"".join(Collector.received)
    assert allowed.headers["x-request-id"].encode() in sent and blocked.headers["x-request-id"].encode() in sent
    assert b"handrail.finding_types" in sent and b"answer_checks" in sent
    for word in SECRET_WORDS:
        assert word.encode() not in sent
    assert key.encode() not in sent


def test_tracing_is_off_unless_an_exporter_is_chosen() -> None:
    assert not Tracing.start(TracingSettings()).enabled
    assert Tracing().request("/v1/chat/completions", "req_1", {}) is None
    console = Tracing.start(TracingSettings(exporter="console"))
    assert console.enabled
    console.close()
    with pytest.raises(ValueError):
        TracingSettings.model_validate({"exporter": "zipkin"})
    assert json.loads(TracingSettings().model_dump_json())["exporter"] == "none"


def test_a_failing_rate_limit_check_is_named_as_such_and_a_failed_stage_span_says_only_its_code(
    standin: StandInProvider, tmp_path: Path
) -> None:
    """The key check and the rate limit share one trip to a worker thread; a broken limit store still refuses
    with the limits stage named, and its span carries the error's class and code, not its message."""
    settings = Settings.model_validate(
        {
            "model_list": standin.model_list(),
            "audit": {"database_url": f"sqlite:///{tmp_path / 'audit.db'}"},
            "limits": {"requests_per_minute_per_key": 1000},
        }
    )
    exporter = InMemorySpanExporter()
    standin.recorder.clear()
    with TestClient(create_app(settings)) as client:
        services: Services = client.app.state.services  # type: ignore[attr-defined]
        services.tracing = Tracing.with_exporter(exporter)
        assert services.keys is not None and services.audit is not None
        key, _ = services.keys.create("ann@example.gov.uk", "DWP")
        assert chat(client, key, "Hello").status_code == 200
        with services.audit.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE rate_limit_buckets")
        response = chat(client, key, NAMED)
    assert response.status_code == 503
    assert "The limits stage failed" in response.json()["error"]["message"]
    assert [r["body"]["messages"][-1]["content"] for r in standin.recorder.requests] == ["Hello"]
    root, children = spans_of(exporter, response.headers["x-request-id"])
    (authenticate,) = [child for child in children if child.name == "authenticate"]
    assert authenticate.status.status_code.name == "ERROR"
    assert dict(authenticate.attributes or {})["handrail.error_type"] == "GuardFailure"
    assert "stage failed" not in everything_said([authenticate])  # the message stays out of the trace
    for word in SECRET_WORDS:
        assert word not in everything_said([root, *children])
