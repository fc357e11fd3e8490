"""The complaint as intake records it, the index that makes filing idempotent, and erasures.

Personal fields (customer name and contact, subject, text, attachment names) reach the domain
already sealed by the application: the domain never sees plaintext and never needs to.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum

from eventsourcing.domain import Aggregate, event
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from contracts.envelope import NAMESPACE
from contracts.intake import Attachment, Channel, ComplaintDetails, CustomerTier, RecordedHistory
from runtime.attribution import Attributed, recall_own_id
from services.intake.customer_ids import normalise_customer_id
from services.intake.identity import MAX_VERIFIED, VerifiedContact, check_vouched

# Never refuse a customer for writing too much: a real CFPB narrative runs to 21,928 characters,
# and this is 45 times that. The body limit (IntakeSettings.max_body_bytes, 413) and the topics'
# max.message.bytes (contracts.topics) are sized for it: 1M characters of 4 bytes, sealed.
MAX_TEXT_LENGTH = 1_000_000
CUSTOMER_ID = ("Normalised on arrival (services/intake/customer_ids.py): NFKC, trimmed, one "
               "case unless the source (the part before ':', e.g. wechat) is case-sensitive; "
               "invisible or control characters are refused")
UNDETERMINED = "und"  # ISO 639-2: the language of complaints received before it was detected
# The longest detail intake accepts, in characters.
DETAIL_LIMITS = {"external_reference": 128, "product": 200, "company": 200,
                 "channel_detail": 200, "sub_product": 200, "issue": 200}


@dataclass(frozen=True)
class Understood:
    """Intake's reading of a complaint: rule ids and taxonomy terms only, never its text."""

    category: str
    product: str | None
    confidence: float
    severity: str
    rules_fired: tuple[str, ...]
    crisis_signals: tuple[str, ...]
    keywords: tuple[str, ...]
    sentiment: float

    def as_event(self) -> dict:
        fields = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in fields.items()}


