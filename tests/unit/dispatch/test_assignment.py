"""Dispatch gives every received complaint to the default queue, exactly once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import contracts
from contracts.dispatch import ComplaintAssigned
from contracts.envelope import DomainEvent, Envelope, event_id
from contracts.registry import parse
from contracts.topics import INTAKE_EVENTS
from runtime.eventstore import persistence_env
from runtime.inbox import Inbox, Outcome
from services.dispatch import api, published
from services.dispatch.application import DispatchApplication
from services.dispatch.domain import Assignment
from services.dispatch.handlers import SUBSCRIPTIONS

SAMPLES = Path(contracts.__file__).parent / "samples"
SOURCE = "/services/dispatch"
COMPLAINT_ID = "201e730e-1186-5080-a083-198a2bc06e90"


def sample(event_type: str, **data: object) -> tuple[Envelope, DomainEvent]:
    raw = json.loads((SAMPLES / f"{event_type}.json").read_text(encoding="utf-8"))
    raw["data"].update(data)
    return parse(raw)


def published_envelopes(app: DispatchApplication) -> list[Envelope]:
    translate = published.translator(source=SOURCE, tenant="default")
    stored = app.recorder.select_notifications(None, 100)
    envelopes = (translate(app.mapper.to_domain_event(n)) for n in stored)
    return [envelope for envelope in envelopes if envelope is not None]


def stored_count(app: DispatchApplication) -> int:
    return len(app.recorder.select_notifications(None, 100))


@pytest.fixture
def app(tmp_path: Path) -> Iterator[DispatchApplication]:
    app = DispatchApplication(env=persistence_env(f"sqlite:///{tmp_path}/x.sqlite"))
    yield app
    app.close()


@pytest.fixture
def inbox(app: DispatchApplication) -> Inbox:
    return Inbox(app=app, consumer="dispatch", handlers=SUBSCRIPTIONS[INTAKE_EVENTS])


def test_a_received_complaint_goes_to_the_general_queue(
    app: DispatchApplication, inbox: Inbox
) -> None:
    envelope, received = sample("complaint.received.v1")

    assert inbox.process(envelope, received) is Outcome.HANDLED

    assignment = app.get_assignment(COMPLAINT_ID)
    assert assignment.id == Assignment.create_id(COMPLAINT_ID)
    assert (
        assignment.complaint_id, assignment.tenant, assignment.queue, assignment.department,
        assignment.agent_id, assignment.rule_id, assignment.rule_set_version,
        assignment.strategy, assignment.version,
    ) == (COMPLAINT_ID, "experian-us", "general", "customer_service", None, "default", "0",
          "manual", 1)
    assert published_envelopes(app) == [
        Envelope(
            id=event_id(SOURCE, assignment.id, 1),
            source=SOURCE,
            type="complaint.assigned.v1",
            subject=COMPLAINT_ID,
            time=assignment.created_on,
            dataschema="urn:complaints:schema:complaint.assigned.v1",
            correlationid=envelope.correlationid,
            causationid=envelope.id,
            sequence=1,
            tenant="experian-us",
            data={
                "complaint_id": COMPLAINT_ID,
                "queue": "general",
                "agent_id": None,
                "department": "customer_service",
                "rule_id": "default",
                "rule_set_version": "0",
                "strategy": "manual",
                "reason": "Default route: no routing rule applies, so the general queue takes it",
            },
        )
    ]


def test_the_published_assignment_is_caused_by_the_received_event_and_parses(
    app: DispatchApplication, inbox: Inbox
) -> None:
    envelope, received = sample("complaint.received.v1")
    inbox.process(envelope, received)

    [assigned] = published_envelopes(app)

    assert assigned.causationid == envelope.id
    assert parse(assigned.model_dump_json()) == (
        assigned, ComplaintAssigned.model_validate(assigned.data)
    )


def test_a_redelivered_event_assigns_nothing_more(app: DispatchApplication, inbox: Inbox) -> None:
    envelope, received = sample("complaint.received.v1")
    inbox.process(envelope, received)
    stored = stored_count(app)

    assert inbox.process(envelope, received) is Outcome.DUPLICATE
    assert stored_count(app) == stored == 2  # the processed marker and the assignment
    assert len(published_envelopes(app)) == 1


def test_a_complaint_keeps_its_first_assignment(app: DispatchApplication, inbox: Inbox) -> None:
    envelope, received = sample("complaint.received.v1")
    inbox.process(envelope, received)
    republished = envelope.model_copy(update={"id": event_id("/services/intake", "other", 1)})

    assert inbox.process(republished, received) is Outcome.HANDLED
    assert stored_count(app) == 3  # only a second processed marker
    assert app.get_assignment(COMPLAINT_ID).version == 1
    assert len(published_envelopes(app)) == 1


def test_a_historical_complaint_is_assigned_too(app: DispatchApplication, inbox: Inbox) -> None:
    envelope, received = sample("complaint.received.v1", historical=True)

    assert inbox.process(envelope, received) is Outcome.HANDLED
    assert app.get_assignment(COMPLAINT_ID).queue == "general"
    assert [e.type for e in published_envelopes(app)] == ["complaint.assigned.v1"]


def test_other_intake_events_are_ignored(app: DispatchApplication, inbox: Inbox) -> None:
    envelope, classified = sample("complaint.classified.v1")

    assert inbox.process(envelope, classified) is Outcome.IGNORED
    assert stored_count(app) == 0


def test_the_api_shows_an_assignment_and_404s_an_unknown_complaint(
    app: DispatchApplication, inbox: Inbox
) -> None:
    inbox.process(*sample("complaint.received.v1"))
    http = FastAPI()
    http.include_router(api.build_router(app, on_saved=lambda: None))
    client = TestClient(http)

    found = client.get(f"/v1/assignments/{COMPLAINT_ID}")
    missing = client.get("/v1/assignments/no-such-complaint")

    assert found.status_code == 200
    assert found.json() == {
        "complaint_id": COMPLAINT_ID,
        "queue": "general",
        "department": "customer_service",
        "agent_id": None,
        "rule_id": "default",
        "rule_set_version": "0",
        "strategy": "manual",
        "assigned_at": app.get_assignment(COMPLAINT_ID).created_on.isoformat().replace(
            "+00:00", "Z"
        ),
    }
    assert missing.status_code == 404
