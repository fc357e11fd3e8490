"""The SLA service starts one resolution clock per live complaint, exactly once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import contracts
from contracts.envelope import DomainEvent, Envelope, event_id
from contracts.intake import Severity
from contracts.registry import parse
from contracts.sla import SlaClockStarted, SlaTarget
from contracts.topics import INTAKE_EVENTS
from runtime.eventstore import persistence_env
from runtime.inbox import Inbox, Outcome
from services.sla import api, published
from services.sla.application import SlaApplication
from services.sla.domain import DEFAULT_POLICY, SlaClock
from services.sla.handlers import SUBSCRIPTIONS

SAMPLES = Path(contracts.__file__).parent / "samples"
SOURCE = "/services/sla"
COMPLAINT_ID = "201e730e-1186-5080-a083-198a2bc06e90"
RECEIVED_AT = datetime(2023, 6, 27, 16, 2, 43, tzinfo=UTC)  # as in the golden sample


def sample(event_type: str, **data: object) -> tuple[Envelope, DomainEvent]:
    raw = json.loads((SAMPLES / f"{event_type}.json").read_text(encoding="utf-8"))
    raw["data"].update(data)
    return parse(raw)


def published_envelopes(app: SlaApplication) -> list[Envelope]:
    translate = published.translator(source=SOURCE, tenant="default")
    stored = app.recorder.select_notifications(None, 100)
    envelopes = (translate(app.mapper.to_domain_event(n)) for n in stored)
    return [envelope for envelope in envelopes if envelope is not None]


def stored_count(app: SlaApplication) -> int:
    return len(app.recorder.select_notifications(None, 100))


@pytest.fixture
def app(tmp_path: Path) -> Iterator[SlaApplication]:
    app = SlaApplication(env=persistence_env(f"sqlite:///{tmp_path}/x.sqlite"))
    yield app
    app.close()


@pytest.fixture
def inbox(app: SlaApplication) -> Inbox:
    return Inbox(app=app, consumer="sla", handlers=SUBSCRIPTIONS[INTAKE_EVENTS])


def test_a_received_complaint_starts_a_72_hour_resolution_clock(
    app: SlaApplication, inbox: Inbox
) -> None:
    envelope, received = sample("complaint.received.v1")

    assert inbox.process(envelope, received) is Outcome.HANDLED

    clock = app.get_clock(COMPLAINT_ID)
    assert clock.id == SlaClock.create_id(COMPLAINT_ID, "resolution")
    assert (
        clock.complaint_id, clock.tenant, clock.target, clock.severity, clock.status,
        clock.started_at, clock.warn_at, clock.deadline_at, clock.version,
    ) == (
        COMPLAINT_ID, "experian-us", "resolution", "P3", "running", RECEIVED_AT,
        datetime(2023, 6, 30, 1, 38, 43, tzinfo=UTC),  # 57 h 36 min = 80% of 72 h
        datetime(2023, 6, 30, 16, 2, 43, tzinfo=UTC),
        1,
    )
    assert published_envelopes(app) == [
        Envelope(
            id=event_id(SOURCE, clock.id, 1),
            source=SOURCE,
            type="sla.clock_started.v1",
            subject=COMPLAINT_ID,
            time=clock.created_on,
            dataschema="urn:complaints:schema:sla.clock_started.v1",
            correlationid=envelope.correlationid,
            causationid=envelope.id,
            sequence=1,
            tenant="experian-us",
            data={
                "complaint_id": COMPLAINT_ID,
                "clock_id": str(clock.id),
                "target": "resolution",
                "severity": "P3",
                "policy_id": "default",
                "policy_version": "0",
                "calendar_id": "24x7",
                "calendar_version": "0",
                "started_at": "2023-06-27T16:02:43Z",
                "deadline_at": "2023-06-30T16:02:43Z",
                "warn_at": "2023-06-30T01:38:43Z",
            },
        )
    ]


def test_the_published_clock_is_caused_by_the_received_event_and_parses(
    app: SlaApplication, inbox: Inbox
) -> None:
    envelope, received = sample("complaint.received.v1")
    inbox.process(envelope, received)

    [started] = published_envelopes(app)

    assert started.causationid == envelope.id
    assert parse(started.model_dump_json()) == (
        started, SlaClockStarted.model_validate(started.data)
    )


def test_a_historical_complaint_starts_no_clock(app: SlaApplication, inbox: Inbox) -> None:
    envelope, received = sample("complaint.received.v1", historical=True)

    assert inbox.process(envelope, received) is Outcome.HANDLED
    assert SlaClock.create_id(COMPLAINT_ID, "resolution") not in app.repository
    assert stored_count(app) == 1  # only the record that it was processed
    assert published_envelopes(app) == []
    assert inbox.process(envelope, received) is Outcome.DUPLICATE


def test_a_redelivered_event_starts_nothing_more(app: SlaApplication, inbox: Inbox) -> None:
    envelope, received = sample("complaint.received.v1")
    inbox.process(envelope, received)
    stored = stored_count(app)

    assert inbox.process(envelope, received) is Outcome.DUPLICATE
    assert stored_count(app) == stored == 2  # the processed marker and the clock
    assert len(published_envelopes(app)) == 1


def test_a_running_clock_is_not_restarted(app: SlaApplication, inbox: Inbox) -> None:
    envelope, received = sample("complaint.received.v1")
    inbox.process(envelope, received)
    later = received.model_copy(update={"received_at": RECEIVED_AT + timedelta(days=1)})
    republished = envelope.model_copy(update={"id": event_id("/services/intake", "other", 1)})

    assert inbox.process(republished, later) is Outcome.HANDLED
    assert stored_count(app) == 3  # only a second processed marker
    assert app.get_clock(COMPLAINT_ID).deadline_at == datetime(2023, 6, 30, 16, 2, 43, tzinfo=UTC)


def test_the_default_policy_counts_calendar_hours_across_a_leap_day_in_any_offset() -> None:
    beijing = timezone(timedelta(hours=8))
    started = datetime(2024, 2, 28, 23, 30, 0, 500, tzinfo=beijing)

    schedule = DEFAULT_POLICY.schedule(SlaTarget.RESOLUTION, Severity.P3, started)

    assert schedule.deadline_at == datetime(2024, 3, 2, 23, 30, 0, 500, tzinfo=beijing)
    assert schedule.warn_at == datetime(2024, 3, 2, 9, 6, 0, 500, tzinfo=beijing)


def test_other_intake_events_are_ignored(app: SlaApplication, inbox: Inbox) -> None:
    envelope, classified = sample("complaint.classified.v1")

    assert inbox.process(envelope, classified) is Outcome.IGNORED
    assert stored_count(app) == 0


def test_the_api_shows_a_clock_and_404s_an_unknown_complaint(
    app: SlaApplication, inbox: Inbox
) -> None:
    inbox.process(*sample("complaint.received.v1"))
    http = FastAPI()
    http.include_router(api.build_router(app, on_saved=lambda: None))
    client = TestClient(http)

    found = client.get(f"/v1/clocks/{COMPLAINT_ID}")
    missing = client.get("/v1/clocks/no-such-complaint")
    other_target = client.get(f"/v1/clocks/{COMPLAINT_ID}", params={"target": "first_response"})

    assert found.status_code == 200
    assert found.json() == {
        "complaint_id": COMPLAINT_ID,
        "clock_id": str(SlaClock.create_id(COMPLAINT_ID, "resolution")),
        "target": "resolution",
        "severity": "P3",
        "status": "running",
        "policy_id": "default",
        "policy_version": "0",
        "calendar_id": "24x7",
        "calendar_version": "0",
        "started_at": "2023-06-27T16:02:43Z",
        "warn_at": "2023-06-30T01:38:43Z",
        "deadline_at": "2023-06-30T16:02:43Z",
    }
    assert (missing.status_code, other_target.status_code) == (404, 404)
