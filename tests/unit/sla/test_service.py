"""The SLA application on a real SQLite store: inbox, publishing, replicas, the timer loop."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from pathlib import Path

from contracts.envelope import Envelope, event_id
from contracts.registry import parse
from contracts.sla import SlaBreached, SlaClockStarted, SlaEscalated, SlaWarningRaised
from contracts.topics import INTAKE_EVENTS, RESOLUTION_EVENTS
from runtime.eventstore import IntegrityError, persistence_env
from runtime.inbox import Inbox, Outcome
from services.sla import published
from services.sla.application import SlaApplication
from services.sla.catalog import DEFAULT_CALENDAR_DIR, DEFAULT_POLICY_FILE, Catalog, read_documents
from services.sla.domain import ComplaintSla
from services.sla.handlers import SUBSCRIPTIONS
from services.sla.timers import DeadlineTimer, DueIndex
from services.sla.timesource import ManualClock
from tests.unit.sla.conftest import SOURCE, T0, fact, sample

COMPLAINT_ID = "201e730e-1186-5080-a083-198a2bc06e90"  # as in the golden samples


def envelopes(app: SlaApplication) -> list[Envelope]:
    """What the outbox relay would publish (each stored event names its tenant)."""
    translate = published.translator(source=SOURCE)
    out = [translate(app.mapper.to_domain_event(notification))
           for notification in app.recorder.select_notifications(None, 1000)]
    return [e for e in out if e is not None]


def alarms(app: SlaApplication) -> list[tuple[str, str]]:
    return [(e.type, e.data.get("level") or e.data["clock_id"]) for e in envelopes(app)
            if e.type in ("sla.warning_raised.v1", "sla.breached.v1", "sla.escalated.v1")]


def open_app(path: Path, clock: ManualClock) -> SlaApplication:
    app = SlaApplication(env=persistence_env(f"sqlite:///{path}"), catalog=Catalog(),
                         time=clock, source=SOURCE)
    app.put_in_force(read_documents(DEFAULT_POLICY_FILE, [DEFAULT_CALENDAR_DIR]))
    return app


def test_the_received_sample_starts_clocks_caused_by_it_and_a_redelivery_changes_nothing(
    app: SlaApplication,
):
    inbox = Inbox(app=app, consumer="sla", handlers=SUBSCRIPTIONS[INTAKE_EVENTS])
    envelope, received = sample("complaint.received.v1")

    assert inbox.process(envelope, received) is Outcome.HANDLED
    assert inbox.process(envelope, received) is Outcome.DUPLICATE

    started = envelopes(app)
    sla_id = ComplaintSla.create_id(COMPLAINT_ID)
    assert [(e.type, e.data["clock_key"], e.causationid, e.tenant) for e in started] == [
        ("sla.clock_started.v1", "first_response", envelope.id, "experian-us"),
        ("sla.clock_started.v1", "progress", envelope.id, "experian-us"),
    ]
    assert [e.id for e in started] == [event_id(SOURCE, sla_id, 3), event_id(SOURCE, sla_id, 4)]
    for e in started:
        assert parse(e.model_dump_json()) == (e, SlaClockStarted.model_validate(e.data))
    assert started[0].data["clock_id"] == str(ComplaintSla.clock_id(COMPLAINT_ID,
                                                                    "first_response"))


def test_resolution_events_stop_and_pause_clocks_through_the_inbox(app: SlaApplication):
    intake = Inbox(app=app, consumer="sla", handlers=SUBSCRIPTIONS[INTAKE_EVENTS])
    resolution = Inbox(app=app, consumer="sla", handlers=SUBSCRIPTIONS[RESOLUTION_EVENTS])
    intake.process(*sample("complaint.received.v1"))
    wait_env, wait = sample("resolution.customer_wait_started.v1", complaint_id=COMPLAINT_ID)
    first_env, first = sample("resolution.first_response_sent.v1", complaint_id=COMPLAINT_ID)

    assert resolution.process(wait_env, wait) is Outcome.HANDLED
    assert resolution.process(first_env, first) is Outcome.HANDLED

    sla = app.get_sla(COMPLAINT_ID)
    assert sla.clocks["progress"].status.value == "paused"
    assert (sla.clocks["first_response"].status.value, sla.clocks["first_response"].stopped_at,
            sla.clocks["first_response"].stop_reason) == ("stopped", first.sent_at, "responded")
    assert [e.type for e in envelopes(app)][-3:] == [
        "sla.clock_paused.v1", "sla.clock_paused.v1", "sla.clock_stopped.v1"]


def test_two_replicas_racing_record_each_alarm_once(tmp_path: Path, clock: ManualClock):
    one, two = open_app(tmp_path / "s.sqlite", clock), open_app(tmp_path / "s.sqlite", clock)
    one.record(fact("received", T0))
    one.record(fact("classified", T0, severity="P1", category="outage"))
    clock.set(T0 + timedelta(minutes=30))
    sla_id = ComplaintSla.create_id("c-1")
    mine, theirs = one.repository.get(sla_id), two.repository.get(sla_id)
    one.lifecycle.fire_due(mine, clock.now())
    two.lifecycle.fire_due(theirs, clock.now())
    one.save(mine)

    with contextlib.suppress(IntegrityError):
        two.save(theirs)
        raise AssertionError("the second replica's alarms must conflict")
    assert two.fire_due(sla_id)[1] == []  # reloads, finds every alarm recorded
    assert sorted(alarms(one)) == sorted([
        ("sla.warning_raised.v1", str(ComplaintSla.clock_id("c-1", "first_response"))),
        ("sla.breached.v1", str(ComplaintSla.clock_id("c-1", "first_response"))),
        ("sla.escalated.v1", "team_lead"),
    ])
    one.close()
    two.close()


async def run_timer(app: SlaApplication, clock: ManualClock):
    timer = DeadlineTimer(app, DueIndex(app), clock, follow_interval_s=0.05)
    app.listeners.append(timer.wake)
    task = asyncio.create_task(timer.run())
    return timer, task


async def stop(task: asyncio.Task) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def test_the_timer_fires_at_each_instant_and_a_restarted_one_misses_none(
    tmp_path: Path, clock: ManualClock,
):
    app = open_app(tmp_path / "t.sqlite", clock)
    app.record(fact("received", T0))
    app.record(fact("classified", T0, severity="P1", category="outage"))
    timer, task = await run_timer(app, clock)
    first_response = str(ComplaintSla.clock_id("c-1", "first_response"))

    for minutes in (23, 24):
        clock.set(T0 + timedelta(minutes=minutes))
        await asyncio.wait_for(timer.settled(clock.now()), 5)
    assert alarms(app) == [("sla.warning_raised.v1", first_response)]
    await stop(task)
    app.close()

    # A new process: nothing in memory survives; the index is rebuilt from the store.
    app = open_app(tmp_path / "t.sqlite", clock)
    timer, task = await run_timer(app, clock)
    clock.set(T0 + timedelta(minutes=45))
    await asyncio.wait_for(timer.settled(clock.now()), 5)
    await stop(task)

    fired = [(e.type, e.data.get("level")) for e in envelopes(app)
             if e.type.startswith(("sla.warning", "sla.breached", "sla.escalated"))]
    assert fired == [
        ("sla.warning_raised.v1", None), ("sla.breached.v1", None),
        ("sla.escalated.v1", "team_lead"), ("sla.escalated.v1", "department_head"),
    ]
    breach = next(e for e in envelopes(app) if e.type == "sla.breached.v1")
    assert SlaBreached.model_validate(breach.data).breached_at == T0 + timedelta(minutes=30)
    # Caused by the re-base that set the P1 schedule: registered, opened, two clocks started,
    # classified, then first_response re-based as event 6.
    assert breach.causationid == event_id(SOURCE, ComplaintSla.create_id("c-1"), 6)
    warning = SlaWarningRaised.model_validate(envelopes(app)[-4].data)
    assert (warning.share_elapsed, warning.warned_at) == (0.8, T0 + timedelta(minutes=24))
    escalation = SlaEscalated.model_validate(envelopes(app)[-1].data)
    assert escalation.escalated_at == T0 + timedelta(minutes=45)
    app.close()
