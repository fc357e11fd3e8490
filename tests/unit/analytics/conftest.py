"""The projection on a real ClickHouse engine in this process, through both store kinds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.analytics import api
from services.analytics.application import AnalyticsApplication
from services.analytics.reports import Reports
from services.analytics.store import ChdbStore, ClickHouseStore, ServerStore
from tests.unit.analytics.world import world_events


def make_store(kind: str, path: Path) -> ClickHouseStore:
    if kind == "chdb":
        return ChdbStore(path / "chdb")
    # clickhouse-connect's in-process chDB backend runs the server store's code for real.
    return ServerStore(f"chdb://{path}/clickhouse-connect")


# chDB allows one engine directory per process at a time: each store is closed after its test
# (or module), and a module uses either `store` or `world`, never both.
@pytest.fixture(params=["chdb", "clickhouse-connect"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ClickHouseStore]:
    store = make_store(request.param, tmp_path)
    store.open()
    yield store
    store.close()


@pytest.fixture
def app(store: ClickHouseStore) -> AnalyticsApplication:
    return AnalyticsApplication(store)


@pytest.fixture(scope="module", params=["chdb", "clickhouse-connect"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AnalyticsApplication]:
    """The six complaints of world.py, projected once per module and store kind (read only)."""
    store = make_store(request.param, tmp_path_factory.mktemp("world"))
    store.open()
    app = AnalyticsApplication(store)
    app.project(world_events())
    yield app
    store.close()


@pytest.fixture(scope="module")
def http(world: AnalyticsApplication) -> TestClient:
    """The report API over the world."""
    service = FastAPI()
    service.include_router(api.build_router(world, Reports(world.store)))
    return TestClient(service)
