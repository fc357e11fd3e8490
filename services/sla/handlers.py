"""What the SLA service does with the events it consumes: live complaints start a clock."""

from __future__ import annotations

from contracts.envelope import Envelope
from contracts.intake import ComplaintReceived
from contracts.topics import INTAKE_EVENTS
from runtime.eventstore import Cause
from services.sla.application import SlaApplication


def start_resolution_clock(
    app: SlaApplication, event: ComplaintReceived, envelope: Envelope, cause: Cause
) -> None:
    """A live complaint must be resolved in time; imported history never runs a clock."""
    if event.historical:
        return
    app.start_clock(
        complaint_id=event.complaint_id, tenant=envelope.tenant, started_at=event.received_at,
        cause=cause,
    )


SUBSCRIPTIONS = {INTAKE_EVENTS: {ComplaintReceived: start_resolution_clock}}
