"""The SLA compliance figures that go to regulators, checked against a computation of their own.

Clocks met, breached and cancelled across severities are projected and reported as analytics
does; the test computes the same figures in plain Python from the clock events' published data
(not through analytics' folds or the contract models) and asks for equality.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import pytest

from contracts import sla
from contracts.registry import parse
from services.analytics.application import AnalyticsApplication
from services.analytics.domain import Consumed
from services.analytics.reports import Reports
from services.analytics.slicing import Grouping, Slice
from services.analytics.state_tables import OutdatedLayout
from services.analytics.store import ClickHouseStore
from tests.unit.analytics.stories import Story

# Reasons the SLA service gave a cancelled clock before it published an outcome.
CANCELLED_BEFORE_OUTCOMES = ("duplicate", "restarted on reopen", "no longer a target")


class ClockStory(Story):
    """A complaint whose clocks end as the SLA service ends them."""

    def start(self, clock_id: str, target: str, severity: str) -> ClockStory:
        return self._publish(sla, sla.SlaClockStarted(
            complaint_id=self.complaint_id, clock_id=clock_id, target=target, severity=severity,
            policy_id="default", policy_version="1", calendar_id="cn-mainland",
            calendar_version="1", started_at=self.after(0), deadline_at=self.after(24),
            warn_at=self.after(20),
        ), self.after(0.05))

    def breach(self, clock_id: str) -> ClockStory:
        return self._publish(sla, sla.SlaBreached(
            complaint_id=self.complaint_id, clock_id=clock_id, deadline_at=self.after(24),
            breached_at=self.after(24),
        ), self.after(24))

    def stop(self, clock_id: str, hours: float, outcome: str, reason: str,
             severity: str | None = None) -> ClockStory:
        return self._publish(sla, sla.SlaClockStopped(
            complaint_id=self.complaint_id, clock_id=clock_id, reason=reason,
            stopped_at=self.after(hours), met=outcome == "met", outcome=outcome,
            severity=severity,
        ), self.after(hours))

    def stop_as_published_before_outcomes(self, clock_id: str, hours: float, met: bool,
                                          reason: str) -> ClockStory:
        """A stop as the SLA service published it before `outcome` existed."""
        self.stop(clock_id, hours, "met" if met else "breached", reason)
        raw = json.loads(self.events.pop().envelope.model_dump_json())
        raw["data"] = {k: v for k, v in raw["data"].items() if k not in ("outcome", "severity")}
        raw["data"]["met"] = met
        self.events.append(Consumed(*parse(raw)))
        return self


def clock_stories() -> list[ClockStory]:
    a = (ClockStory("A").received("2024-03-04 09:00", customer="c1", region="CA", product="Card")
         .classified("billing", "P1")
         .start("a-first", "first_response", "P3").start("a-progress", "progress", "P3"))
    # Reclassified P1: the P3 progress target is cancelled under P1; P1's clocks are met.
    a = (a._publish(sla, sla.SlaClockRebased(
            complaint_id=a.complaint_id, clock_id="a-first", target="first_response",
            trigger="severity", reason="classified P1", actor="system", severity="P1",
            policy_id="default", policy_version="1", calendar_id="24x7", calendar_version="1",
            rebased_at=a.after(0.06), deadline_at=a.after(0.5)), a.after(0.06))
         .stop("a-progress", 0.06, "cancelled", "no longer a target (classified P1)", "P1")
         .start("a-resolution", "resolution", "P1")
         .stop("a-first", 0.3, "met", "responded", "P1")
         .stop("a-resolution", 1.5, "met", "resolved", "P1"))
    b = (ClockStory("B").received("2024-03-05 09:00", customer="c2", region="NY", product="Loan")
         .classified("billing", "P2")
         .start("b-first", "first_response", "P2").start("b-resolution", "resolution", "P2")
         .stop("b-first", 1, "met", "responded", "P2")
         .breach("b-resolution").stop("b-resolution", 30, "breached", "closed", "P2"))
    c = (ClockStory("C").received("2024-03-06 09:00", customer="c3", region="TX", product="Card")
         .classified("delivery", "P3")
         .start("c-first", "first_response", "P3").start("c-progress", "progress", "P3")
         # A breach that fired stays a breach when the target is cancelled afterwards.
         .breach("c-first").stop("c-first", 26, "breached", "duplicate", "P3")
         .stop("c-progress", 26, "cancelled", "duplicate", "P3"))
    d = (ClockStory("D").received("2024-03-07 09:00", customer="c4", region="CA", product="Card")
         .classified("delivery", "P3")
         .start("d-first", "first_response", "P3").start("d-progress", "progress", "P3")
         .stop_as_published_before_outcomes("d-first", 2, True, "responded")
         .stop_as_published_before_outcomes("d-progress", 3, True, "duplicate"))
    e = (ClockStory("E").received("2024-03-08 09:00", customer="c5", region="NY", product="Loan")
         .classified("billing", "P2")
         .start("e-first", "first_response", "P2")  # still running
         .start("e-resolution", "resolution", "P2")
         .stop_as_published_before_outcomes("e-resolution", 2, True,
                                            "restarted on reopen")
         .breach("e-first"))
    return [a, b, c, d, e]


def truth(events: list[Consumed]) -> dict[str, dict[str, Any]]:
    """Per severity: clocks, met, breached, cancelled and compliance, from the clock events'
    published data in the order they happened."""
    clocks: dict[str, dict[str, Any]] = {}
    for consumed in sorted(events, key=lambda c: c.envelope.time):
        kind, data = consumed.envelope.type, consumed.envelope.data
        if kind == "sla.clock_started.v1":
            clocks[data["clock_id"]] = {"severity": data["severity"], "breached": False,
                                        "outcome": None}
        elif kind == "sla.clock_rebased.v1":
            clocks[data["clock_id"]]["severity"] = data["severity"]
        elif kind == "sla.breached.v1":
            clocks[data["clock_id"]]["breached"] = True
        elif kind == "sla.clock_stopped.v1":
            clock = clocks[data["clock_id"]]
            clock["severity"] = data.get("severity") or clock["severity"]
            clock["outcome"] = data.get("outcome") or (
                "breached" if not data["met"] else
                "cancelled" if data["reason"].startswith(CANCELLED_BEFORE_OUTCOMES) else "met")
    figures: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"clocks": 0, "met": 0, "breached": 0, "cancelled": 0})
    for clock in clocks.values():
        counts = figures[clock["severity"]]
        counts["clocks"] += 1
        if clock["breached"] or clock["outcome"] == "breached":
            counts["breached"] += 1
        elif clock["outcome"] in ("met", "cancelled"):
            counts[clock["outcome"]] += 1
    for counts in figures.values():
        decided = counts["met"] + counts["breached"]
        counts["compliance"] = round(counts["met"] / decided, 6) if decided else None
    return dict(figures)


def test_sla_compliance_per_severity_equals_an_independent_count_of_the_clock_events(
    app: AnalyticsApplication,
) -> None:
    events = [event for story in clock_stories() for event in story.events]
    app.project(events)
    app.snapshot.refresh()

    reported = Reports(app.store).sla(Slice(equals={"tenant": ("acme",)}),
                                      Grouping(by=("severity",)))

    expected = truth(events)
    assert {row.pop("severity"): row for row in reported} == expected
    # The hand count the truth must agree with, so that neither can drift unnoticed.
    assert expected == {
        "P1": {"clocks": 3, "met": 2, "breached": 0, "cancelled": 1, "compliance": 1.0},
        "P2": {"clocks": 4, "met": 1, "breached": 2, "cancelled": 1, "compliance": 0.333333},
        "P3": {"clocks": 4, "met": 1, "breached": 1, "cancelled": 2, "compliance": 0.5},
    }


def test_clock_tables_from_before_outcomes_are_refused_until_rebuilt(
    app: AnalyticsApplication, store: ClickHouseStore,
) -> None:
    # clock_state as the weekly layout had it, before the outcome column.
    store.command("DROP TABLE clock_state_mv")
    store.command("DROP TABLE clock_state")
    store.command(
        "CREATE TABLE clock_state (tenant String, bucket Date, complaint_id String,"
        " clock_id String, met SimpleAggregateFunction(max, Nullable(UInt8)))"
        " ENGINE = AggregatingMergeTree ORDER BY (tenant, bucket, complaint_id, clock_id)")
    store.close()

    with pytest.raises(OutdatedLayout,
                       match=r"clock_state predate.*services\.analytics\.tools\.rebuild"):
        store.open()

    app.reset()
    store.close()
    store.open()
    app.project([event for story in clock_stories() for event in story.events])
    app.snapshot.refresh()
    assert app.store.select("SELECT countIf(outcome = 'cancelled') FROM current_clocks") == [(4,)]
