"""What the work service does with the events it consumes: every event of the four stage topics
goes into the read model (the projection skips what it does not fold)."""

from __future__ import annotations

from contracts import dispatch, intake, resolution, sla
from contracts.envelope import DomainEvent, Envelope
from contracts.topics import DISPATCH_EVENTS, INTAKE_EVENTS, RESOLUTION_EVENTS, SLA_EVENTS
from runtime.eventstore import Cause
from services.work.application import WorkApplication


def project(app: WorkApplication, event: DomainEvent, envelope: Envelope, cause: Cause) -> None:
    """Apply the event to the read model; the inbox records it as processed afterwards."""
    app.project(envelope, event)


SUBSCRIPTIONS = {
    topic: {event_type: project for event_type in events}
    for topic, events in (
        (INTAKE_EVENTS, intake.EVENTS), (DISPATCH_EVENTS, dispatch.EVENTS),
        (SLA_EVENTS, sla.EVENTS), (RESOLUTION_EVENTS, resolution.EVENTS),
    )
}
