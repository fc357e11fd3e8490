"""What intake does with the events it consumes: submissions from channel adapters, and
dispatch's routing (which department may read a complaint's personal data)."""

from __future__ import annotations

from contracts.envelope import Envelope
from contracts.inbound import ComplaintSubmitted
from contracts.topics import DISPATCH_EVENTS, INBOUND, INTAKE_EVENTS, RESOLUTION_EVENTS
from runtime import ownership
from runtime.eventstore import Cause
from services.intake import closures
from services.intake.application import IntakeApplication
from services.intake.submissions import submission_of


def file_submission(
    app: IntakeApplication, event: ComplaintSubmitted, envelope: Envelope, cause: Cause
) -> None:
    """A channel adapter's submission gets the same validation as an HTTP one; it was
    validated and read with its batch's (IntakeApplication.prepare) unless it comes alone."""
    submission, reading = app.prepared(envelope.id) or (submission_of(event), None)
    app.file_complaint(
        submission, tenant=envelope.tenant, idempotency_key=event.idempotency_key,
        cause=cause, reading=reading,
    )


SUBSCRIPTIONS = {
    INBOUND: {ComplaintSubmitted: file_submission},
    DISPATCH_EVENTS: ownership.HANDLERS,
    # Which of a customer's complaints are open, and when the last closed (retention).
    INTAKE_EVENTS: closures.INTAKE_HANDLERS,
    RESOLUTION_EVENTS: closures.RESOLUTION_HANDLERS,
}
