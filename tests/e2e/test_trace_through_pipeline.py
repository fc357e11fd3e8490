"""One complaint's W3C trace, from the traceparent of intake's HTTP request through every stage's
topic (envelope and Kafka headers) to analytics, with every service's spans exported over OTLP
to a collector this test runs."""

from __future__ import annotations

import gzip
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from contracts.topics import DOMAIN_TOPICS
from tests.auth_tokens import bearer
from tests.processes import SERVICES, running
from tests.topic_reader import read_until

pytestmark = pytest.mark.e2e

TRACE_ID = secrets.token_hex(16)
CALLER_SPAN = secrets.token_hex(8)
# What each stage publishes about one complaint (the walking skeleton's expectations).
STAGES = {
    "intake.events.v1": {"complaint.received.v1", "complaint.classified.v1"},
    "dispatch.events.v1": {"complaint.assigned.v1"},
    "sla.events.v1": {"sla.clock_started.v1"},
    "resolution.events.v1": {"resolution.case_opened.v1"},
}


COMPLAINT = {
    "channel": "web",
    "customer": {"id": "cust-traced", "name": "Dana Smith", "contact": "dana@example.com"},
    "subject": "Card charged twice",
    "text": "My card was charged twice for a single purchase and the bank will not refund.",
}


@pytest.fixture(scope="module")
def kafka_bootstrap(private_kafka_bootstrap: str) -> str:
    """This module reads the stage topics from offset 0: a broker of its own."""
    return private_kafka_bootstrap


@dataclass(frozen=True)
class Span:
    service: str
    trace_id: str
    span_id: str
    parent_span_id: str
    name: str


class Collector(BaseHTTPRequestHandler):
    """An OTLP/HTTP trace receiver (protobuf), keeping every span it is sent."""

    spans: ClassVar[list[Span]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        request = ExportTraceServiceRequest.FromString(body)
        for resource_spans in request.resource_spans:
            service = next(a.value.string_value for a in resource_spans.resource.attributes
                           if a.key == "service.name")
            self.spans.extend(
                Span(service, span.trace_id.hex(), span.span_id.hex(),
                     span.parent_span_id.hex(), span.name)
                for scope_spans in resource_spans.scope_spans for span in scope_spans.spans
            )
        answer = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def collector() -> Iterator[tuple[str, list[Span]]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", Collector.spans
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def platform(kafka_bootstrap, tmp_path_factory, e2e_tokens, collector):
    endpoint, _ = collector
    env = {"KAFKA_BOOTSTRAP": kafka_bootstrap, **e2e_tokens.env,
           "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint, "OTEL_BSP_SCHEDULE_DELAY": "200"}
    with running(SERVICES, env=env, workdir=tmp_path_factory.mktemp("traced")) as services:
        yield services


def trace_of(traceparent: str | bytes | None) -> str | None:
    if isinstance(traceparent, bytes):
        traceparent = traceparent.decode()
    return traceparent.split("-")[1] if traceparent else None


def spans_until(spans: list[Span], wanted, timeout_s: float = 30) -> list[Span]:
    deadline = time.monotonic() + timeout_s
    while not wanted(list(spans)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return list(spans)


def test_one_complaints_trace_id_runs_from_intakes_request_to_analytics(
    platform, kafka_bootstrap, collector, e2e_tokens
):
    adapter = bearer(e2e_tokens.client(tenant="default", client_id="web"))
    response = httpx.post(
        f"{platform['intake'].url}/v1/complaints", json=COMPLAINT,
        headers={**adapter, "traceparent": f"00-{TRACE_ID}-{CALLER_SPAN}-01"},
    )
    assert response.status_code == 202, response.text
    assert trace_of(response.headers["traceresponse"]) == TRACE_ID
    complaint_id = response.json()["complaint_id"]

    def ours(published) -> dict[str, list]:
        found: dict[str, list] = {topic: [] for topic in STAGES}
        for message in published:
            if message.value["subject"] == complaint_id and message.topic in STAGES:
                found[message.topic].append(message)
        return found

    def every_stage(published) -> bool:
        found = ours(published)
        return all(STAGES[topic] <= {m.value["type"] for m in found[topic]} for topic in STAGES)

    found = ours(read_until(kafka_bootstrap, DOMAIN_TOPICS, every_stage))
    for topic, types in STAGES.items():
        assert types <= {m.value["type"] for m in found[topic]}, topic
        for message in found[topic]:
            assert message.headers["content-type"] == b"application/cloudevents+json"
            assert trace_of(message.value["traceparent"]) == TRACE_ID, message.value["type"]
            assert message.headers["traceparent"] == message.value["traceparent"].encode()

    _, spans = collector
    consumed_by_analytics = {f"process {t}" for types in STAGES.values() for t in types}

    def whole(seen: list[Span]) -> bool:
        traced = [s for s in seen if s.trace_id == TRACE_ID]
        ids = {s.span_id for s in traced} | {CALLER_SPAN}
        return consumed_by_analytics <= {
            s.name for s in traced if s.service == "complaints-analytics"
        } and all(s.parent_span_id in ids for s in traced)

    traced = [s for s in spans_until(spans, whole) if s.trace_id == TRACE_ID]
    (served,) = [s for s in traced
                 if s.service == "complaints-intake" and s.name.startswith("POST")]
    assert served.name == "POST /v1/complaints"
    assert served.parent_span_id == CALLER_SPAN
    assert consumed_by_analytics <= {s.name for s in traced if s.service == "complaints-analytics"}
    # Each stage after intake handled the complaint in a span of the same trace.
    assert {"complaints-dispatch", "complaints-sla", "complaints-resolution"} <= {
        s.service for s in traced if s.name.startswith("process ")}
    # Every span of the trace hangs off another span of it, or off the caller's.
    ids = {s.span_id for s in traced} | {CALLER_SPAN}
    assert all(s.parent_span_id in ids for s in traced)
