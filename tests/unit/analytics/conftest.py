"""The projection on a real ClickHouse engine in this process, through both store kinds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.analytics.application import AnalyticsApplication
from services.analytics.store import ChdbStore, ClickHouseStore, ServerStore


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
