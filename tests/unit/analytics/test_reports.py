"""Every report on six hand-worked complaints (tests/unit/analytics/world.py has the table)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from services.analytics.application import AnalyticsApplication


def rows(http: TestClient, path: str, **params) -> list[dict]:
    answer = http.get(f"/v1/analytics/{path}", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()["rows"]


def test_volume_by_month_week_and_dimension(http: TestClient) -> None:
    assert rows(http, "volume", interval="month") == [
        {"period": "2024-02-01", "complaints": 1},
        {"period": "2024-03-01", "complaints": 4},
        {"period": "2024-04-01", "complaints": 1},
    ]
    assert rows(http, "volume", interval="week") == [
        {"period": "2024-02-19", "complaints": 1},
        {"period": "2024-03-04", "complaints": 4},
        {"period": "2024-04-15", "complaints": 1},
    ]
    assert rows(http, "volume", by="channel") == [
        {"channel": "app", "complaints": 1}, {"channel": "email", "complaints": 1},
        {"channel": "phone", "complaints": 1}, {"channel": "web", "complaints": 3},
    ]
    assert rows(http, "volume", interval="day", by=["category", "region"], category="delivery") == [
        {"period": "2024-03-09", "category": "delivery", "region": "CA", "complaints": 1},
        {"period": "2024-03-10", "category": "delivery", "region": "TX", "complaints": 1},
    ]
    assert rows(http, "volume", by="tenant") == [{"tenant": "acme", "complaints": 6}]


def test_filters_by_time_range_and_several_dimensions(http: TestClient) -> None:
    assert rows(http, "volume", category="billing", region="CA") == [{"complaints": 2}]
    assert rows(http, "volume", region=["CA", "TX"]) == [{"complaints": 4}]
    assert rows(http, "volume", **{"from": "2024-03-01T00:00:00Z", "to": "2024-04-01T00:00:00Z"}) \
        == [{"complaints": 4}]
    assert rows(http, "volume", **{"from": "2024-03-04T12:00:00Z", "to": "2024-03-09T10:00:00Z"}) \
        == [{"complaints": 1}]  # from is inclusive, to exclusive: C2 only
    assert rows(http, "volume", historical="false", tenant="acme") == [{"complaints": 6}]
    assert http.get("/v1/analytics/volume", params={"tenant": "nobody"}).status_code == 403


def test_backlog_and_ageing(http: TestClient) -> None:
    # Open as of 2024-04-16 09:00: C2 (42.875 days), C4 (36.75 days), C6 (1 day).
    assert rows(http, "backlog", as_of="2024-04-16T09:00:00Z") == [{
        "open": 3, "age_0_1_days": 0, "age_1_3_days": 1, "age_3_7_days": 0, "age_7_14_days": 0,
        "age_14_30_days": 0, "age_over_30_days": 2, "median_age_days": 36.75,
        "oldest_age_days": 42.875,
    }]
    assert rows(http, "backlog", as_of="2024-04-16T09:00:00Z", by="department") == [
        {"department": "logistics", "open": 1, "age_0_1_days": 0, "age_1_3_days": 0,
         "age_3_7_days": 0, "age_7_14_days": 0, "age_14_30_days": 0, "age_over_30_days": 1,
         "median_age_days": 36.75, "oldest_age_days": 36.75},
        {"department": "payments", "open": 2, "age_0_1_days": 0, "age_1_3_days": 1,
         "age_3_7_days": 0, "age_7_14_days": 0, "age_14_30_days": 0, "age_over_30_days": 1,
         "median_age_days": 21.9375, "oldest_age_days": 42.875},
    ]


def test_first_response_and_resolution_times(http: TestClient) -> None:
    # First response [1, 2, 4, 8] h; resolution [5, 10, 20, 30] h (C2: closed, never executed).
    assert rows(http, "response-times") == [{
        "complaints": 6, "responded": 4, "median_first_response_hours": 3.0,
        "p90_first_response_hours": 6.8, "resolved": 4, "median_resolution_hours": 15.0,
        "p90_resolution_hours": 27.0,
    }]
    assert rows(http, "response-times", by="product", product="Loan") == [{
        "product": "Loan", "complaints": 2, "responded": 1, "median_first_response_hours": 8.0,
        "p90_first_response_hours": 8.0, "resolved": 1, "median_resolution_hours": 20.0,
        "p90_resolution_hours": 20.0,
    }]


def test_sla_compliance_by_severity_and_department(http: TestClient) -> None:
    assert rows(http, "sla", by="severity") == [
        {"severity": "P1", "clocks": 2, "met": 2, "breached": 0, "cancelled": 0,
         "compliance": 1},
        {"severity": "P2", "clocks": 3, "met": 1, "breached": 1, "cancelled": 0,
         "compliance": 0.5},
        {"severity": "P3", "clocks": 1, "met": 0, "breached": 1, "cancelled": 0,
         "compliance": 0},
    ]
    assert rows(http, "sla", by="department") == [
        {"department": "logistics", "clocks": 1, "met": 0, "breached": 0, "cancelled": 0,
         "compliance": None},
        {"department": "payments", "clocks": 5, "met": 3, "breached": 2, "cancelled": 0,
         "compliance": 0.6},
    ]
    assert rows(http, "sla", by="target", severity="P2") == [
        {"target": "first_response", "clocks": 2, "met": 1, "breached": 0, "cancelled": 0,
         "compliance": 1},
        {"target": "resolution", "clocks": 1, "met": 0, "breached": 1, "cancelled": 0,
         "compliance": 0},
    ]


def test_csat_distribution_mean_and_nps(http: TestClient) -> None:
    # CSAT 5, 2, 4, 3; NPS answers 10, 3, 9: two promoters, one detractor.
    assert rows(http, "satisfaction") == [{
        "csat_responses": 4, "csat_1": 0, "csat_2": 1, "csat_3": 1, "csat_4": 1, "csat_5": 1,
        "csat_mean": 3.5, "nps_responses": 3, "promoters": 2, "detractors": 1, "nps": 33.3333,
    }]


def test_recurrence_within_30_days_at_all_and_in_the_same_category(http: TestClient) -> None:
    # C2 (C1 3 h before, billing too) and C4 (C2 6 days before, other category) recur;
    # C6 does not: C5, its customer's last one, is 55 days older.
    assert rows(http, "recurrence") == [{
        "complaints": 6, "repeat_customers": 2, "recurrence_rate": 0.333333,
        "repeat_same_category": 1, "same_category_rate": 0.166667,
    }]
    assert rows(http, "recurrence", days=60, by="category") == [
        {"category": "billing", "complaints": 4, "repeat_customers": 2, "recurrence_rate": 0.5,
         "repeat_same_category": 2, "same_category_rate": 0.5},
        {"category": "delivery", "complaints": 2, "repeat_customers": 1, "recurrence_rate": 0.5,
         "repeat_same_category": 0, "same_category_rate": 0},
    ]
    # A filter picks the complaints counted, not the history: C4 (delivery) still repeats C2
    # (billing), which the filter leaves out.
    assert rows(http, "recurrence", category="delivery") == [{
        "complaints": 2, "repeat_customers": 1, "recurrence_rate": 0.5,
        "repeat_same_category": 0, "same_category_rate": 0,
    }]


def test_closure_reopen_and_first_contact_resolution_rates(http: TestClient) -> None:
    # Closed now: C1, C3, C5. Closed once: those and C2, which was reopened.
    # First contact: C1 and C5 (C3 was transferred).
    assert rows(http, "rates") == [{
        "complaints": 6, "closed": 3, "closure_rate": 0.5, "ever_closed": 4, "reopened": 1,
        "reopen_rate": 0.25, "first_contact_resolved": 2,
        "first_contact_resolution_rate": 0.666667,
    }]


def test_pareto_of_categories_and_root_causes(http: TestClient) -> None:
    assert rows(http, "pareto", of="category") == [
        {"category": "billing", "complaints": 4, "share": 0.666667, "cumulative_share": 0.666667},
        {"category": "delivery", "complaints": 2, "share": 0.333333, "cumulative_share": 1.0},
    ]
    assert rows(http, "pareto", of="root_cause") == [
        {"root_cause": "fee_error", "complaints": 3, "share": 0.75, "cumulative_share": 0.75},
        {"root_cause": "carrier_delay", "complaints": 1, "share": 0.25, "cumulative_share": 1.0},
    ]


def test_department_and_agent_performance(http: TestClient) -> None:
    assert rows(http, "performance", of="department") == [
        {"department": "logistics", "complaints": 1, "open": 1, "closed": 0,
         "median_resolution_hours": None, "p90_resolution_hours": None, "sla_breached": 0,
         "sla_breach_rate": 0, "csat_mean": None, "reopen_rate": None},
        {"department": "payments", "complaints": 5, "open": 2, "closed": 3,
         "median_resolution_hours": 15.0, "p90_resolution_hours": 27.0, "sla_breached": 2,
         "sla_breach_rate": 0.4, "csat_mean": 3.5, "reopen_rate": 0.25},
    ]
    assert [(r["agent"], r["complaints"], r["closed"]) for r in
            rows(http, "performance", of="agent")] == [("a1", 3, 2), ("a2", 2, 1), ("a3", 1, 0)]


def test_weekday_versus_weekend(http: TestClient) -> None:
    assert rows(http, "weekday-weekend") == [
        {"day_type": "weekday", "complaints": 4, "days": 3, "median_first_response_hours": 2.0,
         "p90_first_response_hours": 3.6, "median_resolution_hours": 10.0,
         "p90_resolution_hours": 26.0, "per_day": 1.3333},
        {"day_type": "weekend", "complaints": 2, "days": 2, "median_first_response_hours": 8.0,
         "p90_first_response_hours": 8.0, "median_resolution_hours": 20.0,
         "p90_resolution_hours": 20.0, "per_day": 1.0},
    ]


def test_the_current_state_row_of_each_complaint(world: AnalyticsApplication) -> None:
    columns = ("status", "department", "agent", "reopen_count", "transfer_count",
               "breached_targets", "first_response_breached", "resolution_breached", "csat",
               "nps", "root_cause", "toString(first_response_at)")
    states = world.store.select(
        f"SELECT {', '.join(columns)} FROM complaints ORDER BY received_at"
    )

    assert states == [  # C5, C1, C2, C3, C4, C6
        ("closed", "payments", "a1", 0, 0, [], 0, 0, 3, None, "fee_error",
         "2024-02-20 09:00:00.000"),
        ("closed", "payments", "a1", 0, 0, [], 0, 0, 5, 10, "fee_error",
         "2024-03-04 11:00:00.000"),
        ("reopened", "payments", "a1", 1, 0, ["resolution"], 0, 1, 2, 3, "fee_error",
         "2024-03-04 16:00:00.000"),
        ("closed", "payments", "a2", 0, 1, ["first_response"], 1, 0, 4, 9, "carrier_delay",
         "2024-03-09 18:00:00.000"),
        ("assigned", "logistics", "a3", 0, 0, [], 0, 0, None, None, None, None),
        ("assigned", "payments", "a2", 0, 0, [], 0, 0, None, None, None, None),
    ]
