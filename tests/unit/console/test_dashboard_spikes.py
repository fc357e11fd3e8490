"""The manager's dashboard lists analytics' spike alerts (GET /v1/analytics/spikes) in the
viewer's language, and says so when analytics does not answer them."""

from __future__ import annotations

import pytest

from tests.unit.console.test_pages import sign_in, stand_in  # noqa: F401  (fixture)

SPIKES = [{"dimension": "region", "value": "CA", "window_start": "2026-12-04T10:00:00Z",
           "window_end": "2026-12-04T11:00:00Z", "count": 15, "baseline": 3.0, "margin": 5.0,
           "detected_at": "2026-12-04T10:30:00Z"}]


@pytest.fixture
def dashboard(stand_in):  # noqa: F811
    client, services = stand_in
    client.cookies.set("tz", "UTC")
    sign_in(client, "mgr-zhou")
    return client, services


def spike_rows(html: str) -> list[str]:
    return [line.strip() for line in html.splitlines() if 'data-testid="spike"' in line]


def test_the_dashboard_lists_the_spike_alerts_in_english(dashboard):
    client, services = dashboard
    services.answers[("GET", "/v1/analytics/spikes")] = (200, SPIKES)
    page = client.get("/dashboard", headers={"accept-language": "en"})
    assert spike_rows(page.text) == [
        '<tr data-testid="spike"><td>2026-12-04 10:00 UTC – 2026-12-04 11:00 UTC</td>'
        '<td>Region</td><td>CA</td><td>15</td><td>3.0 + 5.0</td></tr>']
    assert '<h2 id="spikes-h">Spike alerts</h2>' in page.text
    assert [c.url.params.get("limit") for c in services.calls
            if c.url.path == "/v1/analytics/spikes"] == ["20"]


def test_the_dashboard_lists_the_spike_alerts_in_chinese(dashboard):
    client, services = dashboard
    services.answers[("GET", "/v1/analytics/spikes")] = (200, SPIKES)
    page = client.get("/dashboard", headers={"accept-language": "zh-CN"})
    assert '<h2 id="spikes-h">突增预警</h2>' in page.text
    assert [row.split("</td>")[1] for row in spike_rows(page.text)] == ["<td>地区"]


def test_no_spike_and_no_answer_are_told_apart(dashboard):
    client, services = dashboard
    services.answers[("GET", "/v1/analytics/spikes")] = (200, [])
    none = client.get("/dashboard", headers={"accept-language": "en"})
    assert 'data-testid="spikes" data-state="none">No spike detected.<' in none.text
    del services.answers[("GET", "/v1/analytics/spikes")]
    unknown = client.get("/dashboard", headers={"accept-language": "en"})
    assert 'data-testid="spikes" data-state="unknown">Spike alerts could not be read.<' in (
        unknown.text)


def test_a_category_spike_is_named_by_the_taxonomy(dashboard):
    client, services = dashboard
    services.answers[("GET", "/v1/analytics/spikes")] = (200, [
        SPIKES[0] | {"dimension": "category", "value": "billing_charges"}])
    zh = client.get("/dashboard", headers={"accept-language": "zh-CN"})
    assert [row.split("</td>")[1:3] for row in spike_rows(zh.text)] == [
        ["<td>类别", "<td>账单与收费"]]
