"""What resolution does with the events it consumes: an assigned complaint gets a case."""

from __future__ import annotations

from contracts.dispatch import ComplaintAssigned
from contracts.envelope import Envelope
from contracts.topics import DISPATCH_EVENTS
from runtime.eventstore import Cause
from services.resolution.application import ResolutionApplication


def open_assigned_case(
    app: ResolutionApplication, event: ComplaintAssigned, envelope: Envelope, cause: Cause
) -> None:
    """A complaint with an owner is ready to be worked: open its case for that owner."""
    app.open_case(
        complaint_id=event.complaint_id, tenant=envelope.tenant, owner_queue=event.queue,
        owner_agent_id=event.agent_id, cause=cause,
    )


SUBSCRIPTIONS = {DISPATCH_EVENTS: {ComplaintAssigned: open_assigned_case}}
