"""A consumed batch projects into the read model inside the batch's own transaction: the read
model shares the SQLite file with the event store, whose write lock the batch holds."""

from __future__ import annotations

import sqlite3

import pytest

from contracts.topics import INTAKE_EVENTS
from runtime.eventstore import persistence_env
from runtime.inbox import Inbox, Outcome
from services.work.application import WorkApplication
from services.work.handlers import SUBSCRIPTIONS
from services.work.projection import Projection
from services.work.store import SqliteStore
from tests.unit.work.conftest import KEY
from tests.unit.work.script import Script


@pytest.fixture
def work(tmp_path):
    path = tmp_path / "work.sqlite"
    store = SqliteStore(str(path))
    store.open()
    # A projection that waited for the batch's lock would fail at once, not after 30 s.
    store._db.execute("PRAGMA busy_timeout = 200")
    app = WorkApplication(env=persistence_env(f"sqlite:///{path}")).wire(
        projection=Projection(store, search_key=KEY, opener=None),
        translate=lambda stored, tenant=None: None)
    yield app, store
    store.close()


def received(count: int) -> list:
    script = Script("acme")
    for n in range(count):
        script.received(f"c-{n}", customer=f"cust-{n}", minute=n)
    return [(envelope, event) for _, envelope, event in script.sent]


def rows(store: SqliteStore) -> list[str]:
    return [row["complaint_id"] for row in
            store.select("SELECT complaint_id FROM work_complaints ORDER BY complaint_id")]


def test_a_batch_projects_every_event_in_its_one_transaction(work):
    app, store = work
    inbox = Inbox(app=app, consumer="work", handlers=SUBSCRIPTIONS[INTAKE_EVENTS])
    batch = received(3)
    assert inbox.process_batch(batch) == [Outcome.HANDLED] * 3
    assert rows(store) == ["c-0", "c-1", "c-2"]
    # A repeat of the batch is recognised event by event and projects nothing twice.
    assert inbox.process_batch(batch) == [Outcome.DUPLICATE] * 3
    assert rows(store) == ["c-0", "c-1", "c-2"]


def test_a_batch_undone_takes_its_projection_with_it(work):
    app, store = work
    with pytest.raises(RuntimeError), app.batch():
        for envelope, event in received(2):
            app.project(envelope, event)
        raise RuntimeError("the batch's commit never comes")
    assert rows(store) == []
    # Outside a batch the read model writes on its own connection as before.
    app.project(*received(1)[0])
    assert rows(store) == ["c-0"]
    assert isinstance(store._db, sqlite3.Connection)
