"""The customer's tracking link shows the real stage and what they were told, never internal
notes nor staff (#14, point 3)."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from contracts.lifecycle import ComplaintStatus
from contracts.registry import parse
from contracts.topics import DISPATCH_EVENTS, INTAKE_EVENTS
from runtime.auth.pii_log import PiiAccessLog
from runtime.inbox import Inbox
from runtime.tracking import TrackingTokens
from services.resolution import api
from services.resolution.application import ResolutionApplication
from services.resolution.domain.progress import CustomerStage, customer_stage
from services.resolution.handlers import SUBSCRIPTIONS
from services.resolution.projections import Projections
from tests.unit.resolution.conftest import (
    COMPLAINT_ID,
    START,
    TOKENS,
    as_,
    published_envelopes,
    sample,
)
from tests.unit.resolution.walk import AGENT, approve, ok, propose, resolve

TRACKING = TrackingTokens(b"k" * 32)
S = CustomerStage


@pytest.mark.parametrize(("status", "pending", "stage"), [
    (None, False, S.RECEIVED), (ComplaintStatus.RECEIVED, False, S.RECEIVED),
    (ComplaintStatus.QUEUED, False, S.RECEIVED), (ComplaintStatus.ASSIGNED, False, S.ASSIGNED),
    (ComplaintStatus.ASSIGNED, True, S.SOLUTION_PROPOSED),
    (ComplaintStatus.INVESTIGATING, False, S.INVESTIGATING),
    (ComplaintStatus.INVESTIGATING, True, S.SOLUTION_PROPOSED),
    (ComplaintStatus.WAITING_ON_CUSTOMER, True, S.WAITING_FOR_YOU),
    (ComplaintStatus.RESOLVED, False, S.RESOLVED), (ComplaintStatus.CLOSED, False, S.CLOSED),
    (ComplaintStatus.REOPENED, False, S.REOPENED),
    (ComplaintStatus.REOPENED, True, S.SOLUTION_PROPOSED),
    (ComplaintStatus.DUPLICATE, False, S.RECEIVED),
    (ComplaintStatus.IN_PROGRESS, False, S.INVESTIGATING),
])
def test_the_stage_is_the_status_refined_by_a_pending_solution(
    status: ComplaintStatus | None, pending: bool, stage: CustomerStage
) -> None:
    assert customer_stage(status, solution_pending=pending) == stage


@pytest.fixture
def http(app: ResolutionApplication, projections: Projections, pii_log: PiiAccessLog):
    return TOKENS.app(*api.build_routers(app, projections, on_saved=lambda: None,
                                         pii_log=pii_log, tracking=TRACKING))


@pytest.fixture
def staff(http) -> TestClient:
    return TestClient(http, headers=as_("reader"))


@pytest.fixture
def customer(http) -> TestClient:
    """No bearer token: the tracking token is the customer's only key."""
    return TestClient(http)


class World:
    """Resolution as it runs: it hears every stage's events, its own too, from the topics."""

    def __init__(self, app: ResolutionApplication, client: TestClient,
                 customer: TestClient) -> None:
        self.app, self.client, self.customer = app, client, customer
        self.intake = Inbox(app=app, consumer="resolution",
                            handlers=SUBSCRIPTIONS[INTAKE_EVENTS])
        self.own = Inbox(app=app, consumer="resolution", handlers={})
        self.token = TRACKING.issue(uuid.UUID(COMPLAINT_ID), filed_at=START)

    def echo(self) -> None:
        for envelope in published_envelopes(self.app):
            self.own.process(*parse(envelope.model_dump(mode="json")))

    def do(self, method: str, path: str, by: str = AGENT, status: int = 204, **body) -> None:
        ok(self.client.request(method, f"/v1/cases/{COMPLAINT_ID}/{path}", headers=as_(by),
                               json=body), status)
        self.echo()

    def progress(self) -> tuple[str, list[tuple[str, str]]]:
        answer = ok(self.customer.get(f"/v1/progress/{self.token}"), 200).json()
        return answer["stage"], [(u["kind"], u["text"]) for u in answer["updates"]]


