"""W3C trace context: parsed from requests and envelopes (an invalid one starts a new trace),
kept on stored events, put on envelopes and Kafka headers, continued by consumers."""

from __future__ import annotations

import json
import logging
import uuid

import pytest
from cloudevents.core.bindings.kafka import KafkaMessage, from_structured_event
from eventsourcing.domain import Aggregate, event
from fastapi import FastAPI
from fastapi.testclient import TestClient
from opentelemetry import trace
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, format_span_id, format_trace_id

from contracts.envelope import Envelope
from contracts.topics import INTAKE_EVENTS
from runtime import tracing
from runtime.eventstore import ServiceApplication, persistence_env
from runtime.logs import JsonFormatter
from runtime.outbox import OutboxRelay
from runtime.vault import KeyVault
from services.intake.application import IntakeApplication
from services.intake.domain import Customer, Submission
from services.intake.published import translator
from tests.fakes import FakeProducer

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"
INVALID = [
    "", "garbage", PARENT.upper(), f"00-{'0' * 32}-00f067aa0ba902b7-01",
    f"00-{TRACE_ID}-{'0' * 16}-01", f"ff-{TRACE_ID}-00f067aa0ba902b7-01",
    f"00-{TRACE_ID}-00f067aa0ba902b7-01-extra", f"00-{TRACE_ID}-00f067aa0ba902b7", "0" * 600,
]


@pytest.fixture
def spans() -> InMemorySpanExporter:
    """The finished spans of a service made up for this test."""
    exporter = InMemorySpanExporter()
    service = f"traced-{uuid.uuid4().hex[:8]}"
    tracing.provider(service).add_span_processor(SimpleSpanProcessor(exporter))
    exporter.service = service  # type: ignore[attr-defined]
    return exporter


def envelope(traceparent: object = None, tracestate: object = None) -> Envelope:
    return Envelope.model_validate({
        "id": str(uuid.uuid4()), "source": "/services/intake", "type": "complaint.received.v1",
        "subject": "c-1", "time": "2026-12-05T06:00:00Z", "dataschema": "urn:x",
        "correlationid": str(uuid.uuid4()), "sequence": 1, "tenant": "t", "data": {},
        "traceparent": traceparent, "tracestate": tracestate,
    })


def test_a_valid_traceparent_is_continued_as_the_remote_parent():
    parent = trace.get_current_span(tracing.parent_context(PARENT, "vendor=opaque"))
    context = parent.get_span_context()

    assert format_trace_id(context.trace_id) == TRACE_ID
    assert format_span_id(context.span_id) == "00f067aa0ba902b7"
    assert context.is_remote
    assert context.trace_state.get("vendor") == "opaque"


@pytest.mark.parametrize("traceparent", [*INVALID, None])
def test_an_invalid_traceparent_starts_a_new_trace(spans, traceparent):
    assert not trace.get_current_span(tracing.parent_context(traceparent)).get_span_context(
    ).is_valid
    with tracing.consuming(spans.service, envelope(traceparent)) as span:
        fields = tracing.current()

    (finished,) = spans.get_finished_spans()
    assert finished.parent is None
    assert span.get_span_context().is_valid
    assert fields[tracing.TRACEPARENT].split("-")[1] != TRACE_ID
    made = span.get_span_context()
    assert fields[tracing.TRACEPARENT] == (
        f"00-{format_trace_id(made.trace_id)}-{format_span_id(made.span_id)}-"
        f"{made.trace_flags:02x}")


def test_a_consumed_event_is_handled_in_a_child_span_of_its_envelope(spans):
    consumed = envelope(PARENT)
    with tracing.consuming(spans.service, consumed):
        fields = tracing.current()

    (finished,) = spans.get_finished_spans()
    assert finished.kind is SpanKind.CONSUMER
    assert finished.name == "process complaint.received.v1"
    assert format_trace_id(finished.context.trace_id) == TRACE_ID
    assert format_span_id(finished.parent.span_id) == "00f067aa0ba902b7"
    assert finished.attributes["cloudevents.event_id"] == str(consumed.id)
    assert fields == {"traceparent":
                      f"00-{TRACE_ID}-{format_span_id(finished.context.span_id)}-01"}
    assert tracing.current() == {}  # the span ended with the block


def test_a_batch_gets_one_span_per_event_each_in_its_own_trace(spans):
    other = "0af7651916cd43dd8448eb211c80319c"
    with pytest.raises(RuntimeError), tracing.consuming_batch(
        spans.service, [envelope(PARENT), envelope(f"00-{other}-b7ad6b7169203331-01")]
    ):
        raise RuntimeError("store down")

    finished = spans.get_finished_spans()
    assert [format_trace_id(s.context.trace_id) for s in finished] == [TRACE_ID, other]
    assert [s.status.status_code.name for s in finished] == ["ERROR", "ERROR"]


class Counter(Aggregate):
    @event("Started")
    def __init__(self, name: str) -> None:
        self.name, self.count = name, 0

    @event("Incremented")
    def increment(self, by: int) -> None:
        self.count += by