class Complaint(Attributed):
    """A complaint accepted through one channel; personal fields are sealed `pii:v1:` strings.
    Its id is the complaint id, which is how events stored before they named it get it."""

    upcast_attribution = staticmethod(recall_own_id)

    class Received(Aggregate.Created):
        """Version 2 added `language`; events stored before it are upcast as undetermined.
        Version 3 holds what the complaint is about as one dict (contracts' ComplaintDetails)
        where earlier versions had its fields side by side."""

        class_version = 3
        tenant: str
        channel: str
        customer: dict
        subject: str
        text: str
        received_at: datetime
        details: dict
        attachments: list[dict] | None = None
        historical: bool = False
        cause: str | None = None
        language: str = UNDETERMINED

        @staticmethod
        def upcast_v1_v2(state: dict) -> None:
            # The text is sealed, so the language of an old complaint cannot be found out now.
            state["language"] = UNDETERMINED

        @staticmethod
        def upcast_v2_v3(state: dict) -> None:
            # Fields added after version 1 (channel_detail, sub_product, issue) may be absent.
            state["details"] = {name: state.pop(name, None)
                                for name in ComplaintDetails.model_fields}

        @property
        def complaint_id(self) -> str:
            # The aggregate's id (runtime.attribution): so every Received names it, whenever
            # it was stored; its tenant it always named.
            return str(self.originator_id)

    @event(Received)
    def __init__(
        self,
        *,
        tenant: str,
        channel: str,
        customer: dict,
        subject: str,
        text: str,
        received_at: datetime,
        details: dict,
        attachments: list[dict] | None = None,
        historical: bool = False,
        cause: str | None = None,
        language: str = UNDETERMINED,
    ) -> None:
        self.tenant = tenant
        self.channel = channel
        self.customer = customer
        self.subject = subject
        self.text = text
        self.received_at = received_at
        self.details = ComplaintDetails.model_validate(details)
        self.attachments = attachments or []
        self.historical = historical
        self.history: dict | None = None
        self.language = language
        self.understanding: dict | None = None
        self.duplicate_of: str | None = None
        self.status = "received"

    @property
    def complaint_id(self) -> str:
        return str(self.id)

    def __getattr__(self, name: str) -> object:
        # Its details read as its own attributes (complaint.product), as they always have.
        if name in ComplaintDetails.model_fields and "details" in self.__dict__:
            return getattr(self.details, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def classify(self, *, classification: Understood) -> None:
        """Record what intake understood from the plaintext: category, severity, reasons."""
        self.check_not_understood()
        customer = self.customer
        self._classified(
            **classification.as_event(), language=self.language, channel=self.channel,
            customer_tier=customer.get("tier", CustomerTier.STANDARD.value),
            region=customer.get("region"), historical=self.historical,
        )

    @event("Classified")
    def _classified(
        self, *, category: str, product: str | None, confidence: float, severity: str,
        rules_fired: list[str], crisis_signals: list[str], keywords: list[str],
        sentiment: float, language: str, channel: str, customer_tier: str,
        region: str | None, historical: bool,
    ) -> None:
        self.understanding = {"category": category, "severity": severity,
                              "confidence": confidence}

    def correct_category(self, *, category: str, agent_id: str, at: datetime) -> None:
        """Record an agent's category instead of the one intake decided."""
        self.check_classified()
        previous = self.understanding["category"]  # type: ignore[index]
        self._category_corrected(
            previous_category=previous, category=category, corrected_by=agent_id,
            corrected_at=at,
        )

    @event("CategoryCorrected")
    def _category_corrected(
        self, *, previous_category: str, category: str, corrected_by: str,
        corrected_at: datetime,
    ) -> None:
        self.understanding = {**(self.understanding or {}), "category": category}

    def check_classified(self) -> None:
        if self.understanding is None:
            raise NotClassified(f"{self.id} has no category to correct")

    def mark_duplicate(self, *, original_id: uuid.UUID, similarity: float, reason: str) -> None:
        """Link this complaint to the earlier one it repeats, instead of understanding it anew."""
        self.check_not_understood()
        self._marked_duplicate(original_id=str(original_id), similarity=similarity, reason=reason)

    @event("DuplicateMarked")
    def _marked_duplicate(self, *, original_id: str, similarity: float, reason: str) -> None:
        self.duplicate_of = original_id

    def check_not_understood(self) -> None:
        if self.understanding is not None or self.duplicate_of is not None:
            raise AlreadyUnderstood(f"{self.id} is already classified or marked a duplicate")

    def record_history(self, history: History) -> None:
        """Record how an imported complaint went before intake knew it (history only)."""
        self.check_historical()
        self._history_recorded(**{**history.model_dump(), "tags": list(history.tags)})

    @event("HistoryRecorded")
    def _history_recorded(
        self, *, sent_to_company_at: datetime | None, company_response: str | None,
        company_public_response: str | None, timely: bool | None,
        consumer_disputed: bool | None, tags: list[str], issue: str | None,
        sub_issue: str | None,
    ) -> None:
        self.history = {
            "sent_to_company_at": sent_to_company_at, "company_response": company_response,
            "company_public_response": company_public_response, "timely": timely,
            "consumer_disputed": consumer_disputed, "tags": tags, "issue": issue,
            "sub_issue": sub_issue,
        }

    def check_historical(self) -> None:
        if not self.historical:
            raise NotHistorical(f"{self.id} is live: only imported history has a past")


class SubmissionKey(Aggregate):
    """Points an idempotency key (or external reference) at the complaint it created."""

    @staticmethod
    def create_id(tenant: str, key: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"submission-key/{tenant}/{key}")

    @event("Claimed")
    def __init__(self, tenant: str, key: str, complaint_id: uuid.UUID) -> None:
        self.complaint_id = complaint_id


class PersonalData(Aggregate):
    """One customer's personal data held by intake: which of their keys were erased, when."""

    @staticmethod
    def create_id(tenant: str, customer_id: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"personal-data/{tenant}/{customer_id}")

    @event("Registered")
    def __init__(self, tenant: str, customer_id: str) -> None:
        self.tenant = tenant
        self.customer_id = customer_id
        self.erased_keys: list[str | None] = []

    def is_erased(self, key_id: str | None) -> bool:
        """Whether erasing this key (None: no key is held) is already on record."""
        return key_id in self.erased_keys if key_id else bool(self.erased_keys)

    def erase(
        self, *, key_id: str | None, erased_at: datetime, reason: str,
        policy_version: str | None = None, retention_rule: str | None = None,
    ) -> None:
        """Record that the key sealing this customer's data is (being) destroyed; an erasure
        the retention policy made names the policy's version and rule."""
        self.check_not_erased(key_id)
        self._erased(
            tenant=self.tenant, customer_id=self.customer_id, key_id=key_id,
            erased_at=erased_at, reason=reason, policy_version=policy_version,
            retention_rule=retention_rule,
        )

    @event("Erased")
    def _erased(
        self, *, tenant: str, customer_id: str, key_id: str | None, erased_at: datetime,
        reason: str, policy_version: str | None = None, retention_rule: str | None = None,
    ) -> None:
        self.erased_keys.append(key_id)

    def check_not_erased(self, key_id: str | None) -> None:
        if self.is_erased(key_id):
            raise AlreadyErased(f"{self.id} already records this erasure")


class ErasureReason(StrEnum):
    """Why a customer is erased; a fixed list, as the reason is published unsealed."""

    CUSTOMER_REQUEST = "customer_request"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    RETENTION_EXPIRED = "retention_expired"
    LEGAL_OBLIGATION = "legal_obligation"


class AlreadyErased(Exception):
    """The erasure of this key is already recorded."""


class NotClassified(Exception):
    """Only a classified complaint has a category to correct."""


class AlreadyUnderstood(Exception):
    """A complaint is classified, or marked a duplicate, once."""


class NotHistorical(Exception):
    """A live complaint was given a past lifecycle."""


class Customer(BaseModel):
    """Who complains; name and contact are personal data."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=128, description=CUSTOMER_ID)
    name: str | None = Field(None, max_length=200)
    contact: str | None = Field(None, max_length=200)
    tier: CustomerTier = CustomerTier.STANDARD
    region: str | None = Field(None, max_length=64)

    @field_validator("id")
    @classmethod
    def one_spelling(cls, value: str) -> str:
        return normalise_customer_id(value)


class History(RecordedHistory):
    """A past lifecycle handed over with a historical submission."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Submission(ComplaintDetails):
    """One complaint as a channel hands it over, before intake accepts it: its details
    (contracts' ComplaintDetails, of at most DETAIL_LIMITS characters) and who, what, when."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    channel: Channel
    customer: Customer
    subject: str = Field(min_length=1, max_length=300)
    text: str = Field(min_length=1, max_length=MAX_TEXT_LENGTH)
    attachments: tuple[Attachment, ...] = Field((), max_length=20)
    historical: bool = False
    received_at: AwareDatetime | None = None
    history: History | None = None
    verified_contacts: tuple[VerifiedContact, ...] = Field(
        (), max_length=MAX_VERIFIED, description="Contact points the channel vouches for "
        "(services/intake/identity.py, VOUCHING): they link the customer's ids across channels; "
        "honoured from channel adapters only")

    @field_validator("verified_contacts")
    @classmethod
    def vouched_by_channel(
        cls, value: tuple[VerifiedContact, ...], info: ValidationInfo
    ) -> tuple[VerifiedContact, ...]:
        if "channel" in info.data:
            check_vouched(info.data["channel"], value)
        return value

    @field_validator(*DETAIL_LIMITS)
    @classmethod
    def within_limit(cls, value: str | None, info: ValidationInfo) -> str | None:
        # The contract sets no limit (what was published stays readable); intake accepts no
        # more than this, refused as pydantic refuses a max_length.
        limit = DETAIL_LIMITS[info.field_name]
        if value is not None and len(value) > limit:
            raise PydanticCustomError("string_too_long",
                                      "String should have at most {max_length} characters",
                                      {"max_length": limit})
        return value

    @field_validator("subject", "text")
    @classmethod
    def not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    @field_validator("received_at", "history")
    @classmethod
    def only_for_history(cls, value: object, info: ValidationInfo) -> object:
        # A live complaint may not backdate itself: its SLA clock starts when intake gets it.
        if value is not None and not info.data.get("historical"):
            raise ValueError("accepted for historical submissions only")
        return value
