"""The projection on a real ClickHouse engine in this process, through both store kinds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.analytics import api
from services.analytics.actions import CorrectiveActions
from services.analytics.application import AnalyticsApplication
from services.analytics.reports import Reports
from services.analytics.store import ChdbStore, ClickHouseStore, ServerStore
from tests.auth_tokens import Tokens, bearer
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
    app.snapshot.refresh()
    yield app
    store.close()


def analyst_client(
    app: AnalyticsApplication, tokens: Tokens, tenant: str = "acme", *roles: str
) -> TestClient:
    """The analytics API behind access control, called by an analyst of the tenant."""
    service = tokens.app(
        api.build_router(app, Reports(app.store)),
        api.build_actions_router(CorrectiveActions(app.store)),
    )
    return TestClient(service, headers=bearer(tokens.token(*(roles or ("analyst",)),
                                                           tenant=tenant)))


@pytest.fixture(scope="module")
def module_tokens(tmp_path_factory: pytest.TempPathFactory) -> Tokens:
    return Tokens(tmp_path_factory.mktemp("auth"))


@pytest.fixture(scope="module")
def http(world: AnalyticsApplication, module_tokens: Tokens) -> TestClient:
    """The report API over the world, for an analyst of acme."""
    return analyst_client(world, module_tokens)
