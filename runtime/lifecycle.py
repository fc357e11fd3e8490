"""The complaint's lifecycle status as this service last heard it (contracts.lifecycle), kept
the same way by every service: each one consumes the topics of the stages that speak for a
complaint and records, with the effects of each event, the status the event sets.

The `Lifecycle` aggregate lives in the service's own event store; its events are internal (no
translator maps them), so nothing new is published.
"""

from __future__ import annotations

import uuid

from eventsourcing.domain import Aggregate, event

from contracts.envelope import NAMESPACE, DomainEvent, Envelope
from contracts.lifecycle import ComplaintStatus, Stage, current_status, status_set_by
from contracts.topics import DISPATCH_EVENTS, INTAKE_EVENTS, RESOLUTION_EVENTS
from runtime.eventstore import ServiceApplication

# The topics of the stages that speak for a complaint: every service consumes them.
TOPICS = (INTAKE_EVENTS, DISPATCH_EVENTS, RESOLUTION_EVENTS)


class Lifecycle(Aggregate):
    """The latest status each stage has set for one complaint."""

    @staticmethod
    def create_id(complaint_id: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"lifecycle/{complaint_id}")

    @event("Started")
    def __init__(self, *, complaint_id: str, tenant: str) -> None:
        self.complaint_id = complaint_id
        self.tenant = tenant
        self.by_stage: dict[Stage, ComplaintStatus] = {}

    @property
    def status(self) -> ComplaintStatus | None:
        return current_status(self.by_stage)

    def hear(self, stage: Stage, status: ComplaintStatus) -> None:
        """A stage said the complaint's status (no event if it says the same again)."""
        if self.by_stage.get(stage) != status:
            self._status_set(stage=int(stage), status=str(status))

    @event("StatusSet")
    def _status_set(self, *, stage: int, status: str) -> None:
        self.by_stage[Stage(stage)] = ComplaintStatus(status)


def status_of(app: ServiceApplication, complaint_id: str) -> ComplaintStatus | None:
    """The complaint's status as last heard, None before this service heard of it."""
    lifecycle_id = Lifecycle.create_id(complaint_id)
    if lifecycle_id not in app.repository:
        return None
    return app.repository.get(lifecycle_id).status


def changed_by(app: ServiceApplication, envelope: Envelope,
               event: DomainEvent) -> tuple[Lifecycle, ...]:
    """The complaint's lifecycle with the event's status pending (nothing if it sets none)."""
    said = status_set_by(event)
    if said is None:
        return ()
    lifecycle_id = Lifecycle.create_id(envelope.subject)
    if lifecycle_id in app.repository:
        lifecycle = app.repository.get(lifecycle_id)
    else:
        lifecycle = Lifecycle(complaint_id=envelope.subject, tenant=envelope.tenant)
    lifecycle.hear(*said)
    return (lifecycle,)


def sets_status(event: DomainEvent) -> bool:
    """Whether the event says something of the complaint's lifecycle status."""
    return status_set_by(event) is not None
