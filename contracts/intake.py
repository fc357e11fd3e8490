"""Events published by intake on `intake.events.v1`."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from contracts.envelope import DomainEvent


class Channel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    WEB = "web"
    APP = "app"
    WECHAT = "wechat"
    SOCIAL = "social"
    STORE = "store"
    THIRD_PARTY = "third_party"
    CFPB = "cfpb"


class Severity(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"


class CustomerTier(StrEnum):
    STANDARD = "standard"
    VIP = "vip"


class Attachment(DomainEvent):
    filename: str
    content_type: str
    size_bytes: int = Field(ge=0)
    sha256: str | None = None


class ComplaintReceived(DomainEvent):
    """A complaint was accepted through a channel and given an id."""

    event_type = "complaint.received.v1"
    complaint_id: str
    channel: Channel
    customer_id: str
    customer_name: str | None = Field(None, description="Personal data")
    customer_contact: str | None = Field(None, description="Personal data: phone or email")
    customer_tier: CustomerTier = CustomerTier.STANDARD
    region: str | None = None
    subject: str
    text: str = Field(description="Free text; encrypted per customer once erasure is supported")
    occurred_at: datetime | None = None
    received_at: datetime
    external_reference: str | None = None
    product: str | None = None
    company: str | None = None
    attachments: tuple[Attachment, ...] = ()
    historical: bool = Field(False, description="Imported history: no SLA alarm may fire")


class ComplaintClassified(DomainEvent):
    """Intake understood the complaint: category, severity and the reasons."""

    event_type = "complaint.classified.v1"
    complaint_id: str
    category: str
    severity: Severity
    confidence: float = Field(ge=0, le=1)
    rules_fired: tuple[str, ...] = ()
    crisis_signals: tuple[str, ...] = ()


class ComplaintMarkedDuplicate(DomainEvent):
    """A submission was linked to an earlier complaint instead of opened anew."""

    event_type = "complaint.duplicate_marked.v1"
    complaint_id: str
    original_complaint_id: str
    similarity: float = Field(ge=0, le=1)
    reason: str


EVENTS: tuple[type[DomainEvent], ...] = (
    ComplaintReceived,
    ComplaintClassified,
    ComplaintMarkedDuplicate,
)
