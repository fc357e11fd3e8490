"""Resolution opens one case per assigned complaint, exactly once, and follows its owner."""

from __future__ import annotations

from fastapi.testclient import TestClient

from contracts.envelope import Envelope, event_id
from contracts.registry import parse
from contracts.resolution import CaseOpened
from contracts.topics import SLA_EVENTS
from runtime.inbox import Inbox, Outcome
from runtime.lifecycle import status_of
from runtime.ownership import owner_of
from services.resolution.application import ResolutionApplication
from services.resolution.domain import Case
from services.resolution.handlers import SUBSCRIPTIONS
from tests.unit.resolution.conftest import (
    COMPLAINT_ID,
    SOURCE,
    published_envelopes,
    published_types,
    sample,
)


def stored_count(app: ResolutionApplication) -> int:
    return len(app.recorder.select_notifications(None, 100))


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
            # Handled in a span of a new trace, the event having come without one.
            traceparent=published_envelopes(app)[0].traceparent,
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
    assert stored_count(app) == stored == 5  # processed marker, case, ownership, lifecycle (2)
    assert len(published_envelopes(app)) == 1


def test_the_same_assignment_again_changes_nothing_but_a_new_owner_is_followed(
    app: ResolutionApplication, inbox: Inbox
) -> None:
    envelope, assigned = sample("complaint.assigned.v1")
    inbox.process(envelope, assigned)
    republished = envelope.model_copy(update={"id": event_id("/services/dispatch", "other", 1)})
    reassigned, to_other = sample("complaint.assigned.v1", agent_id="agent-0999")
    reassigned = reassigned.model_copy(update={"id": event_id("/services/dispatch", "x", 2)})

    assert inbox.process(republished, assigned) is Outcome.HANDLED
    assert stored_count(app) == 6  # only a second processed marker (case, ownership, lifecycle)
    assert app.get_case(COMPLAINT_ID).version == 1
    assert inbox.process(reassigned, to_other) is Outcome.HANDLED
    case = app.get_case(COMPLAINT_ID)
    assert (case.version, case.owner_agent_id) == (2, "agent-0999")
    assert published_types(app) == ["resolution.case_opened.v1"]  # owners are dispatch's facts


def test_a_transfer_moves_the_case_to_its_new_owner(
    app: ResolutionApplication, inbox: Inbox, opened: str
) -> None:
    envelope, transferred = sample("complaint.transferred.v1")

    assert inbox.process(envelope, transferred) is Outcome.HANDLED

    case = app.get_case(COMPLAINT_ID)
    assert (case.owner_queue, case.owner_agent_id) == (
        transferred.to_queue, transferred.to_agent_id
    )
    owner = owner_of(app, COMPLAINT_ID)
    assert (owner.department, owner.queue) == ("fraud-operations", "identity-theft")


def test_a_transfer_to_a_queue_of_a_complaint_without_a_case_opens_none(
    app: ResolutionApplication, inbox: Inbox
) -> None:
    envelope, transferred = sample("complaint.transferred.v1", complaint_id="never-assigned",
                                   to_agent_id=None)

    assert inbox.process(envelope, transferred) is Outcome.HANDLED
    assert stored_count(app) == 3  # the processed marker and the lifecycle's status (2)
    assert published_types(app) == []


def test_a_transfer_to_an_agent_of_a_complaint_without_a_case_opens_it_for_that_agent(
    app: ResolutionApplication, inbox: Inbox
) -> None:
    # Dispatch before issue #22 published a first owner named by hand as a transfer.
    envelope, transferred = sample("complaint.transferred.v1")

    assert inbox.process(envelope, transferred) is Outcome.HANDLED

    case = app.get_case(COMPLAINT_ID)
    assert (case.status, case.owner_queue, case.owner_agent_id) == (
        "open", "identity-theft", "agent-0387"
    )
    assert owner_of(app, COMPLAINT_ID).department == "fraud-operations"
    [opened] = published_envelopes(app)
    assert (opened.type, opened.causationid, opened.data["owner_agent_id"]) == (
        "resolution.case_opened.v1", envelope.id, "agent-0387"
    )


def test_sla_escalations_breaches_and_warnings_are_recorded_on_the_case(
    app: ResolutionApplication, opened: str
) -> None:
    sla_inbox = Inbox(app=app, consumer="resolution", handlers=SUBSCRIPTIONS[SLA_EVENTS])
    for event_type in ("sla.warning_raised.v1", "sla.breached.v1", "sla.escalated.v1"):
        assert sla_inbox.process(*sample(event_type)) is Outcome.HANDLED

    alerts = app.get_case(COMPLAINT_ID).sla_alerts
    _, escalated = sample("sla.escalated.v1")
    assert [a["kind"] for a in alerts] == ["warning", "breach", "escalation"]
    assert alerts[2]["detail"] == f"escalated to {escalated.level}: {escalated.reason}"
    assert alerts[2]["clock_id"] == escalated.clock_id
    assert published_types(app) == ["resolution.case_opened.v1"]  # SLA's facts, not ours


def test_a_queued_complaint_only_moves_the_lifecycle_status(
    app: ResolutionApplication, inbox: Inbox
) -> None:
    envelope, queued = sample("complaint.queued.v1")

    assert inbox.process(envelope, queued) is Outcome.HANDLED
    assert status_of(app, queued.complaint_id) == "queued"
    assert published_types(app) == []


def test_the_api_shows_a_case_and_404s_an_unknown_complaint(
    app: ResolutionApplication, client: TestClient, opened: str
) -> None:
    found = client.get(f"/v1/cases/{COMPLAINT_ID}")
    missing = client.get("/v1/cases/no-such-complaint")

    assert found.status_code == 200
    body = found.json()
    assert {k: body[k] for k in (
        "complaint_id", "case_id", "status", "case_status", "owner_queue", "owner_agent_id",
        "handler",
        "opened_at", "proposals", "closure", "reopen_count",
    )} == {
        "complaint_id": COMPLAINT_ID,
        "case_id": str(Case.create_id(COMPLAINT_ID)),
        "status": "assigned",
        "case_status": "open",
        "owner_queue": "credit-report-disputes",
        "owner_agent_id": "agent-0142",
        "handler": None,
        "opened_at": app.get_case(COMPLAINT_ID).created_on.isoformat().replace("+00:00", "Z"),
        "proposals": [],
        "closure": None,
        "reopen_count": 0,
    }
    assert missing.status_code == 404
