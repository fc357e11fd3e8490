"""Spike alerts from the projection: detected once per window and value, published once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from prometheus_client import REGISTRY

from contracts.registry import parse
from services.analytics.alerts import SpikeWatcher
from services.analytics.application import AnalyticsApplication
from services.analytics.spikes import SpikeRule
from tests.unit.analytics.stories import Story, at

NOW = at("2024-05-02 12:30")
SOURCE = "/services/analytics"


def hourly(app: AnalyticsApplication, *, category: str, product: str, region: str,
           per_hour: list[int], first_hour: str, historical: bool = False) -> None:
    events, start = [], at(first_hour)
    for hour, count in enumerate(per_hour):
        for n in range(count):
            when = start + timedelta(hours=hour, minutes=n)
            story = Story(f"{category}-{historical}-{hour}-{n}").received(
                f"{when:%Y-%m-%d %H:%M}", customer=f"c{n}", region=region, product=product,
                historical=historical,
            ).classified(category, "P2")
            events += story.events
    app.project(events)
    app.snapshot.refresh()


@pytest.fixture
def watcher(app: AnalyticsApplication) -> SpikeWatcher:
    # 26 hours from 2024-05-01 10:00: billing/Card/CA 3 an hour then 15 in the current hour;
    # delivery/Loan/NY a steady 3 an hour, the current hour included.
    hourly(app, category="billing", product="Card", region="CA", per_hour=[3] * 26 + [15],
           first_hour="2024-05-01 10:00")
    hourly(app, category="delivery", product="Loan", region="NY", per_hour=[3] * 27,
           first_hour="2024-05-01 10:00")
    # Imported history never alerts, however much of it arrives at once.
    hourly(app, category="delivery", product="Loan", region="NY", per_hour=[40],
           first_hour="2024-05-02 12:00", historical=True)
    rule = SpikeRule(baseline_windows=24, margin_ratio=0.5, margin_sigma=3.0, min_margin=5.0)
    return SpikeWatcher(app.store, rule=rule, window_s=3600, source=SOURCE)


def detected(dimension: str) -> float:
    labels = {"dimension": dimension}
    return REGISTRY.get_sample_value("analytics_spikes_detected_total", labels) or 0.0


async def test_a_spike_is_published_once_per_window_and_value(watcher: SpikeWatcher) -> None:
    sent: list[tuple[bytes, dict]] = []

    async def send(key: bytes, value: bytes) -> None:
        sent.append((key, json.loads(value)))

    before = detected("category")
    new = await watcher.check(send, now=NOW)
    again = await watcher.check(send, now=NOW + timedelta(minutes=20))

    assert sorted((a.dimension, a.value, a.count, a.baseline, a.margin) for a in new) == [
        ("category", "billing", 15, 3.0, 5.0),
        ("product", "Card", 15, 3.0, 5.0),
        ("region", "CA", 15, 3.0, 5.0),
    ]
    assert again == []
    assert detected("category") == before + 1
    assert [key for key, _ in sent] == [b"category", b"product", b"region"]
    envelope, event = parse(sent[0][1])
    assert (event.dimension, event.value, event.count, event.baseline, event.margin) == (
        "category", "billing", 15, 3.0, 5.0)
    assert (event.window_start, event.window_end) == (at("2024-05-02 12:00"),
                                                      at("2024-05-02 13:00"))
    assert (envelope.tenant, envelope.subject, envelope.source) == ("acme", "category", SOURCE)
    assert envelope.id == new[0].envelope(SOURCE).id


async def test_an_alert_the_broker_did_not_take_is_published_at_the_next_check(
    watcher: SpikeWatcher,
) -> None:
    async def broker_down(key: bytes, value: bytes) -> None:
        raise ConnectionError("broker down")

    with pytest.raises(ConnectionError):
        await watcher.check(broker_down, now=NOW)
    assert len(watcher.pending()) == 3

    ids: list[str] = []

    async def send(key: bytes, value: bytes) -> None:
        ids.append(json.loads(value)["id"])

    assert await watcher.check(send, now=NOW) == []
    assert len(ids) == 3
    assert watcher.pending() == []


async def test_no_alert_without_a_full_baseline_of_history(app: AnalyticsApplication) -> None:
    hourly(app, category="billing", product="Card", region="CA", per_hour=[3, 3, 30],
           first_hour="2024-05-02 10:00")
    rule = SpikeRule(baseline_windows=24)
    watcher = SpikeWatcher(app.store, rule=rule, window_s=3600, source=SOURCE)

    assert watcher.detect(NOW) == []
