"""Corrective actions: recorded with owner and due date, measured before and after."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from services.analytics.actions import CorrectiveActions, NewAction
from services.analytics.application import AnalyticsApplication
from tests.auth_tokens import Tokens
from tests.unit.analytics.conftest import analyst_client
from tests.unit.analytics.stories import Story, at

ACTION = {
    "target_kind": "category", "target": "billing",
    "title": "Show the fee before checkout", "owner": "payments-lead", "due_date": "2024-03-31",
    "effective_at": "2024-03-11T00:00:00Z",
}


@pytest.fixture
def http(app: AnalyticsApplication, tokens: Tokens) -> TestClient:
    # Ten days before 2024-03-11: 6 billing, 4 other. Ten days after (to 2024-03-21): 2 billing,
    # 6 other. One billing complaint of another tenant, one long before: neither counts.
    plan = [(f"2024-03-0{d} 10:00", "billing") for d in (1, 2, 3, 4, 5, 6)]
    plan += [(f"2024-03-0{d} 11:00", "delivery") for d in (2, 4, 6, 8)]
    plan += [(f"2024-03-1{d} 10:00", "billing") for d in (2, 5)]
    plan += [(f"2024-03-1{d} 11:00", "delivery") for d in (1, 2, 3, 4, 6, 8)]
    plan += [("2024-01-05 10:00", "billing")]
    events = []
    for n, (when, category) in enumerate(plan):
        events += Story(f"A{n}").received(when, customer=f"c{n}", region="CA", product="Card") \
            .classified(category, "P3").events
    events += Story("X", tenant="globex").received(
        "2024-03-12 10:00", customer="x", region="CA", product="Card"
    ).classified("billing", "P3").events
    app.project(events)
    app.snapshot.refresh()
    # A supervisor records actions; analysts read them.
    return analyst_client(app, tokens, "acme", "supervisor")


def test_an_action_is_recorded_and_listed(
    http: TestClient, app: AnalyticsApplication, tokens: Tokens
) -> None:
    created = http.post("/v1/analytics/actions", json=ACTION)

    assert created.status_code == 201
    action = created.json()
    assert {k: action[k] for k in ACTION} == ACTION
    assert action["tenant"] == "acme"
    assert http.get("/v1/analytics/actions").json() == [action]
    globex = analyst_client(app, tokens, "globex")
    assert globex.get("/v1/analytics/actions").json() == []
    assert globex.get(f"/v1/analytics/actions/{action['action_id']}/effect").status_code == 404
    analyst = analyst_client(app, tokens, "acme")
    assert analyst.post("/v1/analytics/actions", json=ACTION).status_code == 403
    assert analyst.get("/v1/analytics/actions").json() == [action]


def test_the_complaint_rate_before_and_after_the_action(http: TestClient) -> None:
    action_id = http.post("/v1/analytics/actions", json=ACTION).json()["action_id"]

    effect = http.get(f"/v1/analytics/actions/{action_id}/effect", params={"days": 10}).json()

    assert effect["before"] == {
        "start": "2024-03-01T00:00:00Z", "end": "2024-03-11T00:00:00Z", "days": 10.0,
        "complaints": 6, "all_complaints": 10, "per_day": 0.6, "share": 0.6,
    }
    assert effect["after"] == {
        "start": "2024-03-11T00:00:00Z", "end": "2024-03-21T00:00:00Z", "days": 10.0,
        "complaints": 2, "all_complaints": 8, "per_day": 0.2, "share": 0.25,
    }
    assert (effect["per_day_change"], effect["share_change"]) == (-0.666667, -0.35)


def test_an_action_against_a_root_cause_and_bad_requests(http: TestClient) -> None:
    by_cause = http.post("/v1/analytics/actions", json={
        **ACTION, "target_kind": "root_cause", "target": "fee_error"}).json()
    effect = http.get(f"/v1/analytics/actions/{by_cause['action_id']}/effect").json()
    assert (effect["before"]["complaints"], effect["after"]["complaints"]) == (0, 0)

    assert http.post("/v1/analytics/actions", json={**ACTION, "target_kind": "colour"}) \
        .status_code == 422
    assert http.post("/v1/analytics/actions", json={**ACTION, "owner": ""}).status_code == 422
    assert http.post("/v1/analytics/actions", json={
        **ACTION, "effective_at": "2024-03-11T00:00:00"}).status_code == 422  # no time zone
    assert http.get(
        "/v1/analytics/actions/00000000-0000-0000-0000-000000000000/effect"
    ).status_code == 404


def test_an_action_still_in_its_after_period_is_measured_so_far(
    app: AnalyticsApplication,
) -> None:
    actions = CorrectiveActions(app.store)
    action = actions.record(NewAction.model_validate(ACTION), tenant="acme")

    effect = actions.effect(action, days=30, now=at("2024-03-16 00:00"))

    assert (effect.after.days, effect.after.complaints, effect.after.all_complaints) == (5.0, 0, 0)
    assert effect.before.days == 30.0
