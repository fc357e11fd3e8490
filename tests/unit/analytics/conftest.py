"""The projection on a real ClickHouse engine in this process, through both store kinds."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import clickhouse_connect
import pytest
from fastapi.testclient import TestClient

from services.analytics import api
from services.analytics.actions import CorrectiveActions
from services.analytics.application import AnalyticsApplication
from services.analytics.reports import Reports
from services.analytics.store import ChdbStore, ClickHouseStore, ServerStore
from tests.auth_tokens import Tokens, bearer
from tests.unit.analytics.world import world_events


def docker_runs() -> bool:
    """Whether a Docker engine answers here (it does not on the development machine)."""
    try:
        import docker

        return bool(docker.from_env(timeout=3).ping())
    except Exception:
        return False


# The same suite on every kind of store: chDB directly, chDB through clickhouse-connect (which
# runs the server store's code), and, where Docker runs, a real ClickHouse server container.
STORE_KINDS = [
    "chdb", "clickhouse-connect",
    pytest.param("clickhouse-server", marks=[
        pytest.mark.integration,
        pytest.mark.skipif(not docker_runs(), reason="no Docker engine for a ClickHouse container"),
    ]),
]
CLICKHOUSE_IMAGE = os.environ.get("CLICKHOUSE_TEST_IMAGE", "clickhouse/clickhouse-server:25.8")


@pytest.fixture(scope="session")
def clickhouse_server() -> Iterator[str]:
    """A ClickHouse server in a container for the session: its HTTP DSN without a database."""
    from testcontainers.clickhouse import ClickHouseContainer

    with ClickHouseContainer(CLICKHOUSE_IMAGE) as server:
        host, port = server.get_container_host_ip(), server.get_exposed_port(8123)
        yield f"clickhouse://{server.username}:{server.password}@{host}:{port}"


def make_store(kind: str, path: Path, request: pytest.FixtureRequest) -> ClickHouseStore:
    if kind == "chdb":
        return ChdbStore(path / "chdb")
    if kind == "clickhouse-server":
        # A database of its own per store, so tests on the shared server never meet.
        server = request.getfixturevalue("clickhouse_server")
        database = f"test_{uuid.uuid4().hex}"
        clickhouse_connect.get_client(dsn=server).command(f"CREATE DATABASE {database}")
        return ServerStore(f"{server}/{database}")
    # clickhouse-connect's in-process chDB backend runs the server store's code for real.
    return ServerStore(f"chdb://{path}/clickhouse-connect")


# chDB allows one engine directory per process at a time: each store is closed after its test
# (or module), and a module uses either `store` or `world`, never both.
@pytest.fixture(params=STORE_KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ClickHouseStore]:
    store = make_store(request.param, tmp_path, request)
    store.open()
    yield store
    store.close()


@pytest.fixture
def app(store: ClickHouseStore) -> AnalyticsApplication:
    return AnalyticsApplication(store)


@pytest.fixture(scope="module", params=STORE_KINDS)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AnalyticsApplication]:
    """The six complaints of world.py, projected once per module and store kind (read only)."""
    store = make_store(request.param, tmp_path_factory.mktemp("world"), request)
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
