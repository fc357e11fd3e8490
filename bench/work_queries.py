"""Time the work service's lists and searches over a read model of many complaints.

    .venv/bin/python -m bench.work_queries --complaints 1000000 [--runs 200] [--dir PATH]

Rows are generated straight into the read model's SQLite tables (not through the topics):
3 tenants, 8 departments of 4 queues, 400 agents, 40 categories, 9 statuses, received over
one year; a tenth carry a tag, every one an SLA state, a next deadline and five search digests
(four words of a 5,000-word vocabulary and a phone number). Each query is a page of 50 through
WorkQueries, as the API asks it, with random parameters per run. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from runtime.auth.principal import Principal
from runtime.auth.roles import Role, scopes_for
from services.work import terms
from services.work.queries import SearchTerms, WorkQueries
from services.work.query import Direction, Filters, SortKey, View, stamp
from services.work.store import COMPLAINT_COLUMNS, SqliteStore

KEY = b"bench-search-key"
TENANTS = ("acme", "globex", "initech")
DEPARTMENTS = [f"dept-{n}" for n in range(8)]
STATUSES = ("received", "queued", "assigned", "investigating", "waiting_on_customer",
            "resolved", "closed", "closed", "closed", "reopened")
STAGE = {"received": "intake", "queued": "dispatch", "assigned": "dispatch"}
START = datetime(2026, 1, 1, tzinfo=UTC)
NOW = START + timedelta(days=300)


def rows(n: int, rng: random.Random) -> Iterator[tuple[tuple, list[tuple], tuple | None]]:
    """(complaint row, its search-key rows, its tag row or None) for n complaints."""
    for i in range(n):
        cid = f"{i:08d}-{rng.getrandbits(64):016x}"
        tenant, department = TENANTS[i % 3], rng.choice(DEPARTMENTS)
        status = rng.choice(STATUSES)
        received = START + timedelta(seconds=i * 365 * 86400 // n)
        due = received + timedelta(hours=rng.choice((4, 24, 72, 240)))
        customer = f"cust-{rng.randrange(n // 3 + 1)}"
        sla = rng.choices(("on_time", "warning", "breached"), (80, 12, 8))[0]
        values = {
            "complaint_id": cid, "tenant": tenant, "channel": rng.choice(("web", "phone",
                                                                         "email", "app")),
            "customer_id": customer, "customer_tier": "vip" if i % 50 == 0 else "standard",
            "region": None, "product": None, "category": f"cat-{rng.randrange(40)}",
            "severity": rng.choice(("P1", "P2", "P2", "P3", "P3", "P3")),
            "department": department, "queue": f"{department}-q{rng.randrange(4)}",
            "agent_id": None if status in ("received", "queued") else f"agent-{rng.randrange(400)}",
            "intake_status": "received", "dispatch_status": None, "resolution_status": None,
            "status": status, "stage": STAGE.get(status, "resolution"), "sla_state": sla,
            "warn_at": stamp(due - timedelta(hours=1)) if status not in ("resolved", "closed")
            else None,
            "due_at": stamp(due) if status not in ("resolved", "closed") else None,
            "received_at": stamp(received), "updated_at": stamp(received),
            "external_reference": f"ORD-{i}", "duplicate_of": None, "csat": None, "nps": None,
            "outcome": None, "reopen_count": 0, "historical": 0,
        }
        words = {f"w{rng.randrange(5000)}" for _ in range(4)}
        keys = [(terms.digest(KEY, tenant, "word", w), cid, tenant, customer) for w in words]
        keys.append((terms.digest(KEY, tenant, "phone", f"138{i:08d}"), cid, tenant, customer))
        tag = (cid, rng.choice(("press", "vip-followup", "legal"))) if i % 10 == 0 else None
        yield tuple(values[c] for c in COMPLAINT_COLUMNS), keys, tag


def fill(store: SqliteStore, n: int, rng: random.Random, batch: int = 50_000) -> None:
    """Insert n generated complaints in batches."""
    insert = (f"INSERT INTO work_complaints ({', '.join(COMPLAINT_COLUMNS)}) VALUES "
              f"({', '.join('?' * len(COMPLAINT_COLUMNS))})")
    complaints: list[tuple] = []
    keys: list[tuple] = []
    tags: list[tuple] = []
    for row, row_keys, tag in rows(n, rng):
        complaints.append(row)
        keys += row_keys
        tags += [tag] if tag else []
        if len(complaints) == batch:
            _flush(store, insert, complaints, keys, tags)
    _flush(store, insert, complaints, keys, tags)


def _flush(store, insert, complaints, keys, tags) -> None:
    store.insert_many(insert, complaints)
    store.insert_many("INSERT INTO work_search_keys VALUES (?, ?, ?, ?)", keys)
    store.insert_many("INSERT INTO work_tags VALUES (?, ?)", tags)
    complaints.clear(), keys.clear(), tags.clear()


def person(role: Role, sub: str, tenant: str, departments=()) -> Principal:
    return Principal(sub=sub, tenant=tenant, roles=frozenset({role}), scopes=scopes_for({role}),
                     departments=frozenset(departments))


def cases(queries: WorkQueries, n: int, rng: random.Random) -> dict[str, Callable[[], object]]:
    """What is timed: each a function asking one random page of 50."""
    tenant = lambda: rng.choice(TENANTS)  # noqa: E731
    agent = lambda: person(Role.AGENT, f"agent-{rng.randrange(400)}", tenant(),  # noqa: E731
                           [rng.choice(DEPARTMENTS)])
    manager = lambda: person(Role.AUDITOR, "boss", tenant())  # noqa: E731

    def second_page() -> object:
        caller, filters = agent(), Filters(status=("investigating", "assigned"))
        first = queries.complaints(caller, view=View.DEPARTMENT, filters=filters)
        return queries.complaints(caller, view=View.DEPARTMENT, filters=filters,
                                  cursor=first.next_cursor)

    return {
        "my complaints (agent), newest first": lambda: queries.complaints(
            agent(), view=View.MINE, filters=Filters()),
        "my queue": lambda: queries.complaints(agent(), view=View.QUEUE, filters=Filters()),
        "department, status + severity, due first": lambda: queries.complaints(
            agent(), view=View.DEPARTMENT, filters=Filters(
                status=("assigned", "investigating"), severity=("P1", "P2")),
            sort=SortKey.DUE_AT, direction=Direction.ASC),
        "department, second page by cursor": second_page,
        "all (manager), category + SLA breached": lambda: queries.complaints(
            manager(), view=View.ALL, filters=Filters(category=(f"cat-{rng.randrange(40)}",),
                                                      sla_state=("breached",))),
        "all (manager), tag + received in a month": lambda: queries.complaints(
            manager(), view=View.ALL, filters=Filters(
                tags=("press",), received_from=START + timedelta(days=60),
                received_to=START + timedelta(days=90))),
        "about to breach, 60 minutes": lambda: queries.about_to_breach(
            manager(), now=START + timedelta(days=rng.randrange(365)), minutes=60),
        "search: reference": lambda: queries.search(manager(), SearchTerms(
            reference=f"ORD-{rng.randrange(n)}")),
        "search: customer id": lambda: queries.search(manager(), SearchTerms(
            customer_id=f"cust-{rng.randrange(n // 3)}")),
        "search: phone": lambda: queries.search(manager(), SearchTerms(
            phone=f"138{rng.randrange(n):08d}")),
        "search: one word": lambda: queries.search(manager(), SearchTerms(
            text=f"w{rng.randrange(5000)}")),
        "search: two words": lambda: queries.search(manager(), SearchTerms(
            text=f"w{rng.randrange(5000)} w{rng.randrange(5000)}")),
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--reuse", action="store_true",
                        help="time the read model already in --dir, generate nothing")
    args = parser.parse_args()
    directory = args.dir or Path(tempfile.mkdtemp(prefix="work-bench-"))
    rng = random.Random(14)
    store = SqliteStore(str(directory / "work.sqlite"))
    store.open()
    if not args.reuse:
        began = time.perf_counter()
        fill(store, args.complaints, rng)
        print(f"generated {args.complaints:,} complaints in {time.perf_counter() - began:.0f} s")
    store.select("ANALYZE")
    queries = WorkQueries(store, search_key=KEY)
    print("\n| query (page of 50) | p50 ms | p99 ms |\n|---|---|---|")
    for name, ask in cases(queries, args.complaints, rng).items():
        for _ in range(5):  # warm the page cache
            ask()
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            ask()
            times.append((time.perf_counter() - start) * 1000)
        print(f"| {name} | {statistics.median(times):.1f} | {percentile(times, 0.99):.1f} |")
    store.close()


if __name__ == "__main__":
    main()
