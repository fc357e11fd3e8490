"""What notify consumes: every event of the domain topics goes through the rules (which may
name any published type, e.g. resolution.task_deadline_missed.v1 where resolution publishes
it); intake's and dispatch's also tell it the customer, language and owner."""

from __future__ import annotations

from contracts.envelope import DomainEvent, Envelope
from contracts.registry import TOPIC_EVENTS
from contracts.topics import (
    ANALYTICS_EVENTS,
    DISPATCH_EVENTS,
    INTAKE_EVENTS,
    RESOLUTION_EVENTS,
    SLA_EVENTS,
)
from runtime.eventstore import Cause
from services.notify.application import NotifyApplication

CONSUMED = (INTAKE_EVENTS, DISPATCH_EVENTS, SLA_EVENTS, RESOLUTION_EVENTS, ANALYTICS_EVENTS)


def notify(app: NotifyApplication, event: DomainEvent, envelope: Envelope, cause: Cause) -> None:
    """Plan (and cancel) the messages the event calls for, exactly once per event."""
    app.on_event(event, envelope, cause)


SUBSCRIPTIONS = {
    topic: {event_type: notify for event_type in TOPIC_EVENTS[topic]} for topic in CONSUMED
}
