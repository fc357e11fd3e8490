"""Metrics: proposals by kind, approvals pending and their age, reopens, CSAT."""

from __future__ import annotations

from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry, generate_latest

from services.resolution.application import ResolutionApplication
from services.resolution.metrics import ResolutionCollector
from services.resolution.projections import Projections
from tests.unit.resolution.conftest import DEPARTMENT, TENANT, Clock, as_
from tests.unit.resolution.walk import AGENT, ok, propose, resolve, survey_token


def scrape(projections: Projections, clock: Clock) -> dict[str, float]:
    registry = CollectorRegistry()
    registry.register(ResolutionCollector(projections, clock))
    samples = {}
    for line in generate_latest(registry).decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples


def test_metrics_follow_what_happened(
    app: ResolutionApplication, client: TestClient, clock: Clock, projections: Projections
) -> None:
    for complaint_id in ("m-1", "m-2", "m-3"):
        app.open_case(complaint_id=complaint_id, tenant=TENANT, owner_queue="q",
                      department=DEPARTMENT, owner_agent_id=AGENT)
    resolve(client, "m-1")
    ok(client.post(f"/v1/surveys/{survey_token(client, 'm-1')}", json={"csat": 4}))
    ok(client.post("/v1/cases/m-1/reopening", headers=as_(AGENT), json={"reason": "Again"}))
    resolve(client, "m-2", solution_id="explanation-apology", amount=None)
    ok(client.post(f"/v1/surveys/{survey_token(client, 'm-2')}", json={"csat": 1}))
    propose(client, "m-3", amount="2000.00")  # waits for the team lead
    clock.advance(minutes=90)
    propose(client, "m-3", solution_id="goodwill-compensation", amount="10.00")
    clock.advance(minutes=30)

    samples = scrape(projections, clock)

    assert {k: v for k, v in samples.items() if k.startswith("resolution_proposals")} == {
        'resolution_proposals_total{kind="refund"}': 2.0,
        'resolution_proposals_total{kind="compensation"}': 1.0,
        'resolution_proposals_total{kind="replacement"}': 0.0,
        'resolution_proposals_total{kind="technical_support"}': 0.0,
        'resolution_proposals_total{kind="explanation_apology"}': 1.0,
    }
    assert samples["resolution_approvals_pending"] == 2.0
    assert samples["resolution_approval_oldest_pending_age_seconds"] == 120 * 60
    assert samples["resolution_approval_pending_age_seconds_sum"] == (120 + 30) * 60
    assert samples["resolution_reopens_total"] == 1.0
    assert samples['resolution_csat_responses_total{score="4"}'] == 1.0
    assert samples['resolution_csat_responses_total{score="1"}'] == 1.0
    assert samples["resolution_csat_average"] == 2.5


def test_an_approved_proposal_is_no_longer_pending(
    app: ResolutionApplication, client: TestClient, clock: Clock, projections: Projections,
    opened: str,
) -> None:
    pid = propose(client, opened, amount="2000.00")
    ok(client.post(f"/v1/cases/{opened}/proposals/{pid}/approvals",
                   headers=as_("lead-1", "team_lead")))
    assert scrape(projections, clock)["resolution_approvals_pending"] == 1.0  # finance next
    ok(client.post(f"/v1/cases/{opened}/proposals/{pid}/approvals",
                   headers=as_("fin-1", "finance")))

    samples = scrape(projections, clock)

    assert samples["resolution_approvals_pending"] == 0.0
    assert samples["resolution_approval_oldest_pending_age_seconds"] == 0.0