def test_events_stored_in_a_span_keep_it_and_their_aggregate_still_loads(spans, tmp_path):
    app = ServiceApplication(env=persistence_env(f"sqlite:///{tmp_path}/store.sqlite"))
    counter = Counter("a")
    app.save(counter)  # outside any span
    with tracing.consuming(spans.service, envelope(PARENT)):
        counter.increment(by=2)
        app.save(counter)
        inside = tracing.current()[tracing.TRACEPARENT]

    first, second = app.events.get(counter.id)
    assert not hasattr(first, "traceparent")
    assert second.traceparent == inside
    assert app.repository.get(counter.id).count == 2


def test_kafka_headers_name_the_structured_mode_and_the_trace():
    assert tracing.kafka_headers(envelope()) == [("content-type", b"application/cloudevents+json")]
    assert tracing.kafka_headers(envelope(PARENT, "vendor=opaque")) == [
        ("content-type", b"application/cloudevents+json"),
        ("traceparent", PARENT.encode()), ("tracestate", b"vendor=opaque"),
    ]


@pytest.fixture
def intake(tmp_path):
    url = f"sqlite:///{tmp_path}/intake.sqlite"
    return IntakeApplication(env=persistence_env(url), vault=KeyVault.from_url(url))


def submission(n: int) -> Submission:
    return Submission(channel="web", customer=Customer(id=f"c{n}"), subject=f"s{n}",
                      text=f"text {n}")


async def test_every_published_message_is_a_structured_cloudevent_carrying_its_trace(
    spans, intake
):
    intake.file_complaint(submission(1), tenant="t")  # no trace: a message like before
    with tracing.consuming(spans.service, envelope(PARENT)):
        traced = intake.file_complaint(submission(2), tenant="t").complaint_id
        stored_under = tracing.current()[tracing.TRACEPARENT]
    producer = FakeProducer()
    relay = OutboxRelay(app=intake, translate=translator(source="/services/intake"),
                        producer=producer, topic=INTAKE_EVENTS, service="intake")

    await relay.publish_pending()

    assert len(producer.sent) == 4
    for (_, key, value), headers in zip(producer.sent, producer.headers, strict=True):
        assert dict(headers)["content-type"] == b"application/cloudevents+json"
        cloudevent = from_structured_event(KafkaMessage(dict(headers), key, value))
        body = json.loads(value)
        assert cloudevent.get_specversion() == "1.0"
        assert cloudevent.get_id() == body["id"]
        assert cloudevent.get_subject() == key.decode()
        assert cloudevent.get_extension("tenant") == "t"
        if key.decode() == str(traced):
            assert body["traceparent"] == stored_under
            assert dict(headers)["traceparent"] == stored_under.encode()
            assert cloudevent.get_extension("traceparent") == stored_under
        else:
            assert "traceparent" not in body and "traceparent" not in dict(headers)


def test_a_request_is_a_server_span_continued_by_what_it_runs(spans):
    api = FastAPI()
    api.add_middleware(tracing.TracedRequests, service=spans.service)

    @api.get("/complaints/{complaint_id}")
    def read(complaint_id: str) -> dict[str, str]:  # a sync route: run in a worker thread
        return tracing.current()

    @api.get("/readyz")
    def readyz() -> dict[str, str]:
        return tracing.current()

    with TestClient(api) as client:
        continued = client.get("/complaints/c-1", headers={"traceparent": PARENT})
        fresh = client.get("/complaints/c-2", headers={"traceparent": "not-a-traceparent"})
        probe = client.get("/readyz", headers={"traceparent": PARENT})

    assert continued.status_code == fresh.status_code == 200
    first, second = spans.get_finished_spans()
    assert first.kind is SpanKind.SERVER
    assert first.name == "GET /complaints/{complaint_id}"
    assert first.attributes["http.response.status_code"] == 200
    assert format_span_id(first.parent.span_id) == "00f067aa0ba902b7"
    served = f"00-{TRACE_ID}-{format_span_id(first.context.span_id)}-01"
    assert continued.json() == {"traceparent": served}
    assert continued.headers["traceresponse"] == served
    assert second.parent is None
    assert format_trace_id(second.context.trace_id) != TRACE_ID
    assert fresh.json()["traceparent"] == fresh.headers["traceresponse"]
    assert probe.json() == {}  # probes make no spans
    assert "traceresponse" not in probe.headers


def test_log_records_carry_the_trace_id_of_the_current_span(spans):
    formatter = JsonFormatter("test")
    record = logging.makeLogRecord({"msg": "applied", "levelname": "INFO"})
    assert "trace_id" not in json.loads(formatter.format(record))
    with tracing.consuming(spans.service, envelope(PARENT)) as span:
        line = json.loads(formatter.format(record))

    assert line["trace_id"] == TRACE_ID
    assert line["span_id"] == format_span_id(span.get_span_context().span_id)
