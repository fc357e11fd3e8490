"""What channel adapters publish on `complaints.inbound.v1`, before intake accepts it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field

from contracts.envelope import DomainEvent
from contracts.intake import (
    Attachment,
    Channel,
    ComplaintDetails,
    CustomerTier,
    RecordedHistory,
)
from contracts.personal import Personal


class VerifiedContact(DomainEvent):
    """A contact point the adapter's channel verified itself (never one the customer typed)."""

    kind: str = Field(description="phone, email, wechat (openid) or account (customer number)")
    value: Annotated[str, Personal.CONTACT] = Field(description="Personal data")
    verified_by: str = Field(
        description="caller_id, sender_address, openid, signed_in or one_time_code; which "
        "channel may claim which is intake's VOUCHING table (services/intake/identity.py)")


class ComplaintSubmitted(ComplaintDetails):
    """A customer submitted a complaint on a channel; intake has not yet accepted it."""

    event_type = "complaint.submitted.v1"
    submission_id: str = Field(
        min_length=1, description="Adapter-assigned id; the Kafka key of complaints.inbound.v1"
    )
    channel: Channel
    customer_id: str = Field(
        min_length=1, description="The channel's customer identifier (account, phone, open id)"
    )
    customer_name: str | None = Field(None, description="Personal data")
    customer_contact: str | None = Field(None, description="Personal data: phone or email")
    customer_tier: CustomerTier = CustomerTier.STANDARD
    region: str | None = Field(None, description="Province, state or sales region")
    subject: str = Field(min_length=1)
    text: str = Field(min_length=1, description="The complaint in the customer's words")
    idempotency_key: str = Field(
        min_length=1,
        description="Stable across resends of the same submission; intake accepts a key once",
    )
    attachments: tuple[Attachment, ...] = ()
    historical: bool = Field(
        False, description="Imported history: filed with its original dates, no SLA clock"
    )
    received_at: datetime | None = Field(
        None, description="When it was originally received; accepted for historical ones only"
    )
    history: RecordedHistory | None = Field(
        None, description="Its past lifecycle; accepted for historical ones only"
    )
    verified_contacts: tuple[VerifiedContact, ...] = Field(
        (), description="Contact points the channel verified: they link the customer's ids "
        "across channels to one person")
    raw: dict[str, Any] = Field(
        default_factory=dict, description="Channel-specific payload, passed through untouched"
    )


EVENTS: tuple[type[DomainEvent], ...] = (ComplaintSubmitted,)
