"""The SLA service's use cases: apply facts to clocks, fire due alarms, re-base, extend."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from eventsourcing.application import AggregateNotFoundError

from contracts.envelope import event_id
from runtime.eventstore import Cause, ServiceApplication
from runtime.transact import transact
from services.sla import metrics
from services.sla.catalog import Catalog, Document
from services.sla.domain import Act, ComplaintSla, PolicyHistory
from services.sla.facts import Fact
from services.sla.lifecycle import Lifecycle
from services.sla.timesource import TimeSource

T = TypeVar("T")
# The events that set a clock's schedule: each says which years it reached that its calendar
# does not cover.
SCHEDULED = (ComplaintSla.ClockStarted, ComplaintSla.ClockResumed, ComplaintSla.ClockRebased)
# Optimistic concurrency: another replica (or this one's timer) may save the same complaint
# first; the change is then recomputed from the newer state.
ATTEMPTS = 8


class SlaApplication(ServiceApplication):
    """Keeps the deadline clocks of complaints."""

    def __init__(self, *, catalog: Catalog, time: TimeSource, source: str, env: Any = None):
        super().__init__(env=env)
        self.catalog = catalog
        self.time = time
        self.source = source
        self.lifecycle = Lifecycle(catalog, self.schedule_cause)
        self.listeners: list[Callable[[], None]] = []

    def save(self, *objs: Any, cause: Cause | None = None, **kwargs: Any) -> Any:
        """Save, count the alarms recorded, and tell listeners (relay, timer) to look."""
        recordings = super().save(*objs, cause=cause, **kwargs)
        for recording in recordings:
            stored = recording.domain_event
            if isinstance(stored, ComplaintSla.AlarmFired):
                sla = next(o for o in objs if getattr(o, "id", None) == stored.originator_id)
                clock = sla.clocks[stored.key]
                metrics.count_alarm(stored.alarm, clock.severity, clock.target)
            elif isinstance(stored, SCHEDULED):
                sla = next(o for o in objs if getattr(o, "id", None) == stored.originator_id)
                clock = sla.clocks[_clock_key(stored)]
                metrics.count_uncovered(clock.calendar_id, _uncovered(stored))
        for listener in self.listeners:
            listener()
        return recordings

    def schedule_cause(self, sla: ComplaintSla, sequence: int) -> str:
        """The published event that set a clock's schedule: the cause of its alarms."""
        return str(event_id(self.source, sla.id, sequence))

    # Policies ---------------------------------------------------------------------------

    def put_in_force(self, documents: list[Document]) -> list[Document]:
        """Make these policy and calendar versions active; returns those recorded for the first
        time. Every version ever in force stays known, so running clocks keep theirs."""

        def attempt() -> list[Document]:
            history = self._policy_history()
            for known in history.documents:
                self.catalog.remember(Document(**known))
            self.catalog.activate(documents)
            new = [d for d in documents if not history.knows(d.kind, d.doc_id, d.version)]
            for d in new:
                history.record(kind=d.kind, doc_id=d.doc_id, version=d.version,
                               sha256=d.sha256, content=d.content)
            if new:
                self.save(history)
            return new

        return transact(self, attempt, cause=None, attempts=ATTEMPTS)

    def _policy_history(self) -> PolicyHistory:
        try:
            return self.repository.get(PolicyHistory.create_id())
        except AggregateNotFoundError:
            return PolicyHistory()

    # Use cases --------------------------------------------------------------------------

    def record(self, fact: Fact, cause: Cause | None = None) -> None:
        """Apply what another service reported to the complaint's clocks, exactly once."""
        cause_id = str(cause.event_id) if cause else None
        self._change(
            fact.complaint_id,
            lambda sla: self.lifecycle.apply(sla, fact, cause=cause_id, now=self.time.now()),
            cause=cause, tenant=fact.tenant,
        )

    def rebase(self, complaint_id: str, *, actor: str, reason: str) -> list[str]:
        """Move a complaint's running clocks onto the policy in force; returns the clock keys."""
        act = Act(self.time.now(), actor)
        return self._change(complaint_id, lambda sla: self.lifecycle.rebase(
            sla, act=act, reason=reason))

    def extend(self, complaint_id: str, key: str, *, actor: str, reason: str,
               approval_id: str | None) -> None:
        """Extend a regulatory deadline by the next step its rule allows."""
        act = Act(self.time.now(), actor)
        self._change(complaint_id, lambda sla: self.lifecycle.extend(
            sla, key, act=act, reason=reason, approval_id=approval_id))

    def fire_due(self, sla_id: uuid.UUID) -> tuple[ComplaintSla, list[tuple[str, str]]]:
        """Record the alarms due now; a replica that lost the race finds nothing left to fire."""

        def attempt() -> tuple[ComplaintSla, list[tuple[str, str]]]:
            sla = self.repository.get(sla_id)
            fired = self.lifecycle.fire_due(sla, self.time.now())
            if fired:
                self.save(sla)
            return sla, fired

        return transact(self, attempt, cause=None, attempts=ATTEMPTS)

    def get_sla(self, complaint_id: str) -> ComplaintSla:
        """A complaint's clocks (AggregateNotFoundError if the service never heard of it)."""
        return self.repository.get(ComplaintSla.create_id(complaint_id))

    def stored_events(self, complaint_id: str) -> list[Any]:
        """Every event of a complaint's SLA, oldest first (the ledger is read from these)."""
        return list(self.events.get(ComplaintSla.create_id(complaint_id)))

    def _change(self, complaint_id: str, change: Callable[[ComplaintSla], T], *,
                cause: Cause | None = None, tenant: str | None = None) -> T:
        sla_id = ComplaintSla.create_id(complaint_id)

        def attempt() -> T:
            if sla_id in self.repository:
                sla = self.repository.get(sla_id)
            elif tenant is not None:
                sla = ComplaintSla(complaint_id=complaint_id, tenant=tenant)
            else:
                raise AggregateNotFoundError(sla_id)
            result = change(sla)
            self.save(sla, cause=cause)
            return result

        return transact(self, attempt, cause=cause, attempts=ATTEMPTS)


def _clock_key(scheduled: Any) -> str:
    return scheduled.clock["key"] if isinstance(scheduled, ComplaintSla.ClockStarted) else (
        scheduled.key)


def _uncovered(scheduled: Any) -> list[int]:
    if isinstance(scheduled, ComplaintSla.ClockStarted):
        return scheduled.clock.get("uncovered_years", [])
    if isinstance(scheduled, ComplaintSla.ClockRebased):
        return scheduled.changes.get("uncovered_years", [])
    return getattr(scheduled, "uncovered_years", None) or []
