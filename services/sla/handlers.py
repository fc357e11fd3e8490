"""What the SLA service does with the events it consumes: each one is a fact for the clocks;
dispatch's routing says which department may see a complaint's clocks."""

from __future__ import annotations

from contracts import intake, resolution
from contracts.envelope import DomainEvent, Envelope
from contracts.topics import DISPATCH_EVENTS, INTAKE_EVENTS, RESOLUTION_EVENTS
from runtime import ownership
from runtime.eventstore import Cause
from services.sla.application import SlaApplication
from services.sla.facts import FACTS, fact_of


def record_fact(app: SlaApplication, event: DomainEvent, envelope: Envelope, cause: Cause) -> None:
    """Apply the fact an event tells (see `facts` for which events stop, pause or resume)."""
    fact = fact_of(envelope, event)
    if fact is not None:
        app.record(fact, cause)


def _subscribed(topic_events: tuple[type[DomainEvent], ...]) -> dict:
    return {event_type: record_fact for event_type in topic_events if event_type in FACTS}


SUBSCRIPTIONS = {
    INTAKE_EVENTS: _subscribed(intake.EVENTS),
    RESOLUTION_EVENTS: _subscribed(resolution.EVENTS),
    DISPATCH_EVENTS: ownership.HANDLERS,
}