def test_the_tracking_answer_follows_the_complaint_through_its_whole_lifecycle(
    app: ResolutionApplication, staff: TestClient, customer: TestClient,
) -> None:
    world = World(app, staff, customer)
    seen = []

    world.intake.process(*sample("complaint.received.v1"))
    seen.append(world.progress())
    Inbox(app=app, consumer="resolution", handlers=SUBSCRIPTIONS[DISPATCH_EVENTS]).process(
        *sample("complaint.assigned.v1"))
    seen.append(world.progress())
    world.do("POST", "accept")
    world.do("POST", "notes", status=201, text="Internal: agent suspects a billing bug")
    world.do("POST", "updates", status=201, text="We are checking your statement",
             visibility="customer", channel="email")
    world.do("POST", "updates", status=201, text="Internal: asked finance",
             visibility="internal")
    seen.append(world.progress())
    world.do("POST", "waiting", reason="Need the card's last four digits")
    seen.append(world.progress())
    world.do("POST", "customer-replies", channel="email")
    seen.append(world.progress())
    pid = propose(staff, COMPLAINT_ID)
    world.echo()
    seen.append(world.progress())
    ok(approve(staff, COMPLAINT_ID, pid))
    world.do("POST", f"proposals/{pid}/execution")
    seen.append(world.progress())
    world.do("POST", "root-cause", category="payment_retry", why_chain=["Gateway retried"])
    world.do("POST", "notifications", channel="email", kind="resolution",
             message="We refunded 300.00")
    world.do("POST", "closure")
    seen.append(world.progress())
    world.do("POST", "reopening", by="sup-1", reason="Charged again")
    seen.append(world.progress())

    told = [("progress_update", "We are checking your statement")]
    resolved = [*told, ("resolution", "We refunded 300.00")]
    assert seen == [
        ("received", []), ("assigned", []), ("investigating", told),
        ("waiting_for_you", told), ("investigating", told), ("solution_proposed", told),
        ("resolved", told), ("closed", resolved), ("reopened", resolved),
    ]
    answer = customer.get(f"/v1/progress/{world.token}").json()
    assert set(answer) == {"stage", "updates", "survey"}
    assert set(answer["updates"][0]) == {"at", "kind", "text"}  # no staff, no ids
    assert AGENT not in str(answer) and "Internal" not in str(answer)


def test_an_open_survey_is_offered_on_the_tracking_answer_and_its_link_works(
    app: ResolutionApplication, staff: TestClient, customer: TestClient, opened: str
) -> None:
    world = World(app, staff, customer)
    resolve(staff, opened)
    issued = ok(staff.post(f"/v1/cases/{opened}/survey", headers=as_(AGENT),
                              json={"channel": "email"}), 201).json()

    survey = customer.get(f"/v1/progress/{world.token}").json()["survey"]

    assert survey == {"link": issued["link"], "expires_at": issued["expires_at"]}
    path = survey["link"].removeprefix("https://complaints.example")
    ok(customer.post(path, json={"csat": 5}))
    assert customer.get(f"/v1/progress/{world.token}").json()["survey"] is None


def test_an_unknown_or_expired_tracking_token_answers_no_progress(
    customer: TestClient,
) -> None:
    other = TrackingTokens(b"x" * 32).issue(uuid.UUID(COMPLAINT_ID), filed_at=START)
    expired = TRACKING.issue(uuid.UUID(COMPLAINT_ID), filed_at=START.replace(year=2024))

    assert customer.get(f"/v1/progress/{other}").status_code == 404
    assert customer.get("/v1/progress/nonsense").status_code == 404
    assert (customer.get(f"/v1/progress/{expired}").status_code,
            customer.get(f"/v1/progress/{expired}").json()["detail"]) == (
        410, "this tracking token expired on 2025-04-06")
