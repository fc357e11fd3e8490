"""Replaying events, in any order or twice, leaves every number where it was."""

from __future__ import annotations

import random

from services.analytics.application import AnalyticsApplication
from services.analytics.store import ClickHouseStore
from tests.auth_tokens import Tokens
from tests.unit.analytics.conftest import analyst_client
from tests.unit.analytics.world import world_events

REPORTS = [
    ("volume", {"interval": "week", "by": ["category", "channel"]}),
    ("backlog", {"as_of": "2024-04-16T09:00:00Z", "by": "department"}),
    ("response-times", {"by": "severity"}),
    ("sla", {"by": ["severity", "department", "target"]}),
    ("satisfaction", {"by": "category"}),
    ("recurrence", {"by": "category"}),
    ("rates", {"by": "product"}),
    ("pareto", {"of": "root_cause"}),
    ("performance", {"of": "agent"}),
    ("weekday-weekend", {}),
    ("timely-response", {"by": "product"}),
]


def every_number(app: AnalyticsApplication, tokens: Tokens) -> dict[str, object]:
    """Every report's rows once the snapshot caught up, and the raw event counts."""
    app.snapshot.refresh()
    http = analyst_client(app, tokens)
    answers = {path: http.get(f"/v1/analytics/{path}", params=params).json()["rows"]
               for path, params in REPORTS}
    answers["received"] = app.count_received_complaints()
    answers["events"] = {t: app.count_events(event_type=t)
                         for t in {e.envelope.type for e in world_events()}}
    return answers


def test_replaying_the_same_events_twice_changes_no_number(
    app: AnalyticsApplication, store: ClickHouseStore, tokens: Tokens
) -> None:
    events = world_events()
    app.project(events)
    before = every_number(app, tokens)

    replayed = app.project(events)

    assert (len(replayed.stored), replayed.duplicates) == (0, len(events))
    assert every_number(app, tokens) == before
    assert before["received"] == 6
    assert before["volume"][0] == {
        "period": "2024-02-19", "category": "billing", "channel": "web", "complaints": 1
    }


def test_facts_stored_twice_still_give_the_same_numbers(
    app: AnalyticsApplication, store: ClickHouseStore, tokens: Tokens
) -> None:
    # A crash after the facts were written but before the events were marked seen: the
    # replay writes every fact again, and the state is built to absorb that.
    events = world_events()
    app.project(events)
    before = every_number(app, tokens)
    store.command("TRUNCATE TABLE seen_events")

    again = app.project(events)

    assert len(again.stored) == len(events)
    assert every_number(app, tokens) == before


def test_events_in_any_order_and_batching_give_the_same_numbers(
    app: AnalyticsApplication, store: ClickHouseStore, tokens: Tokens
) -> None:
    events = world_events()
    app.project(events)
    in_order = every_number(app, tokens)
    app.reset()
    shuffled = list(events)
    random.Random(8).shuffle(shuffled)

    for start in range(0, len(shuffled), 7):
        app.project(shuffled[start:start + 7])

    assert every_number(app, tokens) == in_order
