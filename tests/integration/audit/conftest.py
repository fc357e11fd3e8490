"""The audited flows (on SQLite and on PostgreSQL, once for the package), the auditors' tokens,
the trail, a bundle and the API client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from audit.bootstrap import bootstrap
from audit.bundle import export
from audit.config import AuditSettings
from audit.history import AuditTrail
from audit.stores import close_stores, open_stores
from tests.auth_tokens import Tokens
from tests.integration.audit.world import (
    TENANT,
    Flow,
    flow_one_complaint,
)
from tests.integration.event_stores import fresh_postgres_database


@pytest.fixture(scope="package", params=["sqlite", "postgresql"])
def flow(request, tmp_path_factory) -> Iterator[Flow]:
    """The same scenario on a SQLite file per service, or on one PostgreSQL database."""
    data_dir = tmp_path_factory.mktemp("stores")
    if request.param == "sqlite":
        yield flow_one_complaint(Flow(data_dir, ""))
        return
    with fresh_postgres_database(request.getfixturevalue("postgres_url")) as database_url:
        yield flow_one_complaint(Flow(data_dir, database_url))


@pytest.fixture(scope="package")
def auditor_tokens(tmp_path_factory) -> Tokens:
    return Tokens(tmp_path_factory.mktemp("auth"))


@pytest.fixture(scope="package")
def settings(flow, auditor_tokens) -> AuditSettings:
    # database_url="" so that a DATABASE_URL in the environment cannot redirect the test.
    return AuditSettings(data_dir=flow.data_dir, database_url=flow.database_url, tenant=TENANT,
                         **auditor_tokens.settings)


@pytest.fixture(scope="package")
def trail(settings):
    stores = open_stores(settings)
    yield AuditTrail(stores)
    close_stores(stores)


@pytest.fixture(scope="package")
def bundle_dir(trail, flow, tmp_path_factory) -> Path:
    return export(trail, flow.complaint_id, tmp_path_factory.mktemp("export") / "bundle")


@pytest.fixture(scope="package")
def client(settings, auditor_tokens):
    auditor = auditor_tokens.headers("auditor", tenant=TENANT, sub="ann")
    with TestClient(bootstrap(settings), headers=auditor) as client:
        yield client


@pytest.fixture(params=["sqlite", "postgresql"])
def own_flow(request, tmp_path) -> Iterator[Flow]:
    """A flow of its own, for a test that tampers with the stores."""
    if request.param == "sqlite":
        yield flow_one_complaint(Flow(tmp_path, ""))
        return
    with fresh_postgres_database(request.getfixturevalue("postgres_url")) as database_url:
        yield flow_one_complaint(Flow(tmp_path, database_url))
