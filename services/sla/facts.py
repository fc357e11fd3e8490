"""What the SLA service takes from other services' events: facts about a complaint.

The live service and the what-if replay read events through the same table, so a draft policy
is judged on exactly the facts the service acts on. Choices made here:

- The first-response clock stops on `resolution.first_response_sent.v1` (a person answered the
  customer). Starting an investigation is internal and stops nothing.
- Progress (the P3 progress target, and "in progress" for the CFPB) is a customer-visible
  `resolution.progress_updated.v1` or a `progress_update` notification.
- Resolved is `resolution.resolution_executed.v1`; closed is `complaint.closed.v1`. A
  complaint intake marks a duplicate stops every clock: the original's clocks run instead.
- Waiting on the customer is `resolution.customer_wait_started.v1`; their reply is
  `resolution.customer_replied.v1`. The event's own timestamps are used where it has them,
  otherwise the envelope's time (when the producer recorded it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from contracts.envelope import DomainEvent, Envelope
from contracts.intake import ComplaintClassified, ComplaintMarkedDuplicate, ComplaintReceived
from contracts.resolution import (
    ComplaintClosed,
    ComplaintReopened,
    CustomerNotified,
    CustomerReplied,
    CustomerWaitStarted,
    FirstResponseSent,
    MessageKind,
    NoteVisibility,
    ProgressUpdated,
    ResolutionExecuted,
)
from contracts.sla import SlaClockPaused, SlaClockResumed
from services.sla.policy import Milestone


@dataclass(frozen=True)
class Fact:
    """One thing that happened to a complaint, as the clocks see it."""

    kind: str  # received, classified, milestone, wait, reply, reopened
    complaint_id: str
    tenant: str
    at: datetime
    actor: str
    data: dict[str, Any] = field(default_factory=dict)


ToFact = Callable[[Envelope, Any], "Fact | None"]


def _fact(kind: str, envelope: Envelope, event: Any, at: datetime, actor: str | None,
          **data: Any) -> Fact:
    return Fact(kind, event.complaint_id, envelope.tenant, at, actor or "system", data)


def _milestone(milestone: Milestone, at: Callable[[Envelope, Any], datetime],
               actor: Callable[[Any], str | None]) -> ToFact:
    return lambda env, e: _fact("milestone", env, e, at(env, e), actor(e),
                                milestone=milestone.value)


def _when(env: Envelope, _: Any) -> datetime:
    return env.time


def _progress_note(env: Envelope, e: ProgressUpdated) -> Fact | None:
    if e.visibility is not NoteVisibility.CUSTOMER:
        return None
    return _fact("milestone", env, e, env.time, e.author, milestone=Milestone.PROGRESSED.value)


def _progress_notice(env: Envelope, e: CustomerNotified) -> Fact | None:
    if e.message_kind is not MessageKind.PROGRESS_UPDATE:
        return None
    return _fact("milestone", env, e, env.time, e.notified_by,
                 milestone=Milestone.PROGRESSED.value)


FACTS: dict[type[DomainEvent], ToFact] = {
    ComplaintReceived: lambda env, e: _fact(
        "received", env, e, e.received_at, "intake", channel=e.channel.value,
        customer_tier=e.customer_tier.value, region=e.region, historical=e.historical,
    ),
    ComplaintClassified: lambda env, e: _fact(
        "classified", env, e, env.time, "intake", severity=e.severity.value,
        category=e.category,
    ),
    ComplaintMarkedDuplicate: _milestone(Milestone.DUPLICATE, _when, lambda e: "intake"),
    FirstResponseSent: _milestone(Milestone.RESPONDED, lambda _, e: e.sent_at,
                                  lambda e: e.responder),
    ProgressUpdated: _progress_note,
    CustomerNotified: _progress_notice,
    ResolutionExecuted: _milestone(Milestone.RESOLVED, _when, lambda e: e.executed_by),
    ComplaintClosed: _milestone(Milestone.CLOSED, _when, lambda e: e.closed_by),
    ComplaintReopened: lambda env, e: _fact("reopened", env, e, env.time, e.reopened_by,
                                            reason=e.reason),
    CustomerWaitStarted: lambda env, e: _fact("wait", env, e, e.started_at, e.actor,
                                              reason=e.reason),
    CustomerReplied: lambda env, e: _fact("reply", env, e, e.replied_at, e.recorded_by),
}

# The SLA service's own pause events, for replaying a JSONL history recorded before the
# resolution service published waiting and replies (what-if only).
REPLAYED_SLA_FACTS: dict[type[DomainEvent], ToFact] = {
    SlaClockPaused: lambda env, e: _fact("wait", env, e, e.paused_at, e.actor, reason=e.reason),
    SlaClockResumed: lambda env, e: _fact("reply", env, e, e.resumed_at, "system"),
}


def fact_of(envelope: Envelope, event: DomainEvent) -> Fact | None:
    """The fact an event tells, or None when it tells the clocks nothing."""
    to_fact = FACTS.get(type(event))
    return to_fact(envelope, event) if to_fact else None
