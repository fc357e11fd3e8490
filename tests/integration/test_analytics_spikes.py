"""On the real broker: a spike is published on analytics.events.v1 once, however often checked."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from contracts.topics import ANALYTICS_EVENTS
from runtime.bus import build_producer
from services.analytics.alerts import SpikeWatcher
from services.analytics.application import AnalyticsApplication
from services.analytics.bootstrap import alert_sender, spike_rule
from services.analytics.config import AnalyticsSettings
from services.analytics.store import ChdbStore
from tests.topic_reader import read_until
from tests.unit.analytics.stories import at
from tests.unit.analytics.test_alerts import hourly

pytestmark = pytest.mark.integration


def test_a_spike_reaches_the_topic_once(kafka_bootstrap: str, tmp_path: Path) -> None:
    run = uuid.uuid4().hex[:8]
    settings = AnalyticsSettings(kafka_bootstrap=kafka_bootstrap, data_dir=tmp_path,
                                 spike_window_s=3600, spike_baseline_windows=24)
    store = ChdbStore(tmp_path / "chdb")
    store.open()
    app = AnalyticsApplication(store)
    category = f"billing-{run}"
    hourly(app, category=category, product=f"card-{run}", region=f"r-{run}",
           per_hour=[2] * 24 + [20], first_hour="2024-05-01 12:00")
    watcher = SpikeWatcher(store, rule=spike_rule(settings), window_s=3600,
                           source=settings.source, dimensions=("category",))

    async def check_three_times() -> list:
        producer = build_producer(settings)
        await producer.start()
        try:
            found = []
            for minutes in (0, 10, 20):
                now = at("2024-05-02 12:30") + timedelta(minutes=minutes)
                found += await watcher.check(alert_sender(producer), now=now)
            return found
        finally:
            await producer.stop()

    new = asyncio.run(check_three_times())
    store.close()

    assert [(a.value, a.count) for a in new] == [(category, 20)]
    ours = lambda seen: [p for p in seen if p.value["data"]["value"] == category]  # noqa: E731
    published = ours(read_until(kafka_bootstrap, [ANALYTICS_EVENTS],
                                lambda seen: len(ours(seen)) >= 1, timeout_s=30))
    assert len(published) == 1
    assert published[0].key == b"category"
    assert published[0].value["id"] == str(new[0].envelope(settings.source).id)
    assert published[0].value["data"]["count"] == 20
