"""Approvals waiting for me and my tasks, paged; an overdue task raises an event once
(#14, points 1 and 2)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from runtime.lease import lease_for
from services.resolution.application import ResolutionApplication
from services.resolution.due_work import DueWork
from services.resolution.projections import Projections
from tests.auth_tokens import bearer
from tests.unit.resolution.conftest import (
    DEPARTMENT,
    START,
    TENANT,
    TOKENS,
    Clock,
    as_,
    published_envelopes,
)
from tests.unit.resolution.walk import AGENT, approve, ok, propose, resolve, survey_token


@pytest.fixture
def cases(app: ResolutionApplication) -> None:
    for complaint_id in ("a-1", "a-2", "a-3"):
        app.open_case(complaint_id=complaint_id, tenant=TENANT, owner_queue="q",
                      department=DEPARTMENT, owner_agent_id=AGENT)
    app.open_case(complaint_id="x-1", tenant=TENANT, owner_queue="q2",
                  department="mortgages", owner_agent_id=AGENT)


def in_mortgages(app: ResolutionApplication) -> str:
    return app.propose(complaint_id="x-1", solution_id="refund", amount=Decimal("300.00"),
                       currency=None, description=None, by=AGENT)


def waiting(client: TestClient, headers: dict, **params) -> dict:
    return ok(client.get("/v1/approvals/waiting", headers=headers, params=params), 200).json()


def keys(page: dict, *fields: str) -> list[tuple]:
    return [tuple(item[f] for f in fields) for item in page["items"]]


def test_approvals_waiting_for_me_follow_roles_amounts_four_eyes_and_recusal(
    app: ResolutionApplication, client: TestClient, clock: Clock, cases: None
) -> None:
    p1 = propose(client, "a-1", amount="300.00")            # team_lead
    clock.advance(hours=1)
    p2 = propose(client, "a-2", amount="2000.00")           # team_lead, then finance
    clock.advance(hours=1)
    p3 = propose(client, "a-3", amount="300.00", by="lead-1")  # lead-1's own
    in_mortgages(app)                                       # a department lead-1 is not in
    clock.advance(minutes=30)

    lead = waiting(client, as_("lead-1", "team_lead"))
    assert keys(lead, "complaint_id", "proposal_id", "step", "role", "age_seconds") == [
        ("a-1", p1, 1, "team_lead", 9000), ("a-2", p2, 1, "team_lead", 5400)]
    assert lead["items"][0] | {"proposal_id": None} == {
        "complaint_id": "a-1", "proposal_id": None, "kind": "refund", "amount": "300.00",
        "currency": "CNY", "step": 1, "role": "team_lead", "proposed_by": AGENT,
        "awaiting_since": "2026-03-02T09:00:00Z", "age_seconds": 9000}
    assert keys(waiting(client, as_("fin-1", "finance")), "complaint_id") == []

    ok(approve(client, "a-2", p2, "lead-1"))
    ok(client.post("/v1/cases/a-1/conflicts", headers=as_(AGENT),
                   json={"person": "lead-2", "reason": "Related to the customer"}))

    assert keys(waiting(client, as_("fin-1", "finance")), "complaint_id", "step") == [
        ("a-2", 2)]
    # Four eyes: lead-1 approved step 1 of a-2 and proposed a-3; recusal keeps lead-2 off a-1.
    assert keys(waiting(client, as_("lead-1", "team_lead", "finance")), "complaint_id") == [
        ("a-1",)]
    assert keys(waiting(client, as_("lead-2", "team_lead")), "proposal_id") == [(p3,)]
    other_tenant = bearer(TOKENS.token("supervisor", "team_lead", tenant="another-tenant",
                                       sub="lead-9", departments=[DEPARTMENT]))
    assert waiting(client, other_tenant) == {"items": [], "next_cursor": None}
    no_scope = bearer(TOKENS.token("agent", tenant=TENANT, sub="agent-1",
                                   departments=[DEPARTMENT]))
    assert client.get("/v1/approvals/waiting", headers=no_scope).status_code == 403


def test_pages_return_every_approval_once_in_order_even_when_some_arrive_between_pages(
    app: ResolutionApplication, client: TestClient, clock: Clock, cases: None
) -> None:
    for complaint_id in ("a-1", "a-2", "a-3"):
        propose(client, complaint_id)
        clock.advance(minutes=1)
    lead = as_("lead-1", "team_lead")

    first = waiting(client, lead, limit=2)
    propose(client, "a-1")  # newest: belongs at the end
    second = waiting(client, lead, limit=2, cursor=first["next_cursor"])

    assert [keys(p, "complaint_id") for p in (first, second)] == [
        [("a-1",), ("a-2",)], [("a-3",), ("a-1",)]]
    assert first["next_cursor"] is not None and second["next_cursor"] is None
    bad = client.get("/v1/approvals/waiting", headers=lead, params={"cursor": "not-one"})
    assert (bad.status_code, bad.json()["detail"]) == (422, "not a cursor of this list")


def approved(client: TestClient, complaint_id: str) -> str:
    pid = propose(client, complaint_id)
    ok(approve(client, complaint_id, pid))
    return pid


def assign(client: TestClient, complaint_id: str, pid: str, assignee: str, hours: float,
           clock: Clock) -> str:
    due = (clock.now + timedelta(hours=hours)).isoformat()
    return ok(client.post(f"/v1/cases/{complaint_id}/proposals/{pid}/tasks", headers=as_(AGENT),
                          json={"title": f"Task for {assignee}", "assignee": assignee,
                                "due_at": due}), 201).json()["id"]


def tasks(client: TestClient, actor: str, **params) -> list[tuple]:
    page = ok(client.get("/v1/tasks", headers=as_(actor), params=params), 200).json()
    return keys(page, "task_id", "overdue")


def test_my_tasks_and_my_departments_come_overdue_first_and_an_overdue_task_is_reported_once(
    app: ResolutionApplication, client: TestClient, clock: Clock, cases: None,
    projections: Projections,
) -> None:
    p1, p2 = approved(client, "a-1"), approved(client, "a-2")
    t1 = assign(client, "a-1", p1, "agent-7", 48, clock)
    t2 = assign(client, "a-1", p1, AGENT, 24, clock)
    t3 = assign(client, "a-2", p2, "agent-7", 3, clock)
    px = in_mortgages(app)  # a department agent-7 is not in
    app.approve(complaint_id="x-1", proposal_id=px, approver="lead-1", roles={"team_lead"})
    tx = app.assign_task(complaint_id="x-1", proposal_id=px, title="Elsewhere",
                         assignee="agent-7", due_at=clock.now + timedelta(hours=1), by=AGENT)
    work = DueWork(app, projections, interval_s=60)

    assert tasks(client, "agent-7") == [(t3, False), (t1, False)]
    clock.advance(hours=3)
    reported, again = work.tick().overdue, work.tick().overdue

    assert tasks(client, "agent-7") == [(t3, True), (t1, False)]
    assert tasks(client, "sup-1", assigned="department") == [
        (t3, True), (t2, False), (t1, False)]
    assert tasks(client, "agent-7", assigned="department", limit=2) == [
        (t3, True), (t2, False)]
    assert (reported, again) == ([("a-2", t3), ("x-1", tx)], [])
    missed = [e.data for e in published_envelopes(app)
              if e.type == "resolution.task_deadline_missed.v1"]
    assert missed == [
        {"complaint_id": "a-2", "task_id": t3, "proposal_id": p2, "assignee": "agent-7",
         "due_at": "2026-03-02T12:00:00Z"},
        {"complaint_id": "x-1", "task_id": tx, "proposal_id": px, "assignee": "agent-7",
         "due_at": "2026-03-02T10:00:00Z"},
    ]


def test_a_follow_up_is_a_task_of_the_owner_and_is_reported_when_overdue(
    app: ResolutionApplication, client: TestClient, clock: Clock, opened: str,
    projections: Projections,
) -> None:
    resolve(client, opened)
    ok(client.post(f"/v1/surveys/{survey_token(client, opened)}", json={"csat": 1}))
    task_id = app.get_case(opened).open_follow_up.task_id
    page = ok(client.get("/v1/tasks", headers=as_(AGENT)), 200).json()

    clock.advance(days=1)
    reported = DueWork(app, projections, interval_s=60).tick().overdue

    assert page["items"] == [{
        "complaint_id": opened, "task_id": task_id, "kind": "follow_up", "proposal_id": None,
        "title": None, "assignee": AGENT, "due_at": "2026-03-03T09:00:00Z", "overdue": False,
        "department": None}]
    assert reported == [(opened, task_id)]
    assert START + timedelta(days=1) == clock.now


def test_only_the_replica_holding_the_lease_reports_overdue_tasks(
    app: ResolutionApplication, client: TestClient, clock: Clock, cases: None,
    projections: Projections, tmp_path: Path,
) -> None:
    task_id = assign(client, "a-1", approved(client, "a-1"), "agent-7", 1, clock)
    clock.advance(hours=2)
    leases = [lease_for(service="resolution", task="due-work", database_url="sqlite://",
                        data_dir=tmp_path) for _ in range(2)]
    leader, standby = (DueWork(app, projections, interval_s=60, lease=lease) for lease in leases)

    assert leases[0].held() is True
    assert (standby.tick().overdue, leader.tick().overdue) == ([], [("a-1", task_id)])
    leases[0].release()
    assert leases[1].held() is True
