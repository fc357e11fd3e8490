"""The count endpoints answer from the projection."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.analytics import api
from services.analytics.application import AnalyticsApplication
from services.analytics.reports import Reports
from tests.unit.analytics.samples import domain_samples


def client(app: AnalyticsApplication) -> TestClient:
    http = FastAPI()
    http.include_router(api.build_router(app, Reports(app.store)))
    return TestClient(http)


def test_received_complaints_are_counted_in_all_or_one_tenant(app: AnalyticsApplication) -> None:
    http = client(app)
    assert http.get("/v1/analytics/complaints/count").json() == {"received": 0}

    app.project(domain_samples())

    assert http.get("/v1/analytics/complaints/count").json() == {"received": 1}
    assert http.get("/v1/analytics/complaints/count?tenant=experian-us").json() == {
        "received": 1
    }
    assert http.get("/v1/analytics/complaints/count?tenant=nobody").json() == {"received": 0}


def test_events_are_counted_by_type(app: AnalyticsApplication) -> None:
    app.project(domain_samples())
    http = client(app)

    answer = http.get("/v1/analytics/events/count", params={"type": "sla.clock_started.v1"})

    assert answer.status_code == 200
    assert answer.json() == {"type": "sla.clock_started.v1", "count": 1}
    assert http.get(
        "/v1/analytics/events/count", params={"type": "sla.breached.v1", "tenant": "nobody"}
    ).json() == {"type": "sla.breached.v1", "count": 0}


def test_an_unknown_event_type_or_none_is_a_client_error(app: AnalyticsApplication) -> None:
    http = client(app)

    assert http.get("/v1/analytics/events/count", params={"type": "no.such.v1"}).status_code == 422
    assert http.get("/v1/analytics/events/count").status_code == 422
