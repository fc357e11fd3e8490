from __future__ import annotations

import pytest

from services.work.projection import Projection
from services.work.queries import WorkQueries
from services.work.store import SqliteStore

KEY = b"k" * 32


@pytest.fixture
def store(tmp_path):
    store = SqliteStore(str(tmp_path / "work.sqlite"))
    store.open()
    yield store
    store.close()


@pytest.fixture
def projection(store):
    return Projection(store, search_key=KEY, opener=None)


@pytest.fixture
def queries(store):
    return WorkQueries(store, search_key=KEY)
