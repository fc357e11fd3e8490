"""Events published by intake on `intake.events.v1`."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import Field

from contracts.envelope import ComplaintEvent, DomainEvent
from contracts.personal import Personal

CHANNEL_DETAIL = (
    "Where within the channel it came: CFPB's 'Submitted via', the store, the social platform, "
    "the WeChat account, the call-centre agent"
)
SEALED = (
    "sealed with the customer's key: a `pii:v1:<key-id>:<base64>` string that only intake "
    "opens (GET /v1/complaints/{id}), unreadable for good once the customer is erased"
)


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


class Language(StrEnum):
    EN = "en"
    ZH = "zh"


class CustomerTier(StrEnum):
    STANDARD = "standard"
    VIP = "vip"


class Attachment(DomainEvent):
    filename: Annotated[str, Personal.TEXT] = Field(
        description="May name the customer: in complaint.received.v1 "
        "sealed with the customer's key like subject and text; plaintext only on the "
        "channels' inbound topic"
    )
    content_type: str
    size_bytes: int = Field(ge=0)
    sha256: str | None = None


class ComplaintDetails(DomainEvent):
    """What a complaint is about, as its channel described it; none of it is personal data.

    Written once: the channels' submission (complaint.submitted), intake's Submission and its
    record of a complaint, and complaint.received all have these fields. The events carry them
    as their own top-level fields, so the published JSON keeps its shape."""

    # The ones reports slice by (analytics), in the order they list them.
    DIMENSIONS: ClassVar[tuple[str, ...]] = (
        "channel_detail", "product", "sub_product", "issue", "company")

    occurred_at: datetime | None = Field(None, description="When the problem happened, if known")
    external_reference: str | None = Field(
        None, description="The channel's own reference, e.g. a ticket or CFPB complaint number"
    )
    product: str | None = None
    company: str | None = None
    channel_detail: str | None = Field(None, description=CHANNEL_DETAIL)
    sub_product: str | None = None
    issue: str | None = Field(None, description="The issue as the channel categorised it")

    @classmethod
    def of(cls, described: Any) -> ComplaintDetails:
        """The details of anything that has them as attributes (a submission, an event), and
        nothing else of it (model_validate would hand back a subclass's instance whole)."""
        return cls(**{name: getattr(described, name) for name in cls.model_fields})


class ComplaintReceived(ComplaintDetails, ComplaintEvent):
    """A complaint was accepted through a channel and given an id."""

    event_type = "complaint.received.v1"
    channel: Channel
    customer_id: str
    customer_name: Annotated[str | None, Personal.NAME] = Field(
        None, description=f"Personal data, {SEALED}"
    )
    customer_contact: Annotated[str | None, Personal.CONTACT] = Field(
        None, description=f"Personal data (phone or email), {SEALED}"
    )
    customer_tier: CustomerTier = CustomerTier.STANDARD
    region: str | None = None
    subject: Annotated[str, Personal.TEXT] = Field(
        description=f"Free text written by the customer, {SEALED}"
    )
    text: Annotated[str, Personal.TEXT] = Field(
        description=f"Free text written by the customer, {SEALED}"
    )
    received_at: datetime
    attachments: tuple[Attachment, ...] = ()
    historical: bool = Field(False, description="Imported history: no SLA alarm may fire")


class RecordedHistory(DomainEvent):
    """How another system (e.g. the CFPB) says a past complaint went, with the original dates."""

    sent_to_company_at: datetime | None = None
    company_response: str | None = Field(
        None, description="e.g. Closed with explanation, Closed with monetary relief, In progress"
    )
    company_public_response: str | None = None
    timely: bool | None = Field(None, description="Whether the company answered in time")
    consumer_disputed: bool | None = Field(None, description="None where it was not recorded")
    tags: tuple[str, ...] = Field((), description="e.g. Older American, Servicemember")
    issue: str | None = None
    sub_issue: str | None = None


class ComplaintHistoryRecorded(RecordedHistory, ComplaintEvent):
    """An imported complaint's past lifecycle was recorded; it is history, no clock runs."""

    event_type = "complaint.history_recorded.v1"


class ComplaintClassified(ComplaintEvent):
    """Intake understood the complaint: category, severity and the reasons."""

    event_type = "complaint.classified.v1"
    category: str
    severity: Severity
    confidence: float = Field(ge=0, le=1)
    rules_fired: tuple[str, ...] = ()
    crisis_signals: tuple[str, ...] = ()
    # Added within v1 (optional), so dispatch can route on this event alone. No personal data:
    # keywords are the taxonomy's own terms that matched, never the customer's words.
    product: str | None = Field(None, description="The product named, or the one predicted")
    language: Language | None = None
    channel: Channel | None = None
    customer_tier: CustomerTier = CustomerTier.STANDARD
    region: str | None = None
    keywords: tuple[str, ...] = Field(
        (), description="Taxonomy keywords found, as taxonomy.yaml spells them (`refund*`: prefix)"
    )
    sentiment: float | None = Field(None, ge=-1, le=1, description="-1 very negative .. 1")
    historical: bool = Field(False, description="Imported history: no SLA alarm may fire")


class ComplaintCategoryCorrected(ComplaintEvent):
    """An agent set the category intake got wrong or left to triage; retraining learns it."""

    event_type = "complaint.category_corrected.v1"
    previous_category: str = Field(description="What intake had decided (`triage` if unsure)")
    category: str = Field(description="The category the agent says it is")
    corrected_by: str = Field(description="The agent's id")
    corrected_at: datetime


class ComplaintMarkedDuplicate(ComplaintEvent):
    """A submission was linked to an earlier complaint instead of opened anew."""

    event_type = "complaint.duplicate_marked.v1"
    original_complaint_id: str
    similarity: float = Field(ge=0, le=1)
    reason: str


class CustomerErased(DomainEvent):
    """A customer's key was destroyed: everything sealed with it is unreadable from now on."""

    event_type = "customer.erased.v1"
    customer_id: str = Field(
        description="Whose data is erased; the envelope's subject (and Kafka key) is not a "
        "complaint id here but the customer's erasure record id, stable per tenant and customer"
    )
    erased_at: datetime
    reason: str = Field(
        description="customer_request, consent_withdrawn, retention_expired or legal_obligation"
    )
    policy_version: str | None = Field(
        None, description="For retention_expired: the version of intake's retention policy "
        "(services/intake/retention.yaml) the erasure was made under"
    )
    retention_rule: str | None = Field(
        None, description="For retention_expired: the rule that fell due, e.g. "
        "`default.personal_data: keep P5Y after closure`"
    )


EVENTS: tuple[type[DomainEvent], ...] = (
    ComplaintReceived,
    ComplaintHistoryRecorded,
    ComplaintClassified,
    ComplaintMarkedDuplicate,
    CustomerErased,
    ComplaintCategoryCorrected,
)
