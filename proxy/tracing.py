"""OpenTelemetry traces: one span per request, and under it one span per stage. Off by default.

A span carries ids, kinds and numbers only: the request id, endpoint, model, department, decision, outcome,
status and the *types* of what was found. Never prompt or answer text, keys, users or headers; a failing stage is
marked with its error's class and code, not its message (a message may quote the user's words), and exceptions
are not recorded as span events for the same reason.

Exporters (``tracing.exporter``):

    none     the default: no tracer, no span objects, no network call
    console  each finished span as JSON on standard output (for a look on one machine)
    otlp     OTLP over HTTP to ``tracing.otlp_endpoint`` (a collector), batched in a background thread

Each worker process builds its own exporter after it starts (a batch thread does not survive a fork).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Literal

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from pydantic import BaseModel, ConfigDict, Field

from core.errors import HandrailError

PREFIX = "handrail."
_PROPAGATOR = TraceContextTextMapPropagator()


class TracingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    exporter: Literal["none", "console", "otlp"] = Field(
        "none", description="Where spans go: none (off, the default), console (standard output), otlp (a collector)."
    )
    otlp_endpoint: str | None = Field(
        None,
        description="OTLP/HTTP traces URL, e.g. http://collector:4318/v1/traces; unset: the exporter's own default "
        "(OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else http://localhost:4318/v1/traces).",
    )
    service_name: str = Field("handrail", description="The service.name resource attribute of every span.")
    sample_ratio: float = Field(
        1.0, ge=0, le=1, description="Share of requests traced, unless the caller's traceparent says otherwise."
    )


class RequestTrace:
    """The spans of one request: the request's own, and a child per stage."""

    def __init__(self, tracer: Tracer, span: Span, request_id: str) -> None:
        self._tracer = tracer
        self.span = span
        self._parent = trace.set_span_in_context(span)
        self._request_id = request_id

    def begin(self, name: str) -> Span:
        """A stage's span, started; the caller ends it (for a stage that is not one block of code)."""
        # Explicit parent, not the ambient context: stages run across threads and a streaming generator.
        return self._tracer.start_span(
            name,
            context=self._parent,
            attributes={PREFIX + "request_id": self._request_id},
            record_exception=False,
            set_status_on_exception=False,
        )

    @contextmanager
    def stage(self, name: str) -> Iterator[Span]:
        span = self.begin(name)
        try:
            yield span
        except BaseException as error:
            mark_failed(span, error)
            raise
        finally:
            span.end()

    def finish(self, attributes: Mapping[str, str | int | list[str]]) -> None:
        self.span.set_attributes({PREFIX + key: value for key, value in attributes.items()})
        status = attributes.get("status")
        if isinstance(status, int) and status >= 500:
            self.span.set_status(Status(StatusCode.ERROR))
        self.span.end()


def mark_failed(span: Span, error: BaseException) -> None:
    """The error's class and code only: its message may quote what the user wrote."""
    span.set_attribute(PREFIX + "error_type", type(error).__name__)
    if isinstance(error, HandrailError):
        span.set_attribute(PREFIX + "error_code", error.code)
    span.set_status(Status(StatusCode.ERROR))


class Tracing:
    """One worker's tracer, or nothing at all when tracing is off."""

    def __init__(self, provider: TracerProvider | None = None) -> None:
        self._provider = provider
        self._tracer = provider.get_tracer("handrail") if provider is not None else None

    @classmethod
    def start(cls, settings: TracingSettings) -> Tracing:
        if settings.exporter == "none":
            return cls()
        processor: SpanProcessor
        if settings.exporter == "console":
            processor = SimpleSpanProcessor(ConsoleSpanExporter())
        else:
            # Imported only when chosen: the default configuration loads no network exporter at all.
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            processor = BatchSpanProcessor(OTLPSpanExporter(endpoint=settings.otlp_endpoint))
        return cls.with_processor(processor, settings.service_name, settings.sample_ratio)

    @classmethod
    def with_exporter(cls, exporter: SpanExporter, service_name: str = "handrail") -> Tracing:
        """Every span handed to ``exporter`` as it ends (tests read the SDK's in-memory exporter this way)."""
        return cls.with_processor(SimpleSpanProcessor(exporter), service_name, 1.0)

    @classmethod
    def with_processor(cls, processor: SpanProcessor, service_name: str, sample_ratio: float) -> Tracing:
        provider = TracerProvider(
            resource=Resource.create({"service.name": service_name}),
            sampler=ParentBased(TraceIdRatioBased(sample_ratio)),
        )
        provider.add_span_processor(processor)
        return cls(provider)

    @property
    def enabled(self) -> bool:
        return self._tracer is not None

    def request(self, endpoint: str, request_id: str, headers: Mapping[str, str]) -> RequestTrace | None:
        """The request's span, joined to the caller's trace when it sent a W3C ``traceparent``."""
        if self._tracer is None:
            return None
        parent = _PROPAGATOR.extract(headers) if "traceparent" in headers else None
        span = self._tracer.start_span(
            f"POST {endpoint}",
            context=parent,
            kind=SpanKind.SERVER,
            attributes={PREFIX + "request_id": request_id, PREFIX + "endpoint": endpoint},
            record_exception=False,
            set_status_on_exception=False,
        )
        return RequestTrace(self._tracer, span, request_id)

    def close(self) -> None:
        """Export what is still queued, then stop the exporter."""
        if self._provider is not None:
            self._provider.shutdown()
