"""Filters, scope and pages turned into SQL; the opaque cursor."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from runtime.auth.principal import Principal
from runtime.auth.roles import Role, scopes_for
from services.work.query import (
    BadCursor,
    Direction,
    Filters,
    Page,
    SortKey,
    View,
    about_to_breach,
    decode_cursor,
    encode_cursor,
    filters_sql,
    fingerprint,
    page_sql,
    scope_of,
    stamp,
    view_of,
)


def person(role: Role, *, tenant: str = "acme", departments=(), queues=(), sub="alice"):
    return Principal(sub=sub, tenant=tenant, roles=frozenset({role}),
                     scopes=scopes_for({role}), departments=frozenset(departments),
                     queues=frozenset(queues))


def test_an_agent_sees_their_tenant_and_departments_only():
    sql = scope_of(person(Role.AGENT, departments=["billing", "claims"]))
    assert sql.where == "(c.tenant = ?) AND (c.department IN (?, ?))"
    assert sql.params == ("acme", "billing", "claims")


def test_queues_in_the_token_narrow_to_those_queues():
    sql = scope_of(person(Role.AGENT, departments=["billing"], queues=["q-2", "q-1"]))
    assert sql.where.endswith("AND ((c.queue IS NULL OR c.queue IN (?, ?)))")
    assert sql.params == ("acme", "billing", "q-1", "q-2")


def test_departments_all_sees_the_whole_tenant_and_nothing_else():
    sql = scope_of(person(Role.AUDITOR))
    assert (sql.where, sql.params) == ("c.tenant = ?", ("acme",))


def test_a_person_of_no_department_sees_nothing():
    sql = scope_of(person(Role.AGENT))
    assert sql.where == "(c.tenant = ?) AND (1 = 0)"


def test_my_complaints_are_those_i_own():
    sql = view_of(View.MINE, person(Role.AGENT, departments=["billing"], sub="bob"))
    assert (sql.where, sql.params) == ("c.agent_id = ?", ("bob",))


def test_my_queue_is_what_waits_unassigned_in_my_queues():
    sql = view_of(View.QUEUE, person(Role.AGENT, departments=["billing"], queues=["q-1"]))
    assert "c.agent_id IS NULL" in sql.where
    assert sql.params[-1] == "q-1"
    assert "reopened" in sql.params and "closed" not in sql.params


def test_filters_become_one_clause_with_every_value():
    sql = filters_sql(Filters(status=("assigned", "reopened"), severity=("P1",),
                              sla_state=("breached",), tags=("vip", "press"),
                              due_before=datetime(2026, 3, 2, 17, tzinfo=UTC),
                              received_from=datetime(2026, 3, 1, tzinfo=UTC)))
    assert sql.params == ("assigned", "reopened", "P1", "breached", "vip", "press",
                          "2026-03-02T17:00:00.000000Z", "2026-03-01T00:00:00.000000Z")
    assert sql.where.count("EXISTS (SELECT 1 FROM work_tags") == 2
    assert "c.due_at < ?" in sql.where and "c.received_at >= ?" in sql.where


def test_no_filter_narrows_nothing():
    assert filters_sql(Filters()).where == "1 = 1"


def test_times_are_stored_fixed_width_in_utc():
    from datetime import timedelta, timezone
    shanghai = timezone(timedelta(hours=8))
    assert stamp(datetime(2026, 3, 2, 17, 0, tzinfo=shanghai)) == "2026-03-02T09:00:00.000000Z"
    assert stamp(datetime(2026, 3, 2, 9, 0)) == "2026-03-02T09:00:00.000000Z"


def test_about_to_breach_looks_at_warnings_and_deadlines_in_the_window():
    sql = about_to_breach(datetime(2026, 3, 2, 9, tzinfo=UTC), 30)
    assert sql.params[-4:] == ("2026-03-02T09:00:00.000000Z", "2026-03-02T09:30:00.000000Z",
                               "2026-03-02T09:00:00.000000Z", "2026-03-02T09:30:00.000000Z")


def test_a_page_after_a_cursor_continues_past_its_row_in_sort_order():
    after, order = page_sql(Page(SortKey.DUE_AT, Direction.ASC, 50, ("2026-03-02", "c-9")))
    assert order == "COALESCE(c.due_at, '~') ASC, c.complaint_id ASC"
    assert after.where == ("(COALESCE(c.due_at, '~') > ? OR (COALESCE(c.due_at, '~') = ? "
                           "AND c.complaint_id > ?))")
    assert after.params == ("2026-03-02", "2026-03-02", "c-9")
    descending, order = page_sql(Page(SortKey.RECEIVED_AT, Direction.DESC, 50, ("x", "y")))
    assert order == "c.received_at DESC, c.complaint_id DESC" and "<" in descending.where


def test_a_cursor_round_trips_for_its_own_query_only():
    query = fingerprint("list", View.MINE, Filters(status=("assigned",)))
    cursor = encode_cursor("2026-03-02T09:00:00.000000Z", "c-1", query)
    assert "c-1" not in cursor  # opaque to the eye, not a secret
    assert decode_cursor(cursor, query) == ("2026-03-02T09:00:00.000000Z", "c-1")
    other = fingerprint("list", View.MINE, Filters(status=("closed",)))
    with pytest.raises(BadCursor):
        decode_cursor(cursor, other)


@pytest.mark.parametrize("cursor", ["", "!!!", "e30", "bm90IGpzb24", "eyJ2IjoxLCJpZCI6MiwicSI6MX0"])
def test_a_cursor_that_is_not_ours_is_refused(cursor):
    with pytest.raises(BadCursor):
        decode_cursor(cursor, "q")
