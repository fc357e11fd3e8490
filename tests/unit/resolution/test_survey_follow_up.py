"""A low survey score opens a follow-up (回访) instead of closing; the survey goes out by itself
after the resolution notice (#14, point 4)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from services.resolution.application import ResolutionApplication
from services.resolution.domain import Case
from services.resolution.domain.follow_up import LowScore
from services.resolution.due_work import DueWork
from services.resolution.projections import Projections
from tests.unit.resolution.conftest import START, Clock, as_, published_envelopes
from tests.unit.resolution.walk import AGENT, ok, resolve, survey_token


def events(app: ResolutionApplication, *types: str) -> list[tuple[str, dict]]:
    return [(e.type, e.data) for e in published_envelopes(app) if e.type in types]


FOLLOW_UP = ("resolution.follow_up_opened.v1", "resolution.follow_up_completed.v1",
             "complaint.closed.v1")


@pytest.mark.parametrize(("csat", "nps", "low"), [
    (1, None, True), (2, 10, True), (3, None, False), (5, 6, True), (5, 7, False),
    (4, 0, True),
])
def test_the_default_thresholds_are_csat_1_2_and_nps_0_6(
    csat: int, nps: int | None, low: bool
) -> None:
    assert LowScore().is_low(csat, nps) is low


def test_a_low_csat_opens_a_follow_up_for_the_owner_and_the_case_stays_open(
    app: ResolutionApplication, client: TestClient, opened: str, clock: Clock
) -> None:
    resolve(client, opened)
    ok(client.post(f"/v1/surveys/{survey_token(client, opened)}", json={"csat": 2}))

    case = app.get_case(opened)
    [(kind, data)] = events(app, *FOLLOW_UP)
    assert (kind, case.is_closed) == ("resolution.follow_up_opened.v1", False)
    assert data == {
        "complaint_id": opened, "task_id": case.open_follow_up.task_id,
        "survey_id": case.open_follow_up.survey_id, "assignee": AGENT,
        "owner_queue": "credit-report-disputes", "due_at": "2026-03-03T09:00:00Z",
    }
    # Neither silence nor an agent closes it while the follow-up is open.
    clock.advance(days=30)
    assert app.close_if_silent(case_id=case.id, silence=timedelta(days=7)) is False
    refused = client.post(f"/v1/cases/{opened}/closure", headers=as_(AGENT), json={})
    assert (refused.status_code, refused.json()["detail"]) == (
        409, f"the follow-up {case.open_follow_up.task_id} of a low survey score is still open")


def test_the_case_closes_when_the_owner_has_done_the_follow_up(
    app: ResolutionApplication, client: TestClient, opened: str
) -> None:
    resolve(client, opened)
    ok(client.post(f"/v1/surveys/{survey_token(client, opened)}", json={"csat": 1}))
    task_id = app.get_case(opened).open_follow_up.task_id
    url = f"/v1/cases/{opened}/follow-ups/{task_id}/completion"

    other = client.post(url, headers=as_("agent-9"), json={"note": "Called back"})
    ok(client.post(url, headers=as_(AGENT), json={"note": "Called back, refund explained"}))

    assert (other.status_code, other.json()["detail"]) == (409, f"{task_id} is assigned to {AGENT}")
    completed, closed = [data for _, data in events(app, *FOLLOW_UP)][1:]
    assert ({**completed, "note": None}, closed["automatic"]) == (
        {"complaint_id": opened, "task_id": task_id, "outcome": "done",
         "completed_by": AGENT, "note": None}, True)
    assert app.personal.open(app.get_case(opened), completed["note"]) == (
        "Called back, refund explained")  # sealed like every note
    assert app.get_case(opened).is_closed


def test_the_case_closes_when_the_customer_accepts_the_outcome_after_a_low_nps(
    app: ResolutionApplication, client: TestClient, opened: str
) -> None:
    resolve(client, opened)
    token = survey_token(client, opened)
    ok(client.post(f"/v1/surveys/{token}", json={"csat": 4, "nps": 6}))

    ok(client.post(f"/v1/surveys/{token}/acceptance"))
    again = client.post(f"/v1/surveys/{token}/acceptance")

    assert [(kind, data.get("outcome"), data.get("completed_by"))
            for kind, data in events(app, *FOLLOW_UP)] == [
        ("resolution.follow_up_opened.v1", None, None),
        ("resolution.follow_up_completed.v1", "customer_accepted", "customer"),
        ("complaint.closed.v1", None, None),
    ]
    assert (again.status_code, again.json()["detail"]) == (
        404, "no follow-up is open for this survey")


def test_the_thresholds_are_configurable(
    app: ResolutionApplication, client: TestClient, opened: str
) -> None:
    app.rules = replace(app.rules, low_score=LowScore(csat_max=1, nps_max=3))
    resolve(client, opened)
    ok(client.post(f"/v1/surveys/{survey_token(client, opened)}", json={"csat": 2, "nps": 4}))

    assert [kind for kind, _ in events(app, *FOLLOW_UP)] == ["complaint.closed.v1"]


def test_a_high_score_still_closes_the_resolved_case_at_once(
    app: ResolutionApplication, client: TestClient, opened: str
) -> None:
    resolve(client, opened)
    ok(client.post(f"/v1/surveys/{survey_token(client, opened)}", json={"csat": 3, "nps": 7}))

    assert [kind for kind, _ in events(app, *FOLLOW_UP)] == ["complaint.closed.v1"]


def survey_notices(app: ResolutionApplication) -> list[tuple[str, str]]:
    return [(e.data["notified_by"], e.data["channel"]) for e in published_envelopes(app)
            if e.type == "resolution.customer_notified.v1"
            and e.data["message_kind"] == "survey"]


def test_the_survey_goes_out_by_itself_the_configured_delay_after_the_resolution_notice(
    app: ResolutionApplication, client: TestClient, opened: str, clock: Clock,
    projections: Projections,
) -> None:
    app.rules = replace(app.rules, survey_delay=timedelta(hours=2))
    work = DueWork(app, projections, interval_s=60)
    resolve(client, opened)  # told on email at START

    clock.advance(hours=1, minutes=59)
    early = work.tick().surveyed
    clock.advance(minutes=1)
    due = work.tick().surveyed
    clock.advance(hours=5)
    later = work.tick().surveyed

    assert (early, due, later) == ([], [opened], [])
    assert survey_notices(app) == [("system", "email")]
    [survey] = app.get_case(opened).surveys.values()
    assert (survey.issued_at, survey.expires_at) == (
        START + timedelta(hours=2), START + timedelta(hours=2, days=7))


def test_no_survey_goes_out_by_itself_when_one_was_sent_by_hand(
    app: ResolutionApplication, client: TestClient, opened: str, clock: Clock,
    projections: Projections,
) -> None:
    work = DueWork(app, projections, interval_s=60)
    resolve(client, opened)
    survey_token(client, opened)

    clock.advance(days=2)

    assert work.tick().surveyed == []
    assert survey_notices(app) == [(AGENT, "email")]
    assert Case.create_id(opened) not in projections.stats.told_without_survey
