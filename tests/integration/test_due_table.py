"""The SLA due index's table on both event store databases: a pass's complaints are written in
one transaction, and a replica holding an older state of a complaint never overwrites a newer."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from runtime.auth.db import open_database
from services.sla.due_table import DueTable
from tests.integration.event_stores import store_url_for

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FIRST, SECOND = uuid.uuid4(), uuid.uuid4()


@pytest.fixture(params=["sqlite", "postgresql"])
def table(request, tmp_path):
    for url in store_url_for(request.param, tmp_path, request):
        table = DueTable(open_database(url, name="due-table-test"))
        yield table
        table.close()


def test_a_pass_writes_its_complaints_together_and_an_older_state_loses(table):
    table.upsert([
        (FIRST, 3, T0, [("P1", "resolution", "running", T0 + timedelta(hours=4))]),
        (SECOND, 2, T0 + timedelta(days=2), [("P3", "resolution", "running", None)]),
    ])
    table.upsert([(FIRST, 2, None, [])])  # a replica's older view of FIRST: ignored

    assert table.due_by(T0 + timedelta(days=1)) == [(FIRST, T0)]
    assert sorted(table.clocks(), key=str) == sorted([
        ("P1", "resolution", "running", T0 + timedelta(hours=4)),
        ("P3", "resolution", "running", None),
    ], key=str)

    table.upsert([(FIRST, 4, None, []), (SECOND, 3, T0, [])])  # both stopped later
    assert sorted(table.due_by(T0)) == sorted([(SECOND, T0)])
    assert list(table.clocks()) == []


def test_a_failing_row_leaves_the_whole_pass_unwritten(table):
    with pytest.raises(Exception):  # noqa: B017 (the driver's own error, either database's)
        table.upsert([(FIRST, 1, T0, []), (SECOND, None, T0, [])])  # version NOT NULL
    assert table.due_by(T0) == []
