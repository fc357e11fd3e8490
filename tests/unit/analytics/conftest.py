"""The projection on a real ClickHouse engine in this process, through both store kinds."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import contracts
from contracts.registry import parse, topic_for
from contracts.topics import DOMAIN_TOPICS
from services.analytics.application import AnalyticsApplication
from services.analytics.domain import Consumed
from services.analytics.store import ChdbStore, ClickHouseStore, ServerStore

SAMPLES = Path(contracts.__file__).parent / "samples"


def raw_sample(event_type: str) -> dict:
    return json.loads((SAMPLES / f"{event_type}.json").read_text(encoding="utf-8"))


def domain_samples() -> list[Consumed]:
    """Every golden sample that travels on a domain topic, i.e. everything analytics reads."""
    paths = sorted(SAMPLES.glob("*.json"))
    return [
        Consumed(*parse(path.read_bytes()))
        for path in paths
        if topic_for(path.stem) in DOMAIN_TOPICS
    ]


# chDB allows one engine directory per process at a time: each store is closed after its test.
@pytest.fixture(params=["chdb", "clickhouse-connect"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ClickHouseStore]:
    if request.param == "chdb":
        store: ClickHouseStore = ChdbStore(tmp_path / "chdb")
    else:
        # clickhouse-connect's in-process chDB backend runs the server store's code for real.
        store = ServerStore(f"chdb://{tmp_path}/clickhouse-connect")
    store.open()
    yield store
    store.close()


@pytest.fixture
def app(store: ClickHouseStore) -> AnalyticsApplication:
    return AnalyticsApplication(store)
