"""The SLA of one complaint: what happened to it, and the clocks that run because of it.

Events record facts (received, classified, milestones, waiting on the customer, reopened) and
their effects on clocks (started, paused, resumed, re-based, alarms fired, stopped), with the
computed instants inside, so replaying them needs no policy or calendar. The rules that decide
those effects live in `lifecycle`.
"""

from __future__ import annotations

import uuid
from copy import deepcopy
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate, event

from contracts.envelope import NAMESPACE
from contracts.intake import Severity
from contracts.sla import outcome_before_it_was_published
from runtime.attribution import Attributed
from services.sla.clocks import Clock, Status
from services.sla.policy import Context
from services.sla.tenants import Tenants

# Intake has not classified a complaint when it is received; until it does, this applies.
UNCLASSIFIED = Severity.P3


@dataclass(frozen=True)
class Act:
    """When a fact happened, who did it and which consumed event (id) told us."""

    at: datetime
    actor: str
    cause: str | None = None


class ComplaintSla(Attributed):
    """Every clock of one complaint; alarms fire at most once per clock run."""

    # eventsourcing treats every keyword-only argument of an @event method as required.

    @staticmethod
    def create_id(complaint_id: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"sla/{complaint_id}")

    @staticmethod
    def clock_id(complaint_id: str, key: str) -> uuid.UUID:
        """The published id of one clock; stable across runs, re-bases and restarts."""
        return uuid.uuid5(NAMESPACE, f"sla-clock/{complaint_id}/{key}")

    @event("Registered")
    def __init__(self, *, complaint_id: str, tenant: str) -> None:
        self.complaint_id = complaint_id
        self.tenant = tenant
        self.opened = False
        self.historical = False
        self.channel: str | None = None
        self.customer_tier: str | None = None
        self.region: str | None = None  # where the customer is, as the channel named it
        self.received_at: datetime | None = None
        self.severity = UNCLASSIFIED.value
        self.category: str | None = None
        self.policy_key: tuple[str, str] | None = None
        self.milestones: dict[str, datetime] = {}
        self.waiting_since: datetime | None = None
        self.clocks: dict[str, Clock] = {}
        self.early: list[dict[str, Any]] = []  # facts that arrived before the complaint did

    @property
    def next_seq(self) -> int:
        return self.version + 1

    def context(self, tenants: Tenants) -> Context:
        """What the policy looks at, as the complaint's facts and the tenants' declarations
        left it: regulators by the tenant's jurisdiction and industry, calendars by where the
        customer is (the tenant's jurisdiction when the complaint does not say)."""
        declared = tenants.profile(self.tenant)
        home = declared.jurisdiction if declared else None
        return Context(tenant=self.tenant, channel=self.channel, customer_tier=self.customer_tier,
                       category=self.category, severity=Severity(self.severity),
                       tenant_jurisdiction=home,
                       industry=declared.industry if declared else None,
                       jurisdiction=tenants.jurisdiction_of(self.region) or home)

    # Facts ------------------------------------------------------------------------------

    @event("Opened")
    def _opened(
        self, *, channel: str, customer_tier: str | None, received_at: datetime,
        historical: bool, policy_id: str, policy_version: str, cause: str | None, actor: str,
        region: str | None = None,  # absent from events stored before it was recorded
    ) -> None:
        self.opened = True
        self.channel, self.customer_tier, self.region = channel, customer_tier, region
        self.received_at, self.historical = received_at, historical
        self.policy_key = (policy_id, policy_version)

    @event("Classified")
    def _classified(
        self, *, severity: str, category: str | None, at: datetime, cause: str | None, actor: str
    ) -> None:
        self.severity, self.category = severity, category

    @event("MilestoneReached")
    def _milestone(self, *, milestone: str, at: datetime, cause: str | None, actor: str) -> None:
        self.milestones.setdefault(milestone, at)
        if not self.opened:
            self.early.append({"fact": "milestone", "milestone": milestone, "at": at,
                               "cause": cause, "actor": actor})

    @event("WaitStarted")
    def _wait_started(self, *, at: datetime, reason: str, cause: str | None, actor: str) -> None:
        self.waiting_since = at
        if not self.opened:
            self.early.append({"fact": "wait", "at": at, "reason": reason, "cause": cause,
                               "actor": actor})

    @event("WaitEnded")
    def _wait_ended(self, *, at: datetime, cause: str | None, actor: str) -> None:
        self.waiting_since = None
        if not self.opened:
            self.early.append({"fact": "reply", "at": at, "cause": cause, "actor": actor})

    @event("Reopened")
    def _reopened(self, *, at: datetime, reason: str, cause: str | None, actor: str) -> None:
        for milestone in ("progressed", "resolved", "closed"):
            self.milestones.pop(milestone, None)

    @event("Rebased")
    def _policy_rebased(
        self, *, policy_id: str, policy_version: str, cause: str | None, actor: str
    ) -> None:
        self.policy_key = (policy_id, policy_version)

    @event("EarlyFactsApplied")
    def _early_applied(self) -> None:
        self.early = []

    # Effects on clocks ------------------------------------------------------------------

    @event("ClockStarted")
    def _clock_started(
        self, *, complaint_id: str, clock: dict[str, Any], cause: str | None, actor: str
    ) -> None:
        # Copies: the pending event must keep what it recorded while later events change state.
        self.clocks[clock["key"]] = Clock(
            **deepcopy(clock), schedule_seq=self.next_seq, running_since=clock["started_at"]
        )

    @event("ClockPaused")
    def _clock_paused(
        self, *, complaint_id: str, key: str, target: str, paused_at: datetime,
        consumed_us: int, reason: str, cause: str | None, actor: str,
    ) -> None:
        clock = self.clocks[key]
        clock.status, clock.paused_at, clock.running_since = Status.PAUSED, paused_at, None
        clock.consumed_us = consumed_us

    @event("ClockResumed")
    def _clock_resumed(
        self, *, complaint_id: str, key: str, target: str, resumed_at: datetime,
        paused_us: int, due: dict[str, datetime], deadline_at: datetime | None,
        cause: str | None, actor: str,
        uncovered_years: list[int] | None = None,  # absent from events stored before it
    ) -> None:
        clock = self.clocks[key]
        clock.status, clock.paused_at, clock.running_since = Status.RUNNING, None, resumed_at
        clock.due, clock.schedule_seq = dict(due), self.next_seq
        if uncovered_years is not None:
            clock.uncovered_years = list(uncovered_years)

    @event("ClockRebased")
    def _clock_rebased(
        self, *, complaint_id: str, key: str, target: str, trigger: str,
        changes: dict[str, Any], at: datetime,
        previous_deadline_at: datetime | None, deadline_at: datetime | None, reason: str,
        approval_id: str | None, cause: str | None, actor: str,
    ) -> None:
        clock = self.clocks[key]
        for name, value in deepcopy(changes).items():
            setattr(clock, name, value)
        clock.schedule_seq = self.next_seq

    @event("AlarmFired")
    def _alarm_fired(
        self, *, complaint_id: str, key: str, target: str, alarm: str, at: datetime, share: float,
        deadline_at: datetime | None, cause: str | None, actor: str,
    ) -> None:
        clock = self.clocks[key]
        clock.due.pop(alarm, None)
        clock.fired[alarm] = at

    @event("ClockStopped")
    def _clock_stopped(
        self, *, complaint_id: str, key: str, target: str, stopped_at: datetime,
        reason: str, met: bool, summary_resolution: bool | None, cause: str | None, actor: str,
        outcome: str | None = None, severity: str | None = None,
    ) -> None:
        # Events stored before `outcome` and `severity` existed replay with the defaults.
        clock = self.clocks[key]
        clock.status, clock.stopped_at, clock.stop_reason = Status.STOPPED, stopped_at, reason
        clock.met, clock.summary_resolution = met, summary_resolution
        clock.outcome = outcome or outcome_before_it_was_published(reason, met)
        clock.severity = severity or clock.severity
        clock.due_when_stopped, clock.due, clock.running_since = clock.due, {}, None

    # Guards -------------------------------------------------------------------------------

    def ref(self, key: str) -> dict[str, str]:
        """What every event about one clock names: the complaint, the clock and its target."""
        return {"complaint_id": self.complaint_id, "key": key, "target": self.clocks[key].target}

    def check_alarm_due(self, key: str, alarm: str) -> None:
        clock = self.clocks[key]
        if alarm in clock.fired:
            raise AlarmAlreadyFired(f"{self.complaint_id}/{key}: {alarm} already fired this run")
        if alarm not in clock.due:
            raise AlarmNotScheduled(f"{self.complaint_id}/{key}: {alarm} is not scheduled")

    def check_live(self, key: str) -> None:
        if key not in self.clocks or not self.clocks[key].live:
            raise ClockNotLive(f"{self.complaint_id}: no running or paused clock {key!r}")

    def next_due(self) -> datetime | None:
        """The earliest alarm instant of any clock of this complaint."""
        instants = [at for clock in self.clocks.values() if (at := clock.next_due())]
        return min(instants, default=None)


class AlarmAlreadyFired(Exception):
    """A warning, breach or escalation is recorded at most once per clock run."""


class AlarmNotScheduled(Exception):
    """The alarm is not due for this clock (not in its policy, or the clock stopped)."""


class ClockNotLive(Exception):
    """The clock is stopped or was never started."""


class PolicyHistory(Aggregate):
    """Every version of every policy and calendar file the service ever put in force."""

    @staticmethod
    def create_id() -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, "sla/policy-history")

    @event("Started")
    def __init__(self) -> None:
        self.documents: list[dict[str, Any]] = []

    @event("DocumentRecorded")
    def record(self, *, kind: str, doc_id: str, version: str, sha256: str,
               content: dict[str, Any]) -> None:
        self.documents.append({"kind": kind, "doc_id": doc_id, "version": version,
                               "sha256": sha256, "content": content})

    def knows(self, kind: str, doc_id: str, version: str) -> bool:
        return any((d["kind"], d["doc_id"], d["version"]) == (kind, doc_id, version)
                   for d in self.documents)
