"""The count endpoints answer from the projection, for the caller's tenant only."""

from __future__ import annotations

from fastapi.testclient import TestClient

from services.analytics.application import AnalyticsApplication
from tests.auth_tokens import Tokens, bearer
from tests.unit.analytics.conftest import analyst_client
from tests.unit.analytics.samples import domain_samples


def test_received_complaints_are_counted_in_the_callers_tenant(
    app: AnalyticsApplication, tokens: Tokens
) -> None:
    http = analyst_client(app, tokens, "experian-us")
    assert http.get("/v1/analytics/complaints/count").json() == {"received": 0}

    app.project(domain_samples())

    assert http.get("/v1/analytics/complaints/count").json() == {"received": 1}
    assert http.get("/v1/analytics/complaints/count?tenant=experian-us").json() == {
        "received": 1
    }
    assert analyst_client(app, tokens, "nobody").get(
        "/v1/analytics/complaints/count").json() == {"received": 0}


def test_another_tenant_is_refused_and_no_token_is_unauthenticated(
    app: AnalyticsApplication, tokens: Tokens
) -> None:
    app.project(domain_samples())
    http = analyst_client(app, tokens, "experian-us")

    assert http.get("/v1/analytics/complaints/count?tenant=nobody").status_code == 403
    assert http.get("/v1/analytics/volume", params={"tenant": "nobody"}).status_code == 403
    anonymous = TestClient(http.app)
    assert anonymous.get("/v1/analytics/volume").status_code == 401
    agent = TestClient(http.app, headers=bearer(tokens.token("agent", tenant="experian-us")))
    assert agent.get("/v1/analytics/volume").status_code == 403  # no analytics:read


def test_events_are_counted_by_type(app: AnalyticsApplication, tokens: Tokens) -> None:
    app.project(domain_samples())
    http = analyst_client(app, tokens, "experian-us")

    answer = http.get("/v1/analytics/events/count", params={"type": "sla.clock_started.v1"})

    assert answer.status_code == 200
    assert answer.json() == {"type": "sla.clock_started.v1", "count": 1}
    assert analyst_client(app, tokens, "nobody").get(
        "/v1/analytics/events/count", params={"type": "sla.breached.v1"}
    ).json() == {"type": "sla.breached.v1", "count": 0}


def test_an_unknown_event_type_or_none_is_a_client_error(
    app: AnalyticsApplication, tokens: Tokens
) -> None:
    http = analyst_client(app, tokens)

    assert http.get("/v1/analytics/events/count", params={"type": "no.such.v1"}).status_code == 422
    assert http.get("/v1/analytics/events/count").status_code == 422


def test_no_operation_takes_a_tenant_parameter(app: AnalyticsApplication, tokens: Tokens) -> None:
    document = analyst_client(app, tokens, "experian-us").get("/openapi.json").json()
    parameters = {(path, parameter["name"]) for path, item in document["paths"].items()
                  for operation in item.values() for parameter in operation.get("parameters", [])}
    assert {name for _, name in parameters} >= {"type", "from", "by"}
    assert [(path, name) for path, name in parameters if name == "tenant"] == []
