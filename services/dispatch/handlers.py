"""What dispatch does with the events it consumes: received complaints get an owner."""

from __future__ import annotations

from contracts.envelope import Envelope
from contracts.intake import ComplaintReceived
from contracts.topics import INTAKE_EVENTS
from runtime.eventstore import Cause
from services.dispatch.application import DispatchApplication


def assign_received(
    app: DispatchApplication, event: ComplaintReceived, envelope: Envelope, cause: Cause
) -> None:
    """Every received complaint, imported history included, is given to a queue."""
    app.assign(complaint_id=event.complaint_id, tenant=envelope.tenant, cause=cause)


SUBSCRIPTIONS = {INTAKE_EVENTS: {ComplaintReceived: assign_received}}
