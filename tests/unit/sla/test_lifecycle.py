"""Each lifecycle transition of a complaint's clocks, with exact instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.sla.clocks import Status
from services.sla.domain import AlarmAlreadyFired
from tests.unit.sla.conftest import T0, Harness, cst, fact

ESCALATIONS = ("escalation:team_lead", "escalation:department_head", "escalation:executive")


def schedule(sla, key):
    clock = sla.clocks[key]
    return {name: at for name, at in {**clock.due, **clock.fired}.items()}


def test_a_received_complaint_runs_p3_first_response_and_progress_in_office_hours(
    sla_harness: Harness,
):
    sla = sla_harness.apply(fact("received", T0))

    assert sorted(sla.clocks) == ["first_response", "progress"]
    first, progress = sla.clocks["first_response"], sla.clocks["progress"]
    assert (first.severity, first.policy_id, first.policy_version, first.calendar_id,
            first.calendar_version, first.business_time, first.run, first.status) == (
        "P3", "default", "1.1", "cn-mainland", "2026.1", True, 1, Status.RUNNING)
    # 24 office hours of 9 a day from Monday 10:00: Mon 8 h, Tue 9 h, Wed 7 h -> Wed 16:00.
    assert first.due["breach"] == cst(5, 16)
    assert first.due["warning"] == cst(5, 11, 12)  # 19.2 h
    # 72 h: Mon 8, Tue-Fri 36, Mon-Wed 27 -> Thu 13 March 10:00.
    assert progress.due["breach"] == cst(13, 10)


def test_classified_p1_runs_around_the_clock_and_recomputes_from_receipt(sla_harness: Harness):
    sla_harness.apply(fact("received", T0))
    sla = sla_harness.apply(fact("classified", T0 + timedelta(minutes=1), actor="intake",
                                 severity="P1", category="safety"))

    assert sorted(sla.clocks) == ["first_response", "progress", "resolution"]
    assert schedule(sla, "first_response") == {
        "warning": T0 + timedelta(minutes=24), "breach": T0 + timedelta(minutes=30),
        "escalation:team_lead": T0 + timedelta(minutes=30),
        "escalation:department_head": T0 + timedelta(minutes=45),
        "escalation:executive": T0 + timedelta(minutes=60),
    }
    assert sla.clocks["first_response"].calendar_id == "24x7"
    assert sla.clocks["resolution"].due["breach"] == T0 + timedelta(hours=2)
    assert sla.clocks["resolution"].started_at == T0
    assert sla.clocks["progress"].status is Status.STOPPED
    assert sla.clocks["progress"].stop_reason.startswith("no longer a target")


def test_alarms_fire_at_their_instants_once_each_in_order(sla_harness: Harness):
    sla_harness.apply(fact("received", T0))
    sla_harness.apply(fact("classified", T0, severity="P1", category="outage"))

    assert sla_harness.tick(T0 + timedelta(minutes=23, seconds=59)) == []
    assert sla_harness.tick(T0 + timedelta(minutes=24)) == [("first_response", "warning")]
    assert sla_harness.tick(T0 + timedelta(minutes=30)) == [
        ("first_response", "breach"), ("first_response", "escalation:team_lead")
    ]
    assert sla_harness.tick(T0 + timedelta(minutes=30)) == []
    sla = sla_harness.slas["c-1"]
    with pytest.raises(AlarmAlreadyFired):
        sla.check_alarm_due("first_response", "breach")
    assert sla.clocks["first_response"].fired["breach"] == T0 + timedelta(minutes=30)


def test_a_first_response_stops_only_the_first_response_clock_in_time(sla_harness: Harness):
    sla_harness.apply(fact("received", T0))
    sla = sla_harness.apply(fact("milestone", cst(3, 11), milestone="responded"))

    first = sla.clocks["first_response"]
    assert (first.status, first.stopped_at, first.met, first.stop_reason) == (
        Status.STOPPED, cst(3, 11), True, "responded")
    assert first.due == {}
    assert sla.clocks["progress"].status is Status.RUNNING


def test_a_late_fact_first_records_the_breach_it_missed(sla_harness: Harness):
    sla_harness.apply(fact("received", T0))
    sla_harness.apply(fact("classified", T0, severity="P1", category="outage"))
    # No timer ran; the response arrives 40 minutes in, after the 30-minute deadline.
    sla = sla_harness.apply(fact("milestone", T0 + timedelta(minutes=40), milestone="responded"))

    first = sla.clocks["first_response"]
    assert first.fired == {
        "warning": T0 + timedelta(minutes=24), "breach": T0 + timedelta(minutes=30),
        "escalation:team_lead": T0 + timedelta(minutes=30),
    }
    assert (first.met, first.timely()) == (False, False)


def test_waiting_on_the_customer_shifts_every_alarm_by_the_business_time_paused(
    sla_harness: Harness,
):
    sla_harness.apply(fact("received", T0))
    sla_harness.apply(fact("classified", T0, severity="P2", category="billing"))
    sla_harness.apply(fact("wait", cst(3, 11), reason="needs the bank statement"))
    sla = sla_harness.slas["c-1"]
    assert sla.clocks["first_response"].status is Status.PAUSED
    assert sla.clocks["first_response"].consumed == timedelta(hours=1)
    assert sla_harness.tick(cst(3, 13, 59)) == []  # paused: the 12:00 deadline does not fire

    sla = sla_harness.apply(fact("reply", cst(3, 14)))

    # 1 h of 2 h used by 11:00; the remaining hour runs from 14:00.
    assert schedule(sla, "first_response")["breach"] == cst(3, 15)
    assert schedule(sla, "first_response")["warning"] == cst(3, 14, 36)
    # Resolution (24 office hours) was due Wed 16:00; 3 office hours later is Thu 10:00.
    assert schedule(sla, "resolution")["breach"] == cst(6, 10)


def test_a_pause_outside_office_hours_moves_nothing(sla_harness: Harness):
    sla_harness.apply(fact("received", T0))
    before = dict(sla_harness.slas["c-1"].clocks["progress"].due)
    sla_harness.apply(fact("wait", cst(3, 18, 30), reason="customer travelling"))
    sla = sla_harness.apply(fact("reply", cst(4, 8, 45)))

    assert sla.clocks["progress"].due == before


def test_closing_stops_every_clock_and_resolution_stops_the_p1_solution_clock(
    sla_harness: Harness,
):
    sla_harness.apply(fact("received", T0))
    sla_harness.apply(fact("classified", T0, severity="P1", category="outage"))
    sla = sla_harness.apply(fact("milestone", T0 + timedelta(minutes=90), milestone="resolved"))
    assert sla.clocks["resolution"].status is Status.STOPPED
    assert sla.clocks["first_response"].status is Status.RUNNING

    sla = sla_harness.apply(fact("milestone", T0 + timedelta(minutes=95), milestone="closed"))
    assert {k: (c.status, c.stop_reason) for k, c in sla.clocks.items() if c.live} == {}
    assert sla.clocks["first_response"].stop_reason == "closed"


def test_reopening_restarts_the_resolution_clock_from_the_reopening(sla_harness: Harness):
    sla_harness.apply(fact("received", T0))
    sla_harness.apply(fact("classified", T0, severity="P1", category="outage"))
    sla_harness.apply(fact("milestone", T0 + timedelta(minutes=20), milestone="responded"))
    sla_harness.apply(fact("milestone", T0 + timedelta(minutes=50), milestone="closed"))
    reopened = T0 + timedelta(days=2)

    sla = sla_harness.apply(fact("reopened", reopened, actor="customer", reason="still broken"))

    resolution = sla.clocks["resolution"]
    assert (resolution.run, resolution.status, resolution.started_at) == (
        2, Status.RUNNING, reopened)
    assert resolution.due["breach"] == reopened + timedelta(hours=2)
    assert resolution.fired == {}
    assert sla.clocks["first_response"].status is Status.STOPPED  # answered once is enough


def test_facts_that_arrive_before_the_complaint_apply_when_it_does(sla_harness: Harness):
    # Resolution's topic can be read ahead of intake's after a restart.
    sla_harness.apply(fact("milestone", cst(3, 10, 30), milestone="responded"))
    sla = sla_harness.apply(fact("received", T0))

    first = sla.clocks["first_response"]
    assert (first.status, first.stopped_at, first.met) == (Status.STOPPED, cst(3, 10, 30), True)
    assert sla.early == []


def test_imported_history_runs_no_clock(sla_harness: Harness):
    sla = sla_harness.apply(fact("received", T0, historical=True))
    sla_harness.apply(fact("classified", T0, severity="P1", category="outage"))

    assert sla.clocks == {}
    assert sla.next_due() is None


def test_a_severity_change_while_paused_moves_alarms_when_the_clock_resumes(
    sla_harness: Harness,
):
    sla_harness.apply(fact("received", T0))
    sla_harness.apply(fact("wait", cst(3, 11), reason="photos"))
    sla = sla_harness.apply(fact("classified", cst(3, 12), severity="P2", category="billing"))
    first = sla.clocks["first_response"]
    assert (first.status, first.due, first.allowed) == (Status.PAUSED, {}, timedelta(hours=2))

    sla = sla_harness.apply(fact("reply", cst(3, 15)))

    assert sla.clocks["first_response"].due["breach"] == cst(3, 16)  # 1 h used, 1 h left


def test_cfpb_company_response_in_progress_starts_the_60_day_final_response_clock(
    sla_harness: Harness,
):
    received = datetime(2025, 6, 2, 14, 0, tzinfo=UTC)  # 10:00 in New York
    sla_harness.apply(fact("received", received, channel="cfpb", tenant="acme-us"))
    sla = sla_harness.slas["c-1"]
    response = sla.clocks["cfpb.company_response"]
    # End of the 15th calendar day after 2 June in New York (EDT): 18 June 00:00 EDT.
    assert response.due["breach"] == datetime(2025, 6, 18, 4, 0, tzinfo=UTC)
    assert response.rule["pausable"] is False

    sla = sla_harness.apply(fact("milestone", datetime(2025, 6, 10, tzinfo=UTC),
                                 milestone="progressed"))

    assert sla.clocks["cfpb.company_response"].met is True
    final = sla.clocks["cfpb.final_response"]
    assert (final.started_at, final.due["breach"]) == (
        received, datetime(2025, 8, 2, 4, 0, tzinfo=UTC))


def test_fca_summary_resolution_is_derived_from_when_it_was_resolved(sla_harness: Harness):
    received = datetime(2025, 10, 23, 10, 0, tzinfo=UTC)  # Thursday, 11:00 BST
    sla_harness.apply(fact("received", received, tenant="bank-uk"))
    sla = sla_harness.slas["c-1"]
    fca = sla.clocks["fca.final_response"]
    # Close of the third business day after receipt: Tuesday 28 October 17:30 GMT.
    assert fca.summary_by == datetime(2025, 10, 28, 17, 30, tzinfo=UTC)
    # The end of 8 weeks: 18 December 2025 ends at midnight London time (GMT).
    assert fca.due["breach"] == datetime(2025, 12, 19, 0, 0, tzinfo=UTC)

    sla = sla_harness.apply(fact("milestone", datetime(2025, 10, 28, 17, 0, tzinfo=UTC),
                                 milestone="closed"))

    fca = sla.clocks["fca.final_response"]
    assert (fca.met, fca.summary_resolution, fca.timely()) == (True, True, True)


def test_a_complaint_marked_a_duplicate_stops_every_clock(sla_harness: Harness):
    sla_harness.apply(fact("received", T0))
    sla = sla_harness.apply(fact("milestone", T0 + timedelta(seconds=2), actor="intake",
                                 milestone="duplicate"))

    # Cancelled, not met: the original's clocks run instead.
    assert {k: (c.status, c.stop_reason, c.met, c.outcome) for k, c in sla.clocks.items()} == {
        "first_response": (Status.STOPPED, "duplicate", False, "cancelled"),
        "progress": (Status.STOPPED, "duplicate", False, "cancelled"),
    }
