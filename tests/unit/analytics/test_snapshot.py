"""Reports read a snapshot of the folded state; a refresh re-folds what changed since the last."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from services.analytics.application import AnalyticsApplication
from services.analytics.bootstrap import bootstrap
from services.analytics.config import AnalyticsSettings
from services.analytics.schema import CLOCKS, COMPLAINTS
from services.analytics.snapshot import Refreshed, Snapshot, keep_current
from services.analytics.state_tables import OutdatedLayout
from services.analytics.store import ClickHouseStore
from tests.auth_tokens import Tokens
from tests.unit.analytics.conftest import analyst_client
from tests.unit.analytics.stories import Story
from tests.unit.analytics.world import world_events

ORDER = " ORDER BY tenant, complaint_id"


def same_as_live_fold(store: ClickHouseStore) -> bool:
    """Whether the snapshot holds exactly what folding every complaint now gives."""
    return store.select(f"SELECT * FROM {COMPLAINTS}{ORDER}") == \
        store.select(f"SELECT * FROM complaints{ORDER}")


def exact(app: AnalyticsApplication) -> Snapshot:
    # No overlap: a refresh re-folds exactly the complaints changed since the one before.
    return Snapshot(app.store, overlap=timedelta(0))


def test_reports_hold_the_last_refresh_until_the_next(
    app: AnalyticsApplication, tokens: Tokens
) -> None:
    http = analyst_client(app, tokens)
    volume = lambda: http.get("/v1/analytics/volume", params={"by": "category"}).json()  # noqa: E731
    sla = lambda: http.get("/v1/analytics/sla", params={"by": "department"}).json()["rows"]  # noqa: E731
    s1 = (Story("S1").received("2024-03-04 09:00", customer="c1", region="CA", product="Card")
          .classified("billing", "P2").assigned("payments", "billing-desk", "a1")
          .clock("k1", "first_response", "P2"))
    app.project(s1.events)

    assert volume() == {"report": "volume", "data_as_of": None, "rows": []}

    first = app.snapshot.refresh()

    assert volume()["rows"] == [{"category": "billing", "complaints": 1}]
    assert volume()["data_as_of"] == first.up_to.isoformat().replace("+00:00", "Z")
    assert [row["department"] for row in sla()] == ["payments"]
    # S1 moves to logistics (no clock event says so) and S2 arrives: not in reports yet.
    before = len(s1.events)
    s1.transferred(2, to_department="logistics", to_queue="loan-desk", to_agent="a2")
    s2 = Story("S2").received("2024-03-05 09:00", customer="c2", region="NY", product="Loan") \
        .classified("delivery", "P3")
    app.project(s1.events[before:] + s2.events)

    assert volume()["rows"] == [{"category": "billing", "complaints": 1}]

    app.snapshot.refresh()

    assert volume()["rows"] == [
        {"category": "billing", "complaints": 1}, {"category": "delivery", "complaints": 1}
    ]
    # The clock took its complaint's new department, though no clock fact arrived.
    assert [row["department"] for row in sla()] == ["logistics"]
    assert same_as_live_fold(app.store)


def test_a_refresh_refolds_only_the_complaints_changed_since_the_last(
    app: AnalyticsApplication,
) -> None:
    snapshot = exact(app)
    app.project(world_events())
    assert snapshot.as_of() is None

    first = snapshot.refresh()
    c7 = Story("C7").received("2024-03-11 09:00", customer="c7", region="CA", product="Card")
    app.project(c7.events)
    second = snapshot.refresh()
    idle = snapshot.refresh()

    assert (first.everything, first.complaints) == (True, 6)
    assert (second.everything, second.complaints) == (False, 1)
    assert (idle.everything, idle.complaints) == (False, 0)
    assert first.up_to < second.up_to < idle.up_to == snapshot.as_of()
    assert same_as_live_fold(app.store)
    assert app.store.select(f"SELECT count() FROM {CLOCKS}") == [(6,)]


# Ways a store loses track of what changed since its last refresh.
UNTRACKED = {
    # projected before snapshots existed: no marks, no refresh yet
    "before snapshots": [f"TRUNCATE TABLE {table}" for table in
                         ("changed_complaints", "complaint_snapshot", "clock_snapshot")],
    # the marks of changes are kept a week: older ones may be gone, so none is trusted
    "a week without refresh": ["INSERT INTO snapshot_refreshes (up_to, complaints)"
                               " VALUES (now64(6) - INTERVAL 8 DAY, 0)"],
}


@pytest.mark.parametrize("statements", UNTRACKED.values(), ids=UNTRACKED)
def test_a_store_that_lost_track_of_its_changes_is_folded_whole(
    app: AnalyticsApplication, store: ClickHouseStore, statements: list[str]
) -> None:
    app.project(world_events())
    for statement in statements:
        store.command(statement)

    refreshed = exact(app).refresh()

    assert (refreshed.everything, refreshed.complaints) == (True, 6)
    assert same_as_live_fold(store)


def test_refreshing_twice_or_from_two_replicas_changes_no_row(
    app: AnalyticsApplication, store: ClickHouseStore
) -> None:
    app.project(world_events())
    app.snapshot.refresh()
    once = store.select(f"SELECT * FROM {CLOCKS} ORDER BY clock_id")

    Snapshot(store).refresh()  # another replica's refresher over the same server
    Snapshot(store, overlap=timedelta(days=1)).refresh()

    assert store.select(f"SELECT * FROM {CLOCKS} ORDER BY clock_id") == once
    assert same_as_live_fold(store)


def test_csv_says_how_current_it_is_in_a_header(
    app: AnalyticsApplication, tokens: Tokens
) -> None:
    app.project(world_events())
    refreshed = app.snapshot.refresh()

    answer = analyst_client(app, tokens).get("/v1/analytics/volume", params={"format": "csv"})

    assert answer.headers["x-data-as-of"] == refreshed.up_to.isoformat()
    assert answer.text == "complaints\r\n6\r\n"


def outdate(store: ClickHouseStore) -> None:
    """Lay complaint_state out as a version before the weekly buckets did."""
    store.command("DROP TABLE complaint_state_mv")
    store.command("DROP TABLE complaint_state")
    store.command("CREATE TABLE complaint_state (tenant String, complaint_id String)"
                  " ENGINE = MergeTree ORDER BY (tenant, complaint_id)")


def test_state_tables_of_an_earlier_layout_are_refused_until_rebuilt(
    app: AnalyticsApplication, store: ClickHouseStore
) -> None:
    outdate(store)
    store.close()

    with pytest.raises(OutdatedLayout, match=r"services\.analytics\.tools\.rebuild"):
        store.open()

    app.reset()
    store.close()
    store.open()


@pytest.mark.parametrize("server", [False, True], ids=["own chdb", "clickhouse server"])
def test_the_service_replays_into_its_own_chdb_but_leaves_a_shared_server_to_people(
    server: bool, tmp_path: Path
) -> None:
    settings = AnalyticsSettings(
        data_dir=tmp_path,
        clickhouse_url=f"chdb://{tmp_path}/server" if server else "",
    )
    _, runtime = bootstrap(settings)
    runtime.store.open()
    runtime.app.project(world_events())
    outdate(runtime.store)
    runtime.store.close()

    try:
        if server:
            with pytest.raises(OutdatedLayout):
                runtime.open_store()
            assert runtime.app.count_received_complaints() == 6  # nothing dropped
        else:
            runtime.open_store()
            assert runtime.app.count_received_complaints() == 0  # to be replayed from Kafka
            assert runtime.app.positions() == {}
            runtime.store.close()
            runtime.store.open()  # the new layout
    finally:
        runtime.store.close()


def test_a_complaint_whose_facts_span_weeks_is_refolded_from_all_of_them(
    app: AnalyticsApplication, store: ClickHouseStore
) -> None:
    snapshot = exact(app)
    # Received on a Sunday; its response, closure (Monday) and feedback (a month on) each
    # land in another week's state rows.
    story = Story("W").received("2024-03-10 22:00", customer="c", region="CA", product="Card") \
        .classified("billing", "P2").assigned("payments", "billing-desk", "a1") \
        .clock("k", "first_response", "P2", met=True).first_response(1).closed(4, "fee_error")
    app.project(story.events)
    snapshot.refresh()
    before = len(story.events)
    story.feedback(24 * 30, 4, 9)

    app.project(story.events[before:])
    refreshed = snapshot.refresh()

    weeks = store.select("SELECT DISTINCT bucket FROM complaint_state ORDER BY bucket")
    assert [str(week) for (week,) in weeks] == ["2024-03-04", "2024-03-11", "2024-04-08"]
    assert refreshed.complaints == 1
    assert store.select(f"SELECT category, status, root_cause, csat FROM {COMPLAINTS}") == [
        ("billing", "closed", "fee_error", 4)
    ]
    assert store.select(f"SELECT department, target, met FROM {CLOCKS}") == [
        ("payments", "first_response", 1)
    ]
    assert same_as_live_fold(store)


def test_refreshing_waits_twice_a_slow_refresh_and_carries_on_after_a_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outcomes = [0.5, 3.0, RuntimeError("ClickHouse went away"), 0.1]
    waits: list[float] = []

    class Timed:
        def refresh(self) -> Refreshed:
            outcome = outcomes.pop(0)
            if isinstance(outcome, Exception):
                raise outcome
            return Refreshed(up_to=datetime.now(UTC), complaints=1, everything=False,
                             seconds=outcome)

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if not outcomes:
            raise asyncio.CancelledError

    monkeypatch.setattr(asyncio, "sleep", sleep)

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(keep_current(Timed(), every_s=2.0))  # type: ignore[arg-type]

    assert waits == [2.0, 6.0, 2.0, 2.0]


def test_a_refresh_counts_the_open_backlog_by_age_for_the_dashboards(
    app: AnalyticsApplication,
) -> None:
    def received(days_ago: float) -> str:
        return (datetime.now(UTC) - timedelta(days=days_ago)).strftime("%Y-%m-%d %H:%M")

    def backlog() -> dict[str, float]:
        return {band: REGISTRY.get_sample_value("analytics_backlog_complaints", {"age": band})
                for band in ("0-1d", "1-3d", "3-7d", "7-14d", "14-30d", "30d+")}

    stories = [
        Story("B1").received(received(0.5), customer="c1", region="CA", product="Card"),
        Story("B2").received(received(2), customer="c2", region="CA", product="Card"),
        Story("B3").received(received(2.5), customer="c3", region="CA", product="Card"),
        Story("B4").received(received(40), customer="c4", region="CA", product="Card"),
        Story("B5").received(received(10), customer="c5", region="CA", product="Card")
        .closed(1, "billing-error"),
    ]
    app.project([event for story in stories for event in story.events])

    app.snapshot.refresh()

    # B5 is closed: not in the backlog. Every band is set, the empty ones to 0.
    assert backlog() == {"0-1d": 1, "1-3d": 2, "3-7d": 0, "7-14d": 0, "14-30d": 0, "30d+": 1}
