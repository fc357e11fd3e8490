"""The complaint as intake records it, and the index that makes filing idempotent."""

from __future__ import annotations

import uuid
from datetime import datetime

from eventsourcing.domain import Aggregate, event
from pydantic import BaseModel, ConfigDict, Field, field_validator

from contracts.envelope import NAMESPACE
from contracts.intake import Attachment, Channel, CustomerTier

MAX_TEXT_LENGTH = 20_000


class Complaint(Aggregate):
    """A complaint accepted through one channel."""

    @event("Received")
    def __init__(
        self,
        *,
        tenant: str,
        channel: str,
        customer: dict,
        subject: str,
        text: str,
        received_at: datetime,
        occurred_at: datetime | None = None,
        external_reference: str | None = None,
        product: str | None = None,
        company: str | None = None,
        attachments: list[dict] | None = None,
        historical: bool = False,
        cause: str | None = None,
    ) -> None:
        self.tenant = tenant
        self.channel = channel
        self.customer = customer
        self.subject = subject
        self.text = text
        self.received_at = received_at
        self.occurred_at = occurred_at
        self.external_reference = external_reference
        self.product = product
        self.company = company
        self.attachments = attachments or []
        self.historical = historical
        self.status = "received"


class SubmissionKey(Aggregate):
    """Points an idempotency key (or external reference) at the complaint it created."""

    @staticmethod
    def create_id(tenant: str, key: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"submission-key/{tenant}/{key}")

    @event("Claimed")
    def __init__(self, tenant: str, key: str, complaint_id: uuid.UUID) -> None:
        self.complaint_id = complaint_id


class Customer(BaseModel):
    """Who complains; name and contact are personal data."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=128)
    name: str | None = Field(None, max_length=200)
    contact: str | None = Field(None, max_length=200)
    tier: CustomerTier = CustomerTier.STANDARD
    region: str | None = Field(None, max_length=64)


class Submission(BaseModel):
    """One complaint as a channel hands it over, before intake accepts it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    channel: Channel
    customer: Customer
    subject: str = Field(min_length=1, max_length=300)
    text: str = Field(min_length=1, max_length=MAX_TEXT_LENGTH)
    occurred_at: datetime | None = None
    external_reference: str | None = Field(None, max_length=128)
    product: str | None = Field(None, max_length=200)
    company: str | None = Field(None, max_length=200)
    attachments: tuple[Attachment, ...] = Field((), max_length=20)
    historical: bool = False

    @field_validator("subject", "text")
    @classmethod
    def not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value
