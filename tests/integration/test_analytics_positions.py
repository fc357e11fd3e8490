"""On the real broker: a projection whose consumer group lost its offsets resumes from the
positions it stored in ClickHouse, reading nothing twice and missing nothing."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from contracts.topics import DOMAIN_TOPICS, INTAKE_EVENTS
from services.analytics.bootstrap import bootstrap
from services.analytics.config import AnalyticsSettings
from services.analytics.store import ChdbStore
from tests.auth_tokens import Tokens
from tests.integration.test_analytics_projection import analyst, received, wait_for_count
from tests.topic_reader import produce

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def kafka_bootstrap(private_kafka_bootstrap: str) -> str:
    """A broker of this module's own: the second run must handle exactly one new event, and on
    the shared broker anything another test's processes publish in between is counted too."""
    return private_kafka_bootstrap


def consumed(service: str, outcome: str) -> float:
    return sum(
        REGISTRY.get_sample_value(
            "consumer_events_total", {"service": service, "topic": t.name, "outcome": outcome}
        ) or 0.0
        for t in DOMAIN_TOPICS
    )


def test_a_new_consumer_group_resumes_from_the_stored_positions(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    tenant = f"analytics-pos-{uuid.uuid4().hex[:8]}"
    tokens = Tokens(tmp_path / "auth")
    chdb = tmp_path / "chdb"
    first = AnalyticsSettings(service=f"{tenant}-a", kafka_bootstrap=kafka_bootstrap,
                              data_dir=tmp_path, chdb_path=chdb, **tokens.settings)
    api, _ = bootstrap(first)
    with analyst(api, tokens, tenant) as http:
        produce(kafka_bootstrap, INTAKE_EVENTS, [received(tenant, 1), received(tenant, 2)])
        wait_for_count(http, tenant, 2, timeout_s=60)
    store = ChdbStore(chdb)
    store.open()
    stored = {(t, int(p)): int(o) for t, p, o in store.select(
        "SELECT topic, partition, max(offset) FROM positions GROUP BY topic, partition")}
    store.close()
    assert stored  # every partition the first run read is recorded

    # Another group (as if its offsets were lost, or the service renamed): same ClickHouse.
    second = AnalyticsSettings(service=f"{tenant}-b", kafka_bootstrap=kafka_bootstrap,
                               data_dir=tmp_path, chdb_path=chdb, **tokens.settings)
    api, runtime = bootstrap(second)
    with analyst(api, tokens, tenant) as http:
        produce(kafka_bootstrap, INTAKE_EVENTS, [received(tenant, 3)])
        wait_for_count(http, tenant, 3, timeout_s=60)
        # The count shows as soon as ClickHouse has the rows; the metrics follow the batch.
        deadline = time.monotonic() + 10
        while consumed(second.service, "handled") < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.5)  # and anything read twice would have been by now
        positions = runtime.app.positions()

    # Only the one new message was read: nothing before the stored positions came again.
    assert consumed(second.service, "handled") == 1
    assert consumed(second.service, "duplicate") == 0
    moved = {tp for tp, offset in positions.items() if stored.get(tp) != offset}
    assert len(moved) == 1
    (topic, _), = moved
    assert topic == INTAKE_EVENTS.name
