"""Filters and groupings are checked against the allow-list; reports come as JSON or CSV."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from services.analytics.application import AnalyticsApplication
from services.analytics.slicing import CLOCK_DIMENSIONS, DIMENSIONS
from tests.problems import kind, reason


@pytest.mark.parametrize("params", [
    {"colour": "red"},
    {"by": "colour"},
    {"by": ["category", "colour"]},
    {"category": "billing", "colour": "red"},
])
def test_an_unknown_dimension_is_a_422_listing_the_allowed_ones(
    http: TestClient, params: dict
) -> None:
    answer = http.get("/v1/analytics/volume", params=params)

    assert answer.status_code == 422
    assert reason(answer) == {
        "detail": "unknown dimension(s): colour", "unknown": ["colour"],
        "allowed": list(DIMENSIONS),
    }
    assert kind(answer) == (422, "unknown-dimension")


def test_sla_also_allows_the_clock_target_and_pareto_checks_its_dimension(
    http: TestClient,
) -> None:
    assert http.get("/v1/analytics/sla", params={"by": "target"}).status_code == 200
    assert http.get("/v1/analytics/volume", params={"by": "target"}).json()[
        "allowed"] == list(DIMENSIONS)
    assert http.get("/v1/analytics/sla", params={"by": "x"}).json()[
        "allowed"] == list(CLOCK_DIMENSIONS)
    answer = http.get("/v1/analytics/pareto", params={"of": "1; DROP TABLE events"})
    assert answer.status_code == 422
    assert answer.json()["unknown"] == ["1; DROP TABLE events"]


def test_filter_values_are_bound_never_spliced_into_sql(
    http: TestClient, world: AnalyticsApplication
) -> None:
    hostile = "billing') OR 1=1 OR ('"
    answer = http.get("/v1/analytics/volume", params={"category": hostile})

    assert answer.json()["rows"] == [{"complaints": 0}]
    assert world.count_received_complaints() == 6


@pytest.mark.parametrize("params", [
    {"interval": "fortnight"}, {"historical": "maybe"}, {"from": "yesterday"},
    {"days": "0"},
])
def test_bad_control_values_are_422(http: TestClient, params: dict) -> None:
    path = "recurrence" if "days" in params else "volume"
    assert http.get(f"/v1/analytics/{path}", params=params).status_code == 422


def test_csv_by_format_parameter_or_accept_header(http: TestClient) -> None:
    expected = (
        "category,complaints,share,cumulative_share\r\n"
        "billing,4,0.666667,0.666667\r\n"
        "delivery,2,0.333333,1.0\r\n"
    )
    by_param = http.get("/v1/analytics/pareto", params={"format": "csv"})
    by_accept = http.get("/v1/analytics/pareto", headers={"Accept": "text/csv"})

    for answer in (by_param, by_accept):
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/csv")
        assert answer.text == expected
    assert http.get("/v1/analytics/pareto", params={"format": "json"},
                    headers={"Accept": "text/csv"}).json()["report"] == "pareto"


def test_csv_leaves_unknown_values_empty(http: TestClient) -> None:
    answer = http.get("/v1/analytics/performance", params={"of": "department", "format": "csv"})

    assert answer.text.splitlines() == [
        "department,complaints,open,closed,median_resolution_hours,p90_resolution_hours,"
        "sla_breached,sla_breach_rate,csat_mean,reopen_rate",
        "logistics,1,1,0,,,0,0.0,,",
        "payments,5,2,3,15.0,27.0,2,0.4,3.5,0.25",
    ]
