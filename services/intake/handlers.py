"""What intake does with the events it consumes: submissions from channel adapters, and
dispatch's routing (which department may read a complaint's personal data)."""

from __future__ import annotations

from pydantic import ValidationError

from contracts.envelope import Envelope
from contracts.inbound import ComplaintSubmitted
from contracts.intake import ComplaintDetails
from contracts.topics import DISPATCH_EVENTS, INBOUND, INTAKE_EVENTS, RESOLUTION_EVENTS
from runtime import ownership
from runtime.eventstore import Cause
from runtime.inbox import Rejected
from services.intake import closures
from services.intake.application import IntakeApplication
from services.intake.domain import Submission


def file_submission(
    app: IntakeApplication, event: ComplaintSubmitted, envelope: Envelope, cause: Cause
) -> None:
    """A channel adapter's submission gets the same validation as an HTTP one."""
    try:
        submission = Submission(
            channel=event.channel,
            # A mapping, not Customer(...): a refusal then names the field `customer.id`.
            customer={
                "id": event.customer_id, "name": event.customer_name,
                "contact": event.customer_contact, "tier": event.customer_tier,
                "region": event.region,
            },
            subject=event.subject,
            text=event.text,
            **ComplaintDetails.of(event).model_dump(),
            attachments=event.attachments,
            historical=event.historical,
            received_at=event.received_at,
            history=event.history and event.history.model_dump(),
            verified_contacts=[c.model_dump() for c in event.verified_contacts],
        )
    except ValidationError as error:
        raise Rejected(reasons(error)) from error
    app.file_complaint(
        submission, tenant=envelope.tenant, idempotency_key=event.idempotency_key, cause=cause
    )


def reasons(error: ValidationError) -> str:
    """What is wrong, by field, without the input: it may be personal data."""
    return "; ".join(
        f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
        for e in error.errors(include_url=False, include_input=False)
    )


SUBSCRIPTIONS = {
    INBOUND: {ComplaintSubmitted: file_submission},
    DISPATCH_EVENTS: ownership.HANDLERS,
    # Which of a customer's complaints are open, and when the last closed (retention).
    INTAKE_EVENTS: closures.INTAKE_HANDLERS,
    RESOLUTION_EVENTS: closures.RESOLUTION_HANDLERS,
}
