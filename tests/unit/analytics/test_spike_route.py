"""GET /v1/analytics/spikes: the spike alerts the watcher recorded, for the caller's tenant."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from services.analytics import api
from services.analytics.alerts import SpikeWatcher
from tests.auth_tokens import Tokens, bearer
from tests.unit.analytics.test_alerts import NOW, watcher  # noqa: F401  (fixture)

WINDOW = {"window_start": "2024-05-02T12:00:00Z", "window_end": "2024-05-02T13:00:00Z",
          "count": 15, "baseline": 3.0, "margin": 5.0, "detected_at": "2024-05-02T12:30:00Z"}


def client(watcher: SpikeWatcher, tokens: Tokens, tenant: str, *roles: str) -> TestClient:  # noqa: F811
    service = tokens.app(api.build_spikes_router(watcher.store))
    return TestClient(service, headers=bearer(tokens.token(*(roles or ("analyst",)),
                                                           tenant=tenant)))


@pytest.fixture
async def spiked(watcher: SpikeWatcher) -> SpikeWatcher:  # noqa: F811
    async def send(key: bytes, value: bytes) -> None:
        pass

    await watcher.check(send, now=NOW)
    return watcher


def test_the_tenants_spikes_are_listed_newest_window_first(spiked, tokens):
    answer = client(spiked, tokens, "acme").get("/v1/analytics/spikes")
    assert answer.status_code == 200
    assert answer.json() == [
        {"dimension": "category", "value": "billing", **WINDOW},
        {"dimension": "product", "value": "Card", **WINDOW},
        {"dimension": "region", "value": "CA", **WINDOW},
    ]
    assert [a["value"] for a in client(spiked, tokens, "acme").get(
        "/v1/analytics/spikes", params={"limit": 1}).json()] == ["billing"]


def test_no_spike_recorded_is_an_empty_list(watcher, tokens):  # noqa: F811
    assert client(watcher, tokens, "acme").get("/v1/analytics/spikes").json() == []


def test_another_tenant_sees_none_of_them_and_cannot_ask_for_them(spiked, tokens):
    assert client(spiked, tokens, "other").get("/v1/analytics/spikes").json() == []
    assert client(spiked, tokens, "other").get(
        "/v1/analytics/spikes", params={"tenant": "acme"}).status_code == 403


def test_the_spikes_need_analytics_read(spiked, tokens):
    agent = client(spiked, tokens, "acme", "agent")
    assert agent.get("/v1/analytics/spikes").status_code == 403
