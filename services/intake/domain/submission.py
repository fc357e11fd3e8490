"""What a channel hands over: the submission, its customer and, for imported history, its
past lifecycle; validated before intake accepts anything."""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from contracts.intake import Attachment, Channel, ComplaintDetails, CustomerTier, RecordedHistory
from services.intake.customer_ids import normalise_customer_id
from services.intake.identity import MAX_VERIFIED, VerifiedContact, check_vouched

# Never refuse a customer for writing too much: a real CFPB narrative runs to 21,928 characters,
# and this is 45 times that. The body limit (IntakeSettings.max_body_bytes, 413) and the topics'
# max.message.bytes (contracts.topics) are sized for it: 1M characters of 4 bytes, sealed.
MAX_TEXT_LENGTH = 1_000_000
CUSTOMER_ID = ("Normalised on arrival (services/intake/customer_ids.py): NFKC, trimmed, one "
               "case unless the source (the part before ':', e.g. wechat) is case-sensitive; "
               "invisible or control characters are refused")
# The longest detail intake accepts, in characters.
DETAIL_LIMITS = {"external_reference": 128, "product": 200, "company": 200,
                 "channel_detail": 200, "sub_product": 200, "issue": 200}


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


def _limits_documented(schema: dict[str, Any]) -> None:
    """The JSON Schema (OpenAPI) states the detail limits as max_length would."""
    for name, limit in DETAIL_LIMITS.items():
        for option in schema["properties"][name].get("anyOf", ()):
            if option.get("type") == "string":
                option["maxLength"] = limit


class Submission(ComplaintDetails):
    """One complaint as a channel hands it over, before intake accepts it: its details
    (contracts' ComplaintDetails, of at most DETAIL_LIMITS characters) and who, what, when."""

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra=_limits_documented)

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
