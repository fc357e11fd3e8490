"""What the channel normalisers share: the rejection, pseudonyms, subjects, payload models."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from contracts.intake import CustomerTier
from services.intake.domain import Customer

SUBJECT_LENGTH = 80
# Chinese runs on with commas; its sentence ends are unambiguous, unlike "." in "No. 5".
CJK_SENTENCE = re.compile(r"^.{4,}?[。！？]")


class Unreadable(ValueError):
    """The payload cannot be understood as a complaint at all (not one bad field)."""


class Payload(BaseModel):
    """A channel's JSON payload: unknown fields are ignored, as adapters send more than needed."""

    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)


class FormContact(Payload):
    """How a form names its customer: the same fields on the web, app and store forms."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    tier: CustomerTier = CustomerTier.STANDARD

    def as_customer(
        self, own_id: str | None, *, prefer: tuple[str, str], region: str | None, missing: str,
    ) -> Customer:
        """The customer the form names: their own id, else a pseudonym of the first address
        they gave in the form's order of preference (`prefer`), which is how to reach them."""
        addresses = {kind: getattr(self, kind) for kind in prefer}
        return Customer(
            id=customer_id(own_id, addresses, missing), name=self.name,
            contact=next((address for address in addresses.values() if address), None),
            tier=self.tier, region=region,
        )


def customer_id(own_id: str | None, addresses: Mapping[str, str | None], missing: str) -> str:
    """The customer's own id, else a pseudonym of the first address given (in `addresses` order)."""
    if own_id:
        return own_id
    for kind, address in addresses.items():
        if address:
            return pseudonym(kind, dialled(address) if kind == "phone" else address)
    raise Unreadable(missing)


def dialled(phone: str) -> str:
    """A phone number as dialled: its digits and plus sign, without spaces or dashes."""
    return "".join(ch for ch in phone if ch.isdigit() or ch == "+")


def pseudonym(kind: str, address: str) -> str:
    """A stable customer id for an address (email, phone, handle) that does not spell it out.

    The address itself travels sealed as the customer's contact; the id is published in clear.
    """
    digest = hashlib.sha256(address.strip().lower().encode()).hexdigest()[:24]
    return f"{kind}:{digest}"


def subject_from(text: str) -> str:
    """A subject for channels that have none: the first sentence of the first line, shortened."""
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    line = CJK_SENTENCE.match(line)[0] if CJK_SENTENCE.match(line) else line
    if len(line) <= SUBJECT_LENGTH:
        return line
    return line[: SUBJECT_LENGTH - 1].rstrip() + "…"


def as_mapping(raw: Any, channel: str) -> Mapping[str, Any]:
    """The raw payload of a JSON channel, or a clear rejection."""
    if not isinstance(raw, Mapping):
        raise Unreadable(f"a {channel} payload is a JSON object, not {type(raw).__name__}")
    return raw


def as_text(raw: bytes | str, what: str) -> str:
    """A text payload decoded as UTF-8, or a clear rejection."""
    if isinstance(raw, bytes | bytearray):
        try:
            raw = bytes(raw).decode("utf-8")
        except UnicodeDecodeError as error:
            raise Unreadable(f"{what} is not UTF-8 text") from error
    if not isinstance(raw, str) or not raw.strip():
        raise Unreadable(f"{what} is empty")
    return raw


def start_of(day: date | None) -> datetime | None:
    """Midnight UTC of a calendar date (channels that only know the day)."""
    return None if day is None else datetime(day.year, day.month, day.day, tzinfo=UTC)
