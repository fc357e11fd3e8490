"""The rules of the clock lifecycle: what each fact does to a complaint's clocks.

Pure: it reads policies and calendars from an in-memory catalog and records events on the
aggregate. Before applying a fact that happened at `at`, every alarm due by then fires, so a
late or replayed fact never skips a breach that already happened.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from contracts.intake import Severity
from contracts.sla import ClockOutcome
from services.sla.calendar import Calendar
from services.sla.catalog import Catalog
from services.sla.clocks import (
    BREACH,
    Clock,
    Status,
    micros,
    schedule,
    timing,
    uncovered_years,
)
from services.sla.domain import Act, ComplaintSla
from services.sla.facts import Fact
from services.sla.policy import ClockSpec, Milestone
from services.sla.recompute import Recomputation


class Lifecycle(Recomputation):
    """Applies facts to a complaint's SLA under a catalog of policies and calendars."""

    def __init__(self, catalog: Catalog, cause_of_schedule: Callable[[ComplaintSla, int], str]):
        self.catalog = catalog
        self.cause_of_schedule = cause_of_schedule

    # Facts ------------------------------------------------------------------------------

    def received(self, sla: ComplaintSla, *, channel: str, customer_tier: str | None,
                 region: str | None, historical: bool, act: Act, now: datetime) -> None:
        """Open the complaint and start the clocks its policy asks for, counted from receipt."""
        if sla.opened:
            return
        policy = self.catalog.active_policy(sla.tenant)
        sla._opened(channel=channel, customer_tier=customer_tier, region=region,
                    received_at=act.at,
                    historical=historical, policy_id=policy.policy_id,
                    policy_version=policy.version, cause=act.cause, actor=act.actor)
        if historical:
            return
        for spec in policy.clock_specs(sla.context(self.catalog.tenants)).values():
            if spec.rule.starts_on is None:
                self._start(sla, spec, act.at, act)
        early = sorted(sla.early, key=lambda fact: fact["at"])
        if early:
            sla._early_applied()
        for fact in early:
            fact_act = Act(fact["at"], fact["actor"], fact["cause"])
            self.fire_due(sla, min(fact["at"], now))
            {"milestone": lambda f, a: self._milestone_effects(sla, f["milestone"], a),
             "wait": lambda f, a: self._pause_all(sla, f["reason"], a),
             "reply": lambda f, a: self._resume_all(sla, a)}[fact["fact"]](fact, fact_act)

    def classified(self, sla: ComplaintSla, *, severity: Severity, category: str | None,
                   act: Act, now: datetime) -> None:
        """A new severity or category recomputes the deadlines under the complaint's policy."""
        if sla.historical or (severity.value, category) == (sla.severity, sla.category):
            return
        self.fire_due(sla, min(act.at, now))
        sla._classified(severity=severity.value, category=category, at=act.at,
                        cause=act.cause, actor=act.actor)
        if sla.opened:
            self._reconcile(sla, self.catalog.policy(*sla.policy_key), "severity", act,
                            reason=f"classified {severity.value}, category {category}")

    def milestone(self, sla: ComplaintSla, milestone: str, *, act: Act, now: datetime) -> None:
        """Stop the clocks this milestone ends; start those it starts (e.g. CFPB final)."""
        if sla.historical or milestone in sla.milestones:
            return
        self.fire_due(sla, min(act.at, now))
        sla._milestone(milestone=milestone, at=act.at, cause=act.cause, actor=act.actor)
        if sla.opened:
            self._milestone_effects(sla, milestone, act)

    def waiting(self, sla: ComplaintSla, *, reason: str, act: Act, now: datetime) -> None:
        """Waiting on the customer pauses every pausable running clock."""
        if sla.historical or sla.waiting_since is not None:
            return
        self.fire_due(sla, min(act.at, now))
        sla._wait_started(at=act.at, reason=reason, cause=act.cause, actor=act.actor)
        if sla.opened:
            self._pause_all(sla, reason, act)

    def replied(self, sla: ComplaintSla, *, act: Act, now: datetime) -> None:
        """The customer's reply resumes paused clocks; their alarms move by the pause."""
        if sla.historical or sla.waiting_since is None:
            return
        self.fire_due(sla, min(act.at, now))
        sla._wait_ended(at=act.at, cause=act.cause, actor=act.actor)
        if sla.opened:
            self._resume_all(sla, act)

    def reopened(self, sla: ComplaintSla, *, reason: str, act: Act, now: datetime) -> None:
        """A reopened complaint runs its resolution clocks again, from the reopening."""
        if sla.historical or not sla.opened:
            return
        self.fire_due(sla, min(act.at, now))
        sla._reopened(at=act.at, reason=reason, cause=act.cause, actor=act.actor)
        specs = self.catalog.policy(*sla.policy_key).clock_specs(sla.context(self.catalog.tenants))
        for key, clock in list(sla.clocks.items()):
            if clock.rule["restart_on_reopen"] and key in specs:
                if clock.live:
                    self._stop(sla, key, "restarted on reopen", act, cancelled=True)
                self._start(sla, specs[key], act.at, act, run=clock.run + 1)

    def fire_due(self, sla: ComplaintSla, now: datetime) -> list[tuple[str, str]]:
        """Record every alarm due by `now`, once each; returns (clock key, alarm) fired."""
        fired = []
        for key, clock in sla.clocks.items():
            for at, alarm in clock.alarms_due(now):
                sla.check_alarm_due(key, alarm)
                sla._alarm_fired(
                    **sla.ref(key), alarm=alarm, at=at, share=clock.thresholds[alarm],
                    deadline_at=clock.deadline_at,
                    cause=self.cause_of_schedule(sla, clock.schedule_seq), actor="system",
                )
                fired.append((key, alarm))
        return fired

    # Effects ----------------------------------------------------------------------------

    def _milestone_effects(self, sla: ComplaintSla, milestone: str, act: Act) -> None:
        for key, clock in list(sla.clocks.items()):
            reached = milestone in clock.rule["stops_on"]
            if clock.live and (reached or milestone == Milestone.DUPLICATE):
                self._stop(sla, key, milestone, act, cancelled=not reached)
        policy = self.catalog.policy(*sla.policy_key)
        for key, spec in policy.clock_specs(sla.context(self.catalog.tenants)).items():
            stopped = any(m.value in sla.milestones for m in spec.rule.stops_on or ())
            if spec.rule.starts_on == milestone and key not in sla.clocks and not stopped:
                self._start(sla, spec, sla.received_at, act)

    def _start(self, sla: ComplaintSla, spec: ClockSpec, started_at: datetime, act: Act,
               run: int = 1) -> None:
        calendar = self.catalog.calendar(spec.calendar_id)
        summary_days = spec.rule.summary_business_days
        summary_by = (calendar.close_of_business_day_after(started_at, summary_days)
                      if summary_days else None)
        sla._clock_started(complaint_id=sla.complaint_id, clock={
            "key": spec.key, "target": spec.target.value, "regime": spec.regime,
            "severity": spec.severity.value, "policy_id": spec.policy_id,
            "policy_version": spec.policy_version, "calendar_id": calendar.calendar_id,
            "calendar_version": calendar.version, "rule": spec.rule.model_dump(mode="json"),
            "thresholds": spec.thresholds(), "gaming_share": spec.gaming_share, "run": run,
            "started_at": started_at, "summary_by": summary_by,
            **timing(spec.rule, calendar, started_at, spec.thresholds(), also=summary_by),
        }, cause=act.cause, actor=act.actor)
        if sla.waiting_since is not None and spec.rule.pausable:
            self._pause(sla, spec.key, "waiting on the customer",
                        Act(max(started_at, sla.waiting_since), act.actor, act.cause))

    def _stop(self, sla: ComplaintSla, key: str, reason: str, act: Act,
              cancelled: bool = False) -> None:
        """Stop a clock: met, or cancelled when its target stopped applying; a breach that
        already fired stays a breach either way. It records the complaint's severity."""
        clock = sla.clocks[key]
        outcome = (ClockOutcome.BREACHED if BREACH in clock.fired
                   else ClockOutcome.CANCELLED if cancelled else ClockOutcome.MET)
        sla._clock_stopped(
            **sla.ref(key), stopped_at=act.at, reason=reason,
            met=outcome is ClockOutcome.MET, outcome=outcome.value, severity=sla.severity,
            summary_resolution=act.at <= clock.summary_by if clock.summary_by else None,
            cause=act.cause, actor=act.actor,
        )

    def _pause_all(self, sla: ComplaintSla, reason: str, act: Act) -> None:
        for key, clock in sla.clocks.items():
            if clock.status is Status.RUNNING and clock.rule["pausable"]:
                self._pause(sla, key, reason, act)

    def _pause(self, sla: ComplaintSla, key: str, reason: str, act: Act) -> None:
        clock = sla.clocks[key]
        consumed = clock.consumed_at(act.at, self.counting(clock))
        sla._clock_paused(**sla.ref(key), paused_at=act.at, consumed_us=micros(consumed),
                          reason=reason, cause=act.cause, actor=act.actor)

    def _resume_all(self, sla: ComplaintSla, act: Act) -> None:
        for key, clock in sla.clocks.items():
            if clock.status is Status.PAUSED:
                counting = self.counting(clock)
                at = max(act.at, clock.paused_at)
                due = schedule(counting, at, clock.allowed, clock.consumed, clock.thresholds,
                               set(clock.fired))
                reach = max(due.values(), default=None)  # only business time pauses
                sla._clock_resumed(
                    **sla.ref(key), resumed_at=at,
                    paused_us=micros(counting.between(clock.paused_at, at)), due=due,
                    deadline_at=clock.fired.get(BREACH) or due.get(BREACH),
                    uncovered_years=uncovered_years(counting, at, reach),
                    cause=act.cause, actor=act.actor,
                )

    def counting(self, clock: Clock) -> Calendar:
        """The calendar a clock counts in, at the version it records."""
        return self.catalog.counting(clock.calendar_id, clock.calendar_version,
                                     clock.business_time)

    def apply(self, sla: ComplaintSla, fact: Fact, *, cause: str | None, now: datetime) -> None:
        """Apply one fact, routed by its kind."""
        _APPLY[fact.kind](self, sla, fact.data, Act(fact.at, fact.actor, cause), now)


_APPLY = {
    "received": lambda lc, sla, d, act, now: lc.received(
        sla, channel=d["channel"], customer_tier=d.get("customer_tier"), region=d.get("region"),
        historical=d.get("historical", False), act=act, now=now),
    "classified": lambda lc, sla, d, act, now: lc.classified(
        sla, severity=Severity(d["severity"]), category=d.get("category"), act=act, now=now),
    "milestone": lambda lc, sla, d, act, now: lc.milestone(sla, d["milestone"], act=act, now=now),
    "wait": lambda lc, sla, d, act, now: lc.waiting(sla, reason=d["reason"], act=act, now=now),
    "reply": lambda lc, sla, d, act, now: lc.replied(sla, act=act, now=now),
    "reopened": lambda lc, sla, d, act, now: lc.reopened(sla, reason=d["reason"], act=act,
                                                         now=now),
}
