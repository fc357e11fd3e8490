"""Projecting an event costs the same with a million complaints stored as with three: every
statement the projection runs finds its rows through an index, never by reading a whole table.
A statement that scans grows with the read model (a complaint's search keys were deleted by
a scan of every complaint's keys)."""

from __future__ import annotations

from tests.unit.work.test_read_model import fed, lifecycle


def plan(store, statement: str) -> list[str]:
    """SQLite's plan of a statement as run: each step's detail ('SCAN t', 'SEARCH t USING ...')."""
    return [row[3] for row in store._db.execute(f"EXPLAIN QUERY PLAN {statement}")]


def test_no_statement_of_the_projection_reads_a_whole_table(store, projection):
    statements: list[str] = []
    store._db.set_trace_callback(statements.append)
    script = lifecycle()
    script.erased("cust-2", minute=30)
    fed(projection, script)
    store._db.set_trace_callback(None)

    touching = {s for s in statements if s.lstrip().split()[0] in ("SELECT", "UPDATE", "DELETE")}
    assert any("work_search_keys" in s and s.startswith("DELETE") for s in touching)
    scans = {s: steps for s in touching
             if (steps := [p for p in plan(store, s) if p.startswith("SCAN")])}
    assert scans == {}
