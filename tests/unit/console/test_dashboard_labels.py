"""The dashboard's tables name their columns and category codes in the viewer's language
(messages.yaml, intake's taxonomy); the CSV export keeps analytics' raw keys."""

from __future__ import annotations

import re

import pytest

from tests.unit.console.test_pages import sign_in, stand_in  # noqa: F401  (fixture)

PARETO = {"report": "pareto", "data_as_of": None, "rows": [
    {"category": "billing_charges", "complaints": 3, "share": 0.75, "cumulative_share": 0.75},
    {"category": "no_such_code", "complaints": 1, "share": 0.25, "cumulative_share": 1.0}]}
SATISFACTION = {"report": "satisfaction", "data_as_of": None,
                "rows": [{"csat_responses": 3, "csat_mean": 5.0, "nps": 100.0}]}


@pytest.fixture
def dashboard(stand_in):  # noqa: F811
    client, services = stand_in
    services.answers[("GET", "/v1/analytics/pareto")] = (200, PARETO)
    services.answers[("GET", "/v1/analytics/satisfaction")] = (200, SATISFACTION)
    sign_in(client, "mgr-zhou")
    return client, services


def panel(html: str, name: str) -> str:
    return re.search(rf'data-chart="{name}">(.*?)</section>', html, re.S).group(1)


def headers(section: str) -> list[str]:
    return re.findall(r'<th scope="col" data-key="[a-z_0-9]+">([^<]*)</th>', section)


def cells(section: str) -> list[list[str]]:
    return [re.findall(r"<td>([^<]*)</td>", row) for row in re.findall(r"<tr>(<td>.*?)</tr>",
                                                                        section)]


def test_the_english_page_names_columns_and_categories(dashboard):
    client, _ = dashboard
    html = client.get("/dashboard", headers={"accept-language": "en"}).text
    pareto = panel(html, "pareto_category")
    assert headers(pareto) == ["Category", "Complaints", "Share", "Cumulative share"]
    assert cells(pareto) == [["Billing &amp; charges", "3", "0.75", "0.75"],
                             ["no_such_code", "1", "0.25", "1.0"]]
    assert ">Billing &amp; char</text>" in pareto  # the chart's bar too (cut at 14)
    satisfaction = panel(html, "satisfaction")
    assert headers(satisfaction) == ["CSAT responses", "Mean CSAT", "NPS"]
    assert "CSAT responses: <strong" in satisfaction


def test_the_chinese_page_names_them_in_chinese(dashboard):
    client, _ = dashboard
    html = client.get("/dashboard", headers={"accept-language": "zh-CN"}).text
    pareto = panel(html, "pareto_category")
    assert headers(pareto) == ["类别", "投诉数", "占比", "累计占比"]
    assert [row[0] for row in cells(pareto)] == ["账单与收费", "no_such_code"]
    assert headers(panel(html, "satisfaction")) == ["满意度答卷数", "平均满意度", "净推荐值"]
    assert ">账单与收费</text>" in pareto
    assert "billing_charges" not in pareto and "csat_responses<" not in html


def test_the_csv_export_keeps_the_raw_keys(dashboard):
    client, services = dashboard
    answer = client.get("/dashboard/pareto_category.csv", headers={"accept-language": "zh-CN"})
    assert answer.status_code == 200
    assert b'"category":"billing_charges"' in answer.content  # analytics' answer, unchanged
    assert [c.url.params.get("format") for c in services.calls
            if c.url.path == "/v1/analytics/pareto"][-1] == "csv"
