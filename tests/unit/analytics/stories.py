"""Complaint lifecycles written as the producers publish them, for hand-computed fixtures."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from contracts import dispatch, intake, resolution, sla
from contracts.envelope import DomainEvent, correlation_for, wrap
from contracts.registry import parse
from services.analytics.domain import Consumed

SOURCES = {intake: "/services/intake", dispatch: "/services/dispatch", sla: "/services/sla",
           resolution: "/services/resolution"}


def at(text: str) -> datetime:
    """A UTC instant from 'YYYY-MM-DD HH:MM'."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


class Story:
    """One complaint's events, each published (envelope round-tripped) as its producer would."""

    def __init__(self, name: str, tenant: str = "acme") -> None:
        self.complaint_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{tenant}/{name}"))
        self.tenant = tenant
        self.received_at: datetime | None = None
        self.events: list[Consumed] = []
        self.sequences: dict[str, int] = {}

    def _publish(self, module, event: DomainEvent, when: datetime) -> Story:
        source = SOURCES[module]
        self.sequences[source] = sequence = self.sequences.get(source, 0) + 1
        envelope = wrap(
            event, source=source, subject=self.complaint_id, sequence=sequence,
            tenant=self.tenant, correlation_id=correlation_for(self.complaint_id), time=when,
        )
        self.events.append(Consumed(*parse(json.loads(envelope.model_dump_json()))))
        return self

    def after(self, hours: float) -> datetime:
        assert self.received_at is not None
        return self.received_at + timedelta(hours=hours)

    def received(self, when: str, *, customer: str, channel: str = "web", region: str | None,
                 product: str, historical: bool = False, **extra) -> Story:
        self.received_at = at(when)
        return self._publish(intake, intake.ComplaintReceived(
            complaint_id=self.complaint_id, channel=channel, customer_id=customer,
            region=region, subject="sealed", text="sealed", received_at=self.received_at,
            product=product, historical=historical, **extra,
        ), self.received_at)

    def classified(self, category: str, severity: str) -> Story:
        return self._publish(intake, intake.ComplaintClassified(
            complaint_id=self.complaint_id, category=category, severity=severity, confidence=0.9,
        ), self.after(0.01))

    def history(self, *, timely: bool | None, response: str = "Closed with explanation") -> Story:
        return self._publish(intake, intake.ComplaintHistoryRecorded(
            complaint_id=self.complaint_id, timely=timely, company_response=response,
        ), self.after(0.02))

    def assigned(self, department: str, queue: str, agent: str | None) -> Story:
        return self._publish(dispatch, dispatch.ComplaintAssigned(
            complaint_id=self.complaint_id, queue=queue, agent_id=agent, department=department,
            rule_id="r", rule_set_version="1", strategy="skill_based", reason="test",
        ), self.after(0.1))

    def queued(self, department: str, queue: str) -> Story:
        return self._publish(dispatch, dispatch.ComplaintQueued(
            complaint_id=self.complaint_id, queue=queue, department=department, rule_id="r",
            rule_set_version="1", reason="no agent free",
        ), self.after(0.1))

    def transferred(self, hours: float, *, to_department: str, to_queue: str,
                    to_agent: str | None) -> Story:
        return self._publish(dispatch, dispatch.ComplaintTransferred(
            complaint_id=self.complaint_id, from_queue="q", to_queue=to_queue,
            from_department="d", to_department=to_department, to_agent_id=to_agent,
            reason="skills", transfer_count=1, actor="system",
        ), self.after(hours))

    def first_response(self, hours: float) -> Story:
        return self._publish(resolution, resolution.FirstResponseSent(
            complaint_id=self.complaint_id, responder="agent", sent_at=self.after(hours),
        ), self.after(hours))

    def executed(self, hours: float) -> Story:
        return self._publish(resolution, resolution.ResolutionExecuted(
            complaint_id=self.complaint_id, proposal_id="p1", executed_by="agent",
        ), self.after(hours))

    def closed(self, hours: float, root_cause: str) -> Story:
        return self._publish(resolution, resolution.ComplaintClosed(
            complaint_id=self.complaint_id, closed_by="agent", root_cause_category=root_cause,
            why_chain=("why",),
        ), self.after(hours))

    def reopened(self, hours: float) -> Story:
        return self._publish(resolution, resolution.ComplaintReopened(
            complaint_id=self.complaint_id, reason="not fixed", reopened_by="customer",
        ), self.after(hours))

    def feedback(self, hours: float, csat: int, nps: int | None) -> Story:
        return self._publish(resolution, resolution.FeedbackReceived(
            complaint_id=self.complaint_id, csat=csat, nps=nps,
        ), self.after(hours))

    def clock(self, clock_id: str, target: str, severity: str, *, met: bool | None = None,
              breached: bool = False) -> Story:
        """A clock started on receipt (deadline 24 h), breached at 24 h, stopped at 20 h when
        met and at 30 h when not."""
        self._publish(sla, sla.SlaClockStarted(
            complaint_id=self.complaint_id, clock_id=clock_id, target=target, severity=severity,
            policy_id="p", policy_version="1", calendar_id="c", calendar_version="1",
            started_at=self.after(0), deadline_at=self.after(24), warn_at=self.after(20),
        ), self.after(0.05))
        if breached:
            self._publish(sla, sla.SlaBreached(
                complaint_id=self.complaint_id, clock_id=clock_id, deadline_at=self.after(24),
                breached_at=self.after(24),
            ), self.after(24))
        if met is not None:
            stopped = self.after(20 if met else 30)
            self._publish(sla, sla.SlaClockStopped(
                complaint_id=self.complaint_id, clock_id=clock_id, reason="done",
                stopped_at=stopped, met=met,
            ), stopped)
        return self
