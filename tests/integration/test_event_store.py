"""The event store on SQLite and PostgreSQL: the same scenarios, only the URL changes."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from eventsourcing.persistence import PersistenceError, Tracking
from psycopg import errors

from runtime.append_only import grant_service_role
from runtime.sealing import verify
from tests.integration.event_stores import (
    EVENTS_PER_FILING,
    PREFIX,
    as_user,
    file_complaints,
    fresh_postgres_database,
    intake,
    store_url_for,
    submission,
)

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    yield from store_url_for(request.param, tmp_path, request)


@pytest.fixture
def app(store_url):
    app = intake(store_url)
    yield app
    app.close()


def test_a_filed_complaint_reloads_and_its_key_files_it_only_once(app):
    first = app.file_complaint(submission(1), tenant="acme", idempotency_key="key-1")
    again = app.file_complaint(submission(1), tenant="acme", idempotency_key="key-1")

    complaint = app.get_complaint(first.complaint_id)
    assert (complaint.id, complaint.version, complaint.tenant, complaint.channel) == (
        first.complaint_id, 2, "acme", "web",  # version 2: received, then classified
    )
    assert (first.created, again.created, again.complaint_id) == (True, False, first.complaint_id)
    assert app.recorder.max_notification_id() == 5
    assert verify(app).to_json() == (
        '{"service":"IntakeApplication","result":"ok","position":null,'
        '"head":5,"entries":5,"detail":""}'
    )


def test_tracking_positions_stay_writable_single_row_upserts(app):
    app.process_recorder.insert_tracking(Tracking("relay", 5))
    app.process_recorder.insert_tracking(Tracking("relay", 9))

    assert app.process_recorder.max_tracking_id("relay") == 9


def test_every_event_is_sealed_in_order_with_its_position(app):
    file_complaints(app, range(3))

    events, seals = app.recorder.select_chain()
    expected = list(range(1, 3 * EVENTS_PER_FILING + 1))
    assert [e[0] for e in events] == [s.position for s in seals] == expected
    assert verify(app).ok


@pytest.mark.parametrize("statement", [
    "UPDATE {table} SET {column} = {column}",
    "DELETE FROM {table}",
])
@pytest.mark.parametrize("table", ["events", "chain"])
def test_the_database_refuses_to_update_or_delete_events_and_seals(app, statement, table):
    file_complaints(app, range(2))
    name = {"events": app.recorder.events_table_name, "chain": app.recorder.chain_table_name}
    column = {"events": "topic", "chain": "entry_hash"}

    with pytest.raises(PersistenceError, match="append-only"), \
            app.recorder.datastore.transaction(commit=True) as cursor:
        cursor.execute(statement.format(table=name[table], column=column[table]))

    assert verify(app).to_json().startswith('{"service":"IntakeApplication","result":"ok"')
    assert verify(app).head == 2 * EVENTS_PER_FILING


@pytest.fixture
def postgres_store(postgres_url):
    with fresh_postgres_database(postgres_url) as url:
        yield url


def test_postgres_refuses_even_the_owner_a_truncate(postgres_store):
    app = intake(postgres_store)
    file_complaints(app, range(1))
    app.close()

    with psycopg.connect(postgres_store) as owner:
        for table in (f"{PREFIX}_events", f"{PREFIX}_audit_chain"):
            with pytest.raises(errors.RaiseException, match="append-only: TRUNCATE"):
                owner.execute(f"TRUNCATE {table}")
            owner.rollback()


def test_a_service_role_may_append_and_read_but_never_change(postgres_store):
    owner_app = intake(postgres_store)  # the owner creates the tables, as a migration would
    file_complaints(owner_app, range(2))
    owner_app.close()
    role = f"intake_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_store, autocommit=True) as owner:
        grant_service_role(owner, role, "s3cret", prefix=PREFIX, writable=["customer_keys"])
    as_role = as_user(postgres_store, role, "s3cret")
    try:
        service_app = intake(as_role, CREATE_TABLE="no")
        file_complaints(service_app, range(2, 4))
        service_app.process_recorder.insert_tracking(Tracking("relay", 3))
        service_app.process_recorder.insert_tracking(Tracking("relay", 8))
        assert (service_app.process_recorder.max_tracking_id("relay"), verify(service_app).head,
                verify(service_app).ok) == (8, 4 * EVENTS_PER_FILING, True)
        service_app.close()

        with psycopg.connect(as_role, autocommit=True) as conn:
            for table, column in ((f"{PREFIX}_events", "topic"),
                                  (f"{PREFIX}_audit_chain", "entry_hash")):
                for statement in (f"UPDATE {table} SET {column} = {column}",
                                  f"DELETE FROM {table}", f"TRUNCATE {table}"):
                    with pytest.raises(errors.InsufficientPrivilege, match="permission denied"):
                        conn.execute(statement)
    finally:
        with psycopg.connect(postgres_store, autocommit=True) as owner:
            owner.execute(f"DROP OWNED BY {role}")
            owner.execute(f"DROP ROLE {role}")


def test_replicas_filing_concurrently_leave_one_unbroken_chain(store_url):
    replicas = [intake(store_url) for _ in range(2)]
    batches = [(replicas[n % 2], range(n * 5, n * 5 + 5)) for n in range(4)]
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda batch: file_complaints(*batch), batches))
        report = verify(replicas[0])
    finally:
        for replica in replicas:
            replica.close()

    assert (report.result, report.head, report.entries) == (
        "ok", 20 * EVENTS_PER_FILING, 20 * EVENTS_PER_FILING
    )
