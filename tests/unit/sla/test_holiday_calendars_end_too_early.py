"""Issue #13 point 1: holiday calendars end too early.

The calendar files are generated from chinese-calendar and holidays, declare the years they
cover, and a deadline reaching a year its calendar does not cover is flagged on the clock, in
a metric and on /readyz instead of being counted as if that year had no holidays.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from pydantic import ValidationError

from services.sla.application import SlaApplication
from services.sla.bootstrap import bootstrap
from services.sla.catalog import DEFAULT_CALENDAR_DIR, CalendarFile, Catalog
from services.sla.config import SlaSettings
from services.sla.coverage import coverage_by_calendar, coverage_warnings
from services.sla.ledger import ledger
from services.sla.tools.calendars import SPECS, render
from tests.unit.sla.conftest import Harness, fact

RELEASE_DAY = date(2026, 12, 4)


def beijing(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


# The example of the issue ------------------------------------------------------------------

def test_holiday_calendars_end_too_early_p2_resolution_skips_spring_festival_2026(
    sla_harness: Harness,
):
    received = beijing(2026, 2, 13, 10)  # Friday
    sla_harness.apply(fact("received", received))
    sla = sla_harness.apply(fact("classified", received, severity="P2", category="billing"))

    # Fri 8 h, Sat 14 Feb worked (调休) 9 h, 15-23 Feb off, Tue 24 Feb 7 h -> 16:00.
    assert sla.clocks["resolution"].due["breach"] == beijing(2026, 2, 24, 16)
    assert sla.clocks["resolution"].uncovered_years == []


def test_holiday_calendars_end_too_early_banking_decision_ends_on_the_worked_saturday(
    sla_harness: Harness,
):
    sla = sla_harness.apply(fact("received", beijing(2026, 2, 13, 10), tenant="bank-cn"))

    # 15 days after Fri 13 Feb is Sat 28 Feb, a make-up working day: due when it ends.
    assert sla.clocks["cn_banking.decision"].deadline_at == beijing(2026, 3, 1, 0)


def test_a_make_up_working_saturday_counts_as_a_working_day(catalog: Catalog):
    cn = catalog.calendar("cn-mainland")

    assert [cn.is_working_day(date(2026, 2, d)) for d in (14, 15, 23, 24, 28)] == [
        True, False, False, True, True]
    assert cn.intervals_on(date(2026, 10, 10)) == (
        (beijing(2026, 10, 10, 9), beijing(2026, 10, 10, 18)),)


def test_english_and_us_holidays_are_known_in_2027_and_2028(catalog: Catalog):
    uk, us = catalog.calendar("uk-england"), catalog.calendar("us-federal")

    assert [uk.is_working_day(d) for d in (
        date(2027, 3, 26), date(2027, 3, 29), date(2028, 1, 3), date(2028, 1, 4))] == [
        False, False, False, True]
    assert [us.is_working_day(d) for d in (
        date(2027, 11, 25), date(2028, 7, 4), date(2028, 7, 5))] == [False, False, True]


def test_fca_summary_resolution_counts_business_days_around_easter_2027(sla_harness: Harness):
    received = datetime(2027, 3, 24, 9, tzinfo=UTC)  # Wednesday 09:00 in London (GMT)
    sla = sla_harness.apply(fact("received", received, tenant="bank-uk"))

    # Thu 25, then Good Friday and Easter Monday off: Tue 30, Wed 31 at 17:30 BST.
    assert sla.clocks["fca.final_response"].summary_by == datetime(2027, 3, 31, 16, 30,
                                                                     tzinfo=UTC)


# A deadline in a year the calendar does not cover ------------------------------------------

def test_a_deadline_in_an_uncovered_year_is_flagged_in_the_ledger(app: SlaApplication):
    app.record(fact("received", beijing(2026, 12, 31, 17), complaint_id="late"))
    app.record(fact("received", beijing(2026, 12, 1, 10), complaint_id="early"))

    def started(complaint_id: str) -> dict[str, tuple[str, ...]]:
        return {e.clock: e.flags for e in ledger(app.stored_events(complaint_id))
                if e.kind == "started"}

    assert started("late") == {"first_response": ("calendar_not_covering_2027",),
                               "progress": ("calendar_not_covering_2027",)}
    assert started("early") == {"first_response": (), "progress": ()}


def test_a_resumed_clock_whose_alarms_move_into_an_uncovered_year_is_flagged(
    app: SlaApplication,
):
    app.record(fact("received", beijing(2026, 12, 1, 10)))
    app.record(fact("wait", beijing(2026, 12, 1, 11), reason="photos"))
    app.record(fact("reply", beijing(2026, 12, 30, 9)))

    # A pause of four weeks is also far longer than half the allowed time.
    resumed = [e for e in ledger(app.stored_events("c-1")) if e.kind == "resumed"]
    assert {e.clock: e.flags for e in resumed} == {
        "first_response": ("possible clock-gaming", "calendar_not_covering_2027"),
        "progress": ("possible clock-gaming", "calendar_not_covering_2027")}


def uncovered(calendar: str, year: str) -> float:
    return REGISTRY.get_sample_value("sla_calendar_uncovered_deadlines_total",
                                     {"calendar": calendar, "year": year}) or 0.0


def test_each_schedule_reaching_an_uncovered_year_is_counted(app: SlaApplication):
    before = uncovered("cn-mainland", "2027")

    app.record(fact("received", beijing(2026, 12, 31, 17), complaint_id="late"))
    app.record(fact("received", beijing(2026, 12, 1, 10), complaint_id="early"))

    assert uncovered("cn-mainland", "2027") - before == 2.0  # first response and progress


def test_coverage_says_when_each_calendar_in_force_runs_out(catalog: Catalog):
    assert coverage_by_calendar(catalog) == {
        "cn-mainland": beijing(2027, 1, 1, 0),
        "uk-england": datetime(2029, 1, 1, tzinfo=UTC),
        "us-federal": datetime(2029, 1, 1, 5, tzinfo=UTC),
    }
    assert coverage_warnings(catalog, datetime(2026, 6, 1, tzinfo=UTC)) == {}
    assert coverage_warnings(catalog, datetime(2026, 12, 4, tzinfo=UTC)) == {
        "calendar:cn-mainland": "cn-mainland@2026.1 covers 2024-2026; deadlines in 2027 are "
        "flagged on their clocks until a calendar covering them is put in force"}


def test_readyz_warns_of_a_calendar_running_out_and_stays_ready(tmp_path: Path):
    http, runtime = bootstrap(SlaSettings(
        data_dir=tmp_path, auth_dir=tmp_path / "auth", sla_test_clock=True,
        sla_test_clock_start=datetime(2026, 12, 4, 8, tzinfo=UTC)))

    body = TestClient(http).get("/readyz").json()

    assert body["warnings"] == {
        "calendar:cn-mainland": "cn-mainland@2026.1 covers 2024-2026; deadlines in 2027 are "
        "flagged on their clocks until a calendar covering them is put in force"}
    assert sorted(body["checks"]) == ["consuming", "event_store", "relay", "started"]
    until = REGISTRY.get_sample_value("sla_calendar_covered_until_timestamp_seconds",
                                      {"calendar": "cn-mainland"})
    assert until == beijing(2027, 1, 1, 0).timestamp()
    runtime.app.close()


# The files, as the generator makes them --------------------------------------------------

@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.calendar_id)
def test_the_calendar_files_are_what_the_pinned_libraries_generate(spec):
    text = (DEFAULT_CALENDAR_DIR / f"{spec.calendar_id}.yaml").read_text(encoding="utf-8")
    first, last = yaml.safe_load(text)["source"]["requested"]

    assert render(spec, first, last, text, RELEASE_DAY) == text


def test_the_shipped_files_cover_this_year_and_the_next_two_where_published():
    covers = {spec.calendar_id: CalendarFile.model_validate(yaml.safe_load(
        (DEFAULT_CALENDAR_DIR / f"{spec.calendar_id}.yaml").read_text())).covers
        for spec in SPECS}

    # chinese-calendar 1.11.0 knows up to 2026: the State Council had not published 2027.
    assert covers == {"cn-mainland": (2024, 2026), "uk-england": (2024, 2028),
                      "us-federal": (2024, 2028)}


def test_changed_days_get_a_new_version_and_the_same_days_keep_theirs():
    [cn] = [spec for spec in SPECS if spec.calendar_id == "cn-mainland"]
    shipped = (DEFAULT_CALENDAR_DIR / "cn-mainland.yaml").read_text(encoding="utf-8")
    edited = shipped.replace("  - 2026-02-14  # Spring Festival\n", "")

    assert yaml.safe_load(render(cn, 2024, 2028, edited, RELEASE_DAY))["version"] == "2026.2"
    assert yaml.safe_load(render(cn, 2024, 2028, edited, date(2027, 1, 5)))["version"] == "2027.1"
    assert yaml.safe_load(render(cn, 2024, 2028, shipped, date(2027, 1, 5)))["version"] == "2026.1"


def test_a_calendar_listing_days_outside_the_years_it_covers_is_refused():
    document = yaml.safe_load((DEFAULT_CALENDAR_DIR / "uk-england.yaml").read_text())
    document["covers"] = [2024, 2026]

    with pytest.raises(ValidationError, match=r"lists days of \[2027, 2028\], outside"):
        CalendarFile.model_validate(document)
