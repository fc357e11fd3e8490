"""W3C Trace Context from an HTTP request through stored events and Kafka messages, continued by
every consumer, as OpenTelemetry spans.

The path of a trace: an HTTP request (its `traceparent` header, or a new trace) is a server span;
every event stored while a span is current keeps that span's `traceparent` (the outbox relay
publishes later, perhaps from another process); the translator puts it on the envelope (the
CloudEvents distributed-tracing extension) and the relay in the Kafka headers, beside
`content-type: application/cloudevents+json` (the Kafka binding's structured mode); a consumer
handles each message in a child span, so what its handler stores carries the trace on.

Spans leave the process only when OTEL_EXPORTER_OTLP_ENDPOINT (or
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set: then over OTLP/HTTP, in batches.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode, format_span_id, format_trace_id
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contracts.envelope import Envelope
from runtime.http_metrics import route_of

TRACEPARENT = "traceparent"
TRACESTATE = "tracestate"
# W3C Trace Context level 2: the answer names the span that served it.
TRACERESPONSE = "traceresponse"
CONTENT_TYPE = "content-type"
CLOUDEVENTS_JSON = "application/cloudevents+json"
EXPORT_SETTINGS = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
# Probes and scrapes every few seconds would bury the complaints' traces.
UNTRACED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})

_propagator = TraceContextTextMapPropagator()
_providers: dict[str, TracerProvider] = {}
_tracers: dict[str, trace.Tracer] = {}


def provider(service: str) -> TracerProvider:
    """The service's tracer provider (one per service: tests run several in one process)."""
    if service not in _providers:
        made = TracerProvider(resource=Resource.create({"service.name": f"complaints-{service}"}))
        if any(os.environ.get(name) for name in EXPORT_SETTINGS):
            # Imported only when wanted: the exporter pulls in protobuf and requests.
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            made.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        _providers[service] = made
    return _providers[service]


def tracer(service: str) -> trace.Tracer:
    """The tracer a service's spans are made with, made once: the SDK's get_tracer compares
    instrumentation scopes on every call, a tenth of analytics' CPU when asked for each event
    consumed (py-spy, bench/README.md). Span processors added to the provider later still
    see its spans."""
    if service not in _tracers:
        _tracers[service] = provider(service).get_tracer("complaint-platform")
    return _tracers[service]


def parent_context(traceparent: Any, tracestate: Any = None) -> Context:
    """The context to continue: the remote span `traceparent` names, or an empty context (so
    a new trace) when it is absent or not a valid W3C traceparent."""
    carrier = {name: value for name, value in ((TRACEPARENT, traceparent),
                                               (TRACESTATE, tracestate))
               if isinstance(value, str) and value}
    return _propagator.extract(carrier)


def current() -> dict[str, str]:
    """The current span as W3C fields (`traceparent`, and `tracestate` if any); empty when no
    span is current."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier


def log_fields() -> dict[str, str]:
    """`trace_id` and `span_id` of the current span, for log records; empty outside a span."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return {}
    return {"trace_id": format_trace_id(context.trace_id),
            "span_id": format_span_id(context.span_id)}


def stamp(events: Iterable[Any]) -> None:
    """Keep the current span on events about to be stored, so that whoever publishes them
    (later, perhaps in another process) continues this trace. Events already stamped keep
    theirs; outside a span nothing changes."""
    fields = current()
    if not fields:
        return
    for event in events:
        if getattr(event, TRACEPARENT, None) is None and hasattr(event, "__dict__"):
            # Stored events are frozen dataclasses; the mapper stores their __dict__, and
            # eventsourcing passes a method only the arguments it declares.
            event.__dict__.update(fields)


def kafka_headers(envelope: Envelope | None = None) -> list[tuple[str, bytes]]:
    """Headers of a published envelope: the CloudEvents Kafka binding's structured mode, and
    the envelope's trace context for consumers that read headers only."""
    headers = [(CONTENT_TYPE, CLOUDEVENTS_JSON.encode())]
    if envelope is not None and envelope.traceparent:
        headers.append((TRACEPARENT, envelope.traceparent.encode()))
        if envelope.tracestate:
            headers.append((TRACESTATE, envelope.tracestate.encode()))
    return headers


def _consumer_span(service: str, envelope: Envelope) -> dict[str, Any]:
    return {
        "name": f"process {envelope.type}",
        "context": parent_context(envelope.traceparent, envelope.tracestate),
        "kind": SpanKind.CONSUMER,
        "attributes": {
            "messaging.system": "kafka",
            "messaging.operation.type": "process",
            "messaging.consumer.group.name": service,
            "cloudevents.event_id": str(envelope.id),
            "cloudevents.event_type": envelope.type,
            "cloudevents.event_source": envelope.source,
            "cloudevents.event_subject": envelope.subject,
        },
    }


@contextlib.contextmanager
def consuming(service: str, envelope: Envelope) -> Iterator[trace.Span]:
    """Handle one consumed event in a span continuing the envelope's trace (a new trace when
    it carries none or an invalid one); events stored meanwhile carry the span on."""
    with tracer(service).start_as_current_span(**_consumer_span(service, envelope)) as span:
        yield span


@contextlib.contextmanager
def consuming_batch(service: str, envelopes: Sequence[Envelope]) -> Iterator[list[trace.Span]]:
    """Handle a batch of consumed events: one span per event, each continuing its own trace,
    all ended with the batch (and marked failed if the batch fails)."""
    spans = [tracer(service).start_span(**_consumer_span(service, envelope))
             for envelope in envelopes]
    try:
        yield spans
    except BaseException as error:
        for span in spans:
            span.record_exception(error)
            span.set_status(Status(StatusCode.ERROR, repr(error)))
        raise
    finally:
        for span in spans:
            span.end()


class TracedRequests:
    """ASGI middleware: each HTTP request is a server span, the child of its `traceparent`
    header or the root of a new trace; the answer's `traceresponse` header names the span."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app, self.service = app, service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path") not in UNTRACED_PATHS:
            await self._traced(scope, receive, send)
        else:  # lifespan, websockets, probes
            await self.app(scope, receive, send)

    async def _traced(self, scope: Scope, receive: Receive, send: Send) -> None:
        wanted = {TRACEPARENT.encode(), TRACESTATE.encode()}
        fields = {name.decode("latin-1"): value.decode("latin-1")
                  for name, value in scope.get("headers", ()) if name in wanted}
        method = scope["method"]
        with tracer(self.service).start_as_current_span(
            method, context=parent_context(fields.get(TRACEPARENT), fields.get(TRACESTATE)),
            kind=SpanKind.SERVER, attributes={"http.request.method": method},
        ) as span:
            answer = current().get(TRACEPARENT, "").encode()

            async def send_traced(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status = message["status"]
                    span.set_attribute("http.response.status_code", status)
                    if status >= 500:
                        span.set_status(Status(StatusCode.ERROR))
                    message = {**message, "headers": [
                        *message.get("headers", ()), (TRACERESPONSE.encode(), answer)]}
                await send(message)

            try:
                await self.app(scope, receive, send_traced)
            finally:
                # The route template, never the raw path: paths carry ids and tracking tokens.
                route = route_of(scope)
                span.update_name(f"{method} {route}")
                span.set_attribute("http.route", route)
