"""A channel adapter's submission (complaints.inbound.v1) as the Submission intake files."""

from __future__ import annotations

from pydantic import ValidationError

from contracts.inbound import ComplaintSubmitted
from contracts.intake import ComplaintDetails
from runtime.inbox import Rejected
from services.intake.domain import Submission


def submission_of(event: ComplaintSubmitted) -> Submission:
    """The submission, with the same validation as an HTTP one; Rejected with the reasons."""
    try:
        return Submission(
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


def reasons(error: ValidationError) -> str:
    """What is wrong, by field, without the input: it may be personal data."""
    return "; ".join(
        f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
        for e in error.errors(include_url=False, include_input=False)
    )
