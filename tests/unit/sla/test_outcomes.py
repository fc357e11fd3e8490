"""How a clock ends: met, breached, or cancelled when its target stopped applying. A cancelled
clock is neither met nor breached, carries the complaint's severity and keeps its deadline."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from contracts.sla import SlaClockStopped
from services.sla import published
from services.sla.application import SlaApplication
from services.sla.clocks import Status
from tests.unit.sla.conftest import T0, Harness, fact
from tests.unit.sla.test_api import client
from tests.unit.sla.test_service import envelopes


def stopped(app: SlaApplication) -> dict[str, dict]:
    """The published clock_stopped events' data, by clock key."""
    sla = app.get_sla("c-1")
    ids = {published._clock_id(sla, key): key for key in sla.clocks}
    return {ids[e.data["clock_id"]]: e.data for e in envelopes(app)
            if e.type == "sla.clock_stopped.v1"}


def test_a_p1_complaints_progress_clock_is_cancelled_under_p1_not_met_under_p3(
    app: SlaApplication,
):
    app.record(fact("received", T0))
    app.record(fact("classified", T0 + timedelta(minutes=1), severity="P1", category="outage"))

    progress = app.get_sla("c-1").clocks["progress"]
    assert (progress.status, progress.outcome, progress.met, progress.timely(),
            progress.severity) == (Status.STOPPED, "cancelled", False, None, "P1")
    data = stopped(app)["progress"]
    assert (data["outcome"], data["met"], data["severity"]) == ("cancelled", False, "P1")


def test_a_target_reached_in_time_is_met_and_a_late_one_breached(app: SlaApplication, clock):
    app.record(fact("received", T0))
    app.record(fact("classified", T0, severity="P1", category="outage"))
    clock.set(T0 + timedelta(hours=3))
    app.record(fact("milestone", T0 + timedelta(minutes=20), milestone="responded"))
    app.record(fact("milestone", T0 + timedelta(hours=3), milestone="resolved"))

    assert {k: (d["outcome"], d["met"], d["severity"]) for k, d in stopped(app).items()} == {
        "progress": ("cancelled", False, "P1"),
        "first_response": ("met", True, "P1"),
        "resolution": ("breached", False, "P1"),
    }


def test_a_duplicate_cancels_every_clock(sla_harness: Harness):
    sla_harness.apply(fact("received", T0))
    sla = sla_harness.apply(fact("milestone", T0 + timedelta(seconds=2), milestone="duplicate"))

    assert {k: (c.outcome, c.met, c.timely()) for k, c in sla.clocks.items()} == {
        "first_response": ("cancelled", False, None), "progress": ("cancelled", False, None)}


def test_a_run_restarted_by_a_reopening_is_cancelled(sla_harness: Harness):
    # P2's resolution stops only on closed: resolved and reopened, its first run never ended.
    sla_harness.apply(fact("received", T0))
    sla_harness.apply(fact("classified", T0, severity="P2", category="billing"))
    sla_harness.apply(fact("milestone", T0 + timedelta(minutes=30), milestone="resolved"))
    sla = sla_harness.apply(fact("reopened", T0 + timedelta(hours=1), reason="not fixed"))

    history = [e for e in sla.collect_events() if type(e).__name__ == "ClockStopped"]
    assert [(e.key, e.reason, e.outcome, e.met) for e in history] == [
        ("progress", "no longer a target (classified P2, category billing)", "cancelled", False),
        ("resolution", "restarted on reopen", "cancelled", False),
    ]
    assert sla.clocks["resolution"].run == 2


def test_a_breach_stays_a_breach_when_the_target_is_cancelled_later(sla_harness: Harness):
    sla_harness.apply(fact("received", T0))
    sla_harness.tick(T0 + timedelta(days=14))  # the P3 clocks breached
    sla = sla_harness.apply(fact("classified", T0 + timedelta(days=14), severity="P1",
                                 category="outage"))

    progress = sla.clocks["progress"]
    assert (progress.outcome, progress.met, progress.timely()) == ("breached", False, False)


def test_a_stop_recorded_before_outcomes_is_published_with_the_outcome_it_had():
    def old(reason: str, met: bool) -> SlaClockStopped:
        # A stored ClockStopped of the earlier shape: no outcome, no severity.
        return published.clock_stopped(SimpleNamespace(
            complaint_id="c-1", key="progress", target="progress", reason=reason,
            stopped_at=T0, met=met, summary_resolution=None))

    assert [(e.outcome, e.met, e.severity) for e in (
        old("no longer a target (classified P1, category outage)", True),
        old("duplicate", True), old("restarted on reopen", True), old("closed", True),
        old("closed", False),
    )] == [("cancelled", True, None), ("cancelled", True, None), ("cancelled", True, None),
           ("met", True, None), ("breached", False, None)]


def test_the_clocks_view_keeps_a_stopped_clocks_deadline_and_shows_its_outcome(
    app: SlaApplication, tokens,
):
    app.record(fact("received", T0))
    app.record(fact("milestone", T0 + timedelta(hours=1), milestone="responded"))

    body = client(app, tokens).get("/v1/clocks/c-1").json()

    first = next(c for c in body["clocks"] if c["key"] == "first_response")
    assert {k: first[k] for k in ("status", "deadline_at", "warn_at", "outcome", "timely")} == {
        "status": "stopped", "deadline_at": "2025-03-05T08:00:00Z",
        "warn_at": "2025-03-05T03:12:00Z", "outcome": "met", "timely": True}


def test_a_regime_whose_clocks_were_all_cancelled_is_not_judged_timely(
    app: SlaApplication, tokens,
):
    app.record(fact("received", T0, tenant="bank-cn"))
    app.record(fact("milestone", T0 + timedelta(hours=1), tenant="bank-cn",
                    milestone="duplicate"))

    body = client(app, tokens, tenant="bank-cn").get("/v1/clocks/c-1").json()

    decision = next(c for c in body["clocks"] if c["key"] == "cn_banking.decision")
    assert (decision["outcome"], decision["timely"], body["timely"]) == ("cancelled", None, {})
