"""Collaboration tasks: dispatch asks another department to help (complaint.collaborator_added.v1),
resolution gives that department a task on the case, lists it in its tasks and lets its agents
(or the owner) report it done (#14, point 2)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from runtime.inbox import Inbox
from services.resolution.application import ResolutionApplication
from services.resolution.domain.collaboration import CollaborationDone
from services.resolution.due_work import DueWork
from services.resolution.projections import Projections
from tests.auth_tokens import bearer
from tests.unit.resolution.conftest import (
    START,
    TENANT,
    TOKENS,
    Clock,
    as_,
    published_envelopes,
    sample,
)
from tests.unit.resolution.walk import AGENT, ok, resolve, survey_token

HELPER = "agent-0412"
ASKED = "data-furnisher-relations"
ASK = "Ask the furnisher whether the hard inquiry of 2023-05-30 was authorised"
TASK_ID = "7ff97afa-c879-5bca-bdce-45618fca00a4"  # the id of the sample that asks


def of(department: str, sub: str = HELPER) -> dict[str, str]:
    return bearer(TOKENS.token("agent", tenant=TENANT, sub=sub, departments=[department]))


def asked(inbox: Inbox) -> None:
    inbox.process(*sample("complaint.collaborator_added.v1"))


def listed(client: TestClient, headers: dict, assigned: str = "department") -> list[dict]:
    return ok(client.get("/v1/tasks", headers=headers, params={"assigned": assigned}),
              200).json()["items"]


def complete(client: TestClient, complaint_id: str, headers: dict, task_id: str = TASK_ID):
    return client.post(f"/v1/cases/{complaint_id}/collaborations/{task_id}/completion",
                       headers=headers)


def test_a_request_gives_the_department_one_task_however_often_it_is_delivered(
    app: ResolutionApplication, inbox: Inbox, opened: str,
) -> None:
    asked(inbox)
    asked(inbox)
    case = app.get_case(opened)

    assert [(c.task_id, c.department, c.task, c.requested_by, c.due_at)
            for c in case.collaborations.values()] == [
        (TASK_ID, ASKED, ASK, "agent-0387", None)]
    assert case.request_collaboration(task_id=TASK_ID, department=ASKED, task=ASK,
                                      requested_by="agent-0387", due_at=None,
                                      at=START) is False


def test_the_department_asked_lists_its_task_after_the_dated_ones_of_the_owner(
    app: ResolutionApplication, client: TestClient, inbox: Inbox, opened: str,
) -> None:
    resolve(client, opened)
    ok(client.post(f"/v1/surveys/{survey_token(client, opened)}", json={"csat": 1}))
    follow_up = app.get_case(opened).open_follow_up.task_id
    asked(inbox)
    collaboration = {
        "complaint_id": opened, "task_id": TASK_ID, "kind": "collaboration",
        "proposal_id": None, "title": ASK, "assignee": None, "due_at": None,
        "overdue": False, "department": ASKED}

    assert listed(client, of(ASKED)) == [collaboration]
    assert listed(client, of(ASKED), assigned="me") == []
    assert [(t["task_id"], t["kind"]) for t in listed(client, as_("sup-1"))] == [
        (follow_up, "follow_up"), (TASK_ID, "collaboration")]
    assert listed(client, of("mortgages")) == []
    page = ok(client.get("/v1/tasks", headers=as_("sup-1"),
                         params={"assigned": "department", "limit": 1}), 200).json()
    rest = ok(client.get("/v1/tasks", headers=as_("sup-1"), params={
        "assigned": "department", "cursor": page["next_cursor"]}), 200).json()
    assert [t["task_id"] for t in rest["items"]] == [TASK_ID]


def test_only_the_department_asked_or_the_owner_completes_it(
    app: ResolutionApplication, client: TestClient, inbox: Inbox, opened: str,
) -> None:
    asked(inbox)
    outsider = complete(client, opened, of("mortgages", sub="agent-9"))
    unknown = complete(client, opened, of(ASKED), task_id="no-such-task")

    assert (outsider.status_code, outsider.json()["detail"]) == (404, "case not found")
    assert (unknown.status_code, unknown.json()["detail"]) == (404, "case not found")
    # The task opens no other door: the case itself stays the owner's.
    assert client.get(f"/v1/cases/{opened}", headers=of(ASKED)).status_code == 404
    ok(complete(client, opened, of(ASKED)))
    again = complete(client, opened, of(ASKED))

    assert again.status_code == 409
    assert listed(client, of(ASKED)) == []
    done = [e.data for e in published_envelopes(app)
            if e.type == "resolution.collaboration_completed.v1"]
    assert done == [{"complaint_id": opened, "task_id": TASK_ID, "department": ASKED,
                     "completed_by": HELPER}]


def test_the_owner_may_complete_it_too(
    app: ResolutionApplication, client: TestClient, inbox: Inbox, opened: str,
) -> None:
    asked(inbox)
    ok(complete(client, opened, as_(AGENT)))

    assert app.get_case(opened).collaborations[TASK_ID].completed_by == AGENT
    with pytest.raises(CollaborationDone) as refused:
        app.get_case(opened).complete_collaboration(task_id=TASK_ID, by=HELPER, at=START)
    assert refused.value.params == {"task_id": TASK_ID, "by": AGENT}


def test_a_task_with_a_due_time_is_reported_once_when_overdue_one_without_never(
    app: ResolutionApplication, inbox: Inbox, opened: str, clock: Clock,
    projections: Projections,
) -> None:
    asked(inbox)  # no due time
    app.record_collaboration(
        complaint_id=opened, task_id="dated", department=ASKED, task="Call the furnisher",
        requested_by="agent-0387", due_at=START + timedelta(hours=1),
        cause=None,  # type: ignore[arg-type]
    )
    work = DueWork(app, projections, interval_s=60)
    early = work.tick().overdue
    clock.advance(days=30)

    assert (early, work.tick().overdue, work.tick().overdue) == (
        [], [(opened, "dated")], [])
    missed = [e.data for e in published_envelopes(app)
              if e.type == "resolution.task_deadline_missed.v1"]
    assert missed == [{"complaint_id": opened, "task_id": "dated", "proposal_id": None,
                       "assignee": None,
                       "due_at": (START + timedelta(hours=1)).isoformat().replace("+00:00", "Z")}]
