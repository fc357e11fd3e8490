"""Every event names its tenant and complaint, so publishing reads nothing back; events stored
before that are upcast, and only they look up their aggregate's first event."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from eventsourcing.persistence import StoredEvent

from contracts.topics import INTAKE_EVENTS
from runtime.attribution import OLD_EVENTS_ATTRIBUTED, FirstEvents, Unattributed
from runtime.eventstore import persistence_env
from runtime.outbox import OutboxRelay
from runtime.vault import KeyVault
from services.dispatch.domain import Assignment
from services.intake.application import IntakeApplication
from services.intake.domain import Complaint, Customer, Submission
from services.intake.published import translator
from services.resolution.domain.investigation import InvestigationMixin
from tests.fakes import FakeProducer


def submission(n: int) -> Submission:
    return Submission(channel="web", customer=Customer(id=f"c{n}"), subject=f"s{n}",
                      text=f"my card was charged twice {n}")


@pytest.fixture
def app(tmp_path):
    url = f"sqlite:///{tmp_path}/intake.sqlite"
    return IntakeApplication(env=persistence_env(url), vault=KeyVault.from_url(url))


def stored_states(app) -> list[tuple[str, dict]]:
    return [(n.topic.rsplit(":", 1)[1], app.mapper.transcoder.decode(n.state))
            for n in app.recorder.select_notifications(None, 100)]


def as_version_1(app, topic_suffix: str,
                 lacking: tuple[str, ...] = ("tenant", "complaint_id")) -> StoredEvent:
    """A stored event of the complaint as it was written before events were attributed."""
    current = next(n for n in app.recorder.select_notifications(None, 100)
                   if n.topic.endswith(topic_suffix))
    state = app.mapper.transcoder.decode(current.state)
    for name in (*lacking, "class_version"):
        state.pop(name, None)
    return StoredEvent(originator_id=current.originator_id, topic=current.topic,
                       originator_version=current.originator_version,
                       state=app.mapper.transcoder.encode(state))


def test_every_event_of_a_complaint_is_stored_with_its_tenant_and_complaint(app):
    complaint_id = str(app.file_complaint(submission(1), tenant="acme").complaint_id)

    complaint_events = [(topic, state) for topic, state in stored_states(app)
                        if topic.startswith("Complaint.")]

    assert [topic for topic, _ in complaint_events] == ["Complaint.Received",
                                                        "Complaint.Classified"]
    assert [(s["tenant"], s["complaint_id"], s["class_version"]) for _, s in complaint_events] \
        == [("acme", complaint_id, 3), ("acme", complaint_id, 2)]  # Received: version 3


async def test_the_relay_publishes_from_the_events_alone_reading_nothing_back(app, monkeypatch):
    filed = [str(app.file_complaint(submission(n), tenant=f"tenant-{n}").complaint_id)
             for n in range(2)]

    def no_read_back(*args, **kwargs):
        raise AssertionError("the relay read the event store back")

    monkeypatch.setattr(app.events, "get", no_read_back)
    producer = FakeProducer()
    relay = OutboxRelay(app=app, translate=translator(source="/services/intake"),
                        producer=producer, topic=INTAKE_EVENTS, service="intake")

    assert await relay.publish_pending() == 8
    published = [json.loads(value) for _, _, value in producer.sent]
    assert [(e["type"], e["subject"], e["tenant"]) for e in published] == [
        ("complaint.received.v1", filed[0], "tenant-0"),
        ("complaint.classified.v1", filed[0], "tenant-0"),
        ("complaint.received.v1", filed[1], "tenant-1"),
        ("complaint.classified.v1", filed[1], "tenant-1"),
    ]


def test_an_old_event_is_upcast_and_published_with_its_complaints_tenant(app):
    complaint_id = str(app.file_complaint(submission(1), tenant="acme").complaint_id)
    old = app.mapper.to_domain_event(as_version_1(app, "Complaint.Classified"))

    # The upcaster sees the event alone: the complaint is the aggregate's id, the tenant unknown.
    assert type(old) is Complaint.Classified
    assert (old.complaint_id, old.tenant) == (complaint_id, None)
    before = OLD_EVENTS_ATTRIBUTED.labels("intake-test")._value.get()

    envelope = translator(source="/services/intake",
                          first_events=FirstEvents(app.events, service="intake-test"))(old)

    assert (envelope.type, envelope.subject, envelope.tenant) == (
        "complaint.classified.v1", complaint_id, "acme")
    assert envelope.data["complaint_id"] == complaint_id
    assert OLD_EVENTS_ATTRIBUTED.labels("intake-test")._value.get() == before + 1


async def test_the_relay_publishes_an_old_stored_event_with_its_complaints_tenant(app):
    complaint_id = str(app.file_complaint(submission(1), tenant="acme").complaint_id)
    aggregate = uuid.UUID(complaint_id)
    # A correction as stored before events named their tenant and complaint (version 1).
    old = {"previous_category": "billing_charges", "category": "fraud_unauthorised",
           "corrected_by": "agent-7", "corrected_at": datetime(2026, 1, 2, tzinfo=UTC),
           "timestamp": datetime(2026, 1, 2, tzinfo=UTC)}
    app.recorder.insert_events([StoredEvent(
        originator_id=aggregate, originator_version=3,
        topic="services.intake.domain:Complaint.CategoryCorrected",
        state=app.mapper.transcoder.encode(old))])
    producer = FakeProducer()
    relay = OutboxRelay(
        app=app, producer=producer, topic=INTAKE_EVENTS, service="intake",
        translate=translator(source="/services/intake",
                             first_events=FirstEvents(app.events, service="intake-test")))

    await relay.publish_pending()

    published = [json.loads(value) for _, _, value in producer.sent]
    assert [(e["type"], e["subject"], e["tenant"], e["sequence"]) for e in published] == [
        ("complaint.received.v1", complaint_id, "acme", 1),
        ("complaint.classified.v1", complaint_id, "acme", 2),
        ("complaint.category_corrected.v1", complaint_id, "acme", 3),
    ]
    assert published[-1]["data"]["category"] == "fraud_unauthorised"


def test_an_old_event_without_a_way_to_look_up_its_tenant_is_refused_not_guessed(app):
    app.file_complaint(submission(1), tenant="acme")
    old = app.mapper.to_domain_event(as_version_1(app, "Complaint.Classified"))

    with pytest.raises(Unattributed, match="stored before events named their tenant"):
        translator(source="/services/intake")(old)


def test_an_old_received_event_names_its_complaint_by_the_aggregates_id(app):
    complaint_id = str(app.file_complaint(submission(1), tenant="acme").complaint_id)
    old = app.mapper.to_domain_event(
        as_version_1(app, "Complaint.Received", lacking=("complaint_id", "language")))

    envelope = translator(source="/services/intake")(old)  # it always named its tenant

    assert (old.complaint_id, envelope.subject, envelope.tenant) == (
        complaint_id, complaint_id, "acme")
    assert old.language == "und"  # and version 1's own upcast still runs


def test_first_events_remembers_a_bounded_number_of_aggregates():
    reads: list[uuid.UUID] = []

    class Events:
        def get(self, originator_id, lte):
            reads.append(originator_id)
            return iter([Opened(originator_id)])

    class Opened:
        def __init__(self, originator_id):
            self.tenant, self.complaint_id = "acme", f"complaint-of-{originator_id}"

    first = FirstEvents(Events(), service="bounded-test", size=2)
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    origins = [first(x) for x in (a, b, a, c, a, b)]

    assert [o.complaint_id for o in origins] == [
        f"complaint-of-{x}" for x in (a, b, a, c, a, b)]
    # a stays (used again), b is dropped when c arrives, so only b is read twice
    assert reads == [a, b, c, b]
    assert len(first._known) == 2


def test_old_dispatch_and_resolution_events_upcast_to_what_they_said():
    stored_after = {"originator_id": uuid.uuid4(), "originator_version": 3,
                    "complaint_id": "c-9", "queue": "billing"}
    Assignment.AgentAssigned.upcast_v1_v2(stored_after)
    assert (stored_after["complaint_id"], stored_after["tenant"]) == ("c-9", None)

    case_note = {"originator_id": uuid.uuid4(), "originator_version": 4, "text": "x"}
    InvestigationMixin.InvestigationNoteAdded.upcast_v1_v2(case_note)
    assert (case_note["complaint_id"], case_note["tenant"]) == (None, None)
