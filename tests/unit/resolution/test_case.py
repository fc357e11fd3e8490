"""Resolution opens one case per assigned complaint, exactly once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import contracts
from contracts.envelope import DomainEvent, Envelope, event_id
from contracts.registry import parse
from contracts.resolution import CaseOpened
from contracts.topics import DISPATCH_EVENTS
from runtime.eventstore import persistence_env
from runtime.inbox import Inbox, Outcome
from services.resolution import api, published
from services.resolution.application import ResolutionApplication
from services.resolution.domain import Case
from services.resolution.handlers import SUBSCRIPTIONS

SAMPLES = Path(contracts.__file__).parent / "samples"
SOURCE = "/services/resolution"
COMPLAINT_ID = "201e730e-1186-5080-a083-198a2bc06e90"


def sample(event_type: str, **data: object) -> tuple[Envelope, DomainEvent]:
    raw = json.loads((SAMPLES / f"{event_type}.json").read_text(encoding="utf-8"))
    raw["data"].update(data)
    return parse(raw)


def published_envelopes(app: ResolutionApplication) -> list[Envelope]:
    translate = published.translator(source=SOURCE, tenant="default")
    stored = app.recorder.select_notifications(None, 100)
    envelopes = (translate(app.mapper.to_domain_event(n)) for n in stored)
    return [envelope for envelope in envelopes if envelope is not None]


def stored_count(app: ResolutionApplication) -> int:
    return len(app.recorder.select_notifications(None, 100))


@pytest.fixture
def app(tmp_path: Path) -> Iterator[ResolutionApplication]:
    app = ResolutionApplication(env=persistence_env(f"sqlite:///{tmp_path}/x.sqlite"))
    yield app
    app.close()


@pytest.fixture
def inbox(app: ResolutionApplication) -> Inbox:
    return Inbox(app=app, consumer="resolution", handlers=SUBSCRIPTIONS[DISPATCH_EVENTS])


def test_an_assigned_complaint_gets_a_case_owned_by_its_queue_and_agent(
    app: ResolutionApplication, inbox: Inbox
) -> None:
    envelope, assigned = sample("complaint.assigned.v1")

    assert inbox.process(envelope, assigned) is Outcome.HANDLED

    case = app.get_case(COMPLAINT_ID)
    assert case.id == Case.create_id(COMPLAINT_ID)
    assert (
        case.complaint_id, case.tenant, case.status, case.owner_queue, case.owner_agent_id,
        case.version,
    ) == (COMPLAINT_ID, "experian-us", "open", "credit-report-disputes", "agent-0142", 1)
    assert published_envelopes(app) == [
        Envelope(
            id=event_id(SOURCE, case.id, 1),
            source=SOURCE,
            type="resolution.case_opened.v1",
            subject=COMPLAINT_ID,
            time=case.created_on,
            dataschema="urn:complaints:schema:resolution.case_opened.v1",
            correlationid=envelope.correlationid,
            causationid=envelope.id,
            sequence=1,
            tenant="experian-us",
            data={
                "complaint_id": COMPLAINT_ID,
                "case_id": str(case.id),
                "owner_agent_id": "agent-0142",
                "owner_queue": "credit-report-disputes",
            },
        )
    ]


def test_a_queue_assignment_without_an_agent_opens_a_case_owned_by_the_queue(
    app: ResolutionApplication, inbox: Inbox
) -> None:
    envelope, assigned = sample("complaint.assigned.v1", agent_id=None, queue="general")

    assert inbox.process(envelope, assigned) is Outcome.HANDLED
    [opened] = published_envelopes(app)
    assert (opened.data["owner_queue"], opened.data["owner_agent_id"]) == ("general", None)


def test_the_published_case_is_caused_by_the_assignment_and_parses(
    app: ResolutionApplication, inbox: Inbox
) -> None:
    envelope, assigned = sample("complaint.assigned.v1")
    inbox.process(envelope, assigned)

    [opened] = published_envelopes(app)

    assert opened.causationid == envelope.id
    assert parse(opened.model_dump_json()) == (opened, CaseOpened.model_validate(opened.data))


def test_a_redelivered_event_opens_nothing_more(
    app: ResolutionApplication, inbox: Inbox
) -> None:
    envelope, assigned = sample("complaint.assigned.v1")
    inbox.process(envelope, assigned)
    stored = stored_count(app)

    assert inbox.process(envelope, assigned) is Outcome.DUPLICATE
    assert stored_count(app) == stored == 2  # the processed marker and the case
    assert len(published_envelopes(app)) == 1


def test_a_complaint_has_one_case(app: ResolutionApplication, inbox: Inbox) -> None:
    envelope, assigned = sample("complaint.assigned.v1")
    inbox.process(envelope, assigned)
    republished = envelope.model_copy(update={"id": event_id("/services/dispatch", "other", 1)})

    assert inbox.process(republished, assigned) is Outcome.HANDLED
    assert stored_count(app) == 3  # only a second processed marker
    assert app.get_case(COMPLAINT_ID).version == 1


def test_other_dispatch_events_are_ignored(app: ResolutionApplication, inbox: Inbox) -> None:
    envelope, queued = sample("complaint.queued.v1")

    assert inbox.process(envelope, queued) is Outcome.IGNORED
    assert stored_count(app) == 0


def test_the_api_shows_a_case_and_404s_an_unknown_complaint(
    app: ResolutionApplication, inbox: Inbox
) -> None:
    inbox.process(*sample("complaint.assigned.v1"))
    http = FastAPI()
    http.include_router(api.build_router(app, on_saved=lambda: None))
    client = TestClient(http)

    found = client.get(f"/v1/cases/{COMPLAINT_ID}")
    missing = client.get("/v1/cases/no-such-complaint")

    assert found.status_code == 200
    assert found.json() == {
        "complaint_id": COMPLAINT_ID,
        "case_id": str(Case.create_id(COMPLAINT_ID)),
        "status": "open",
        "owner_queue": "credit-report-disputes",
        "owner_agent_id": "agent-0142",
        "opened_at": app.get_case(COMPLAINT_ID).created_on.isoformat().replace("+00:00", "Z"),
    }
    assert missing.status_code == 404
