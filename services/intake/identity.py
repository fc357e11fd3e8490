"""One person across channels: verified contact points and the identity they resolve to.

A person who complains by email and then by phone reaches intake under two customer ids
(`mail:dana@example.com`, `phone:+8613800138000`). They are one customer only when a contact
point that both filings carry was *verified*: vouched for by the channel itself, never because
someone typed it. `VOUCHING` is the one table of what each verification proves and which
channels can perform it:

| verified_by    | proves       | channels           | how the channel knows                |
|----------------|--------------|--------------------|--------------------------------------|
| caller_id      | phone        | phone              | the network presented the number     |
| sender_address | email        | email              | the mail gateway authenticated From  |
| openid         | wechat       | wechat             | WeChat signed the push to the account|
| signed_in      | account      | app, web, phone    | app/web session, the IVR's PIN       |
| one_time_code  | phone, email | phone, email, web, | the customer read back a code sent   |
|                |              | app, wechat, store | to that phone or address             |

A free-text contact (`Customer.contact`) is never a contact point: if it merged identities,
anyone could attach themselves to someone else's history by typing their number. Only a channel
adapter vouches (the HTTP filer drops verifications from any other caller).

Each contact point, and each channel customer id, is indexed by a `ContactPoint` naming the
`CustomerIdentity` it belongs to. Its id is a keyed hash (HMAC-SHA256 under the deployment's
`CONTACT_INDEX_KEY`) of tenant, kind and normalised value, so someone who can read the store but
not the key cannot test whether a phone number or address is in it; the value itself is not
stored in clear. Stores written before keyed ids hold uuid5 ids: `PointIds.legacy` finds them.
The identity's canonical customer id is the one duplicates, the filing quota and
published events count the person by. Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from eventsourcing.domain import Aggregate, event
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from contracts.envelope import NAMESPACE
from contracts.intake import Channel
from services.intake.customer_ids import normalise_customer_id

DEFAULT_REGION = "CN"  # a number written without its country code is read as Chinese
MAX_VERIFIED = 8


class ContactKind(StrEnum):
    PHONE = "phone"  # E.164: +8613800138000
    EMAIL = "email"  # lower case
    WECHAT = "wechat"  # the openid, case kept
    ACCOUNT = "account"  # the organisation's own customer number
    CUSTOMER_ID = "customer_id"  # a channel's customer id, indexed like a contact point


class Verification(StrEnum):
    CALLER_ID = "caller_id"
    SENDER_ADDRESS = "sender_address"
    OPENID = "openid"
    SIGNED_IN = "signed_in"
    ONE_TIME_CODE = "one_time_code"


@dataclass(frozen=True)
class Vouching:
    proves: frozenset[ContactKind]
    channels: frozenset[Channel]


VOUCHING: dict[Verification, Vouching] = {
    Verification.CALLER_ID: Vouching(frozenset({ContactKind.PHONE}), frozenset({Channel.PHONE})),
    Verification.SENDER_ADDRESS: Vouching(
        frozenset({ContactKind.EMAIL}), frozenset({Channel.EMAIL})),
    Verification.OPENID: Vouching(frozenset({ContactKind.WECHAT}), frozenset({Channel.WECHAT})),
    Verification.SIGNED_IN: Vouching(
        frozenset({ContactKind.ACCOUNT}), frozenset({Channel.APP, Channel.WEB, Channel.PHONE})),
    Verification.ONE_TIME_CODE: Vouching(
        frozenset({ContactKind.PHONE, ContactKind.EMAIL}),
        frozenset({Channel.PHONE, Channel.EMAIL, Channel.WEB, Channel.APP, Channel.WECHAT,
                   Channel.STORE})),
}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_OPENID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _phone(text: str) -> str:
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise ValueError("is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _email(text: str) -> str:
    if not _EMAIL.match(text):
        raise ValueError("is not an email address")
    return text.casefold()


def _openid(text: str) -> str:
    if not _OPENID.match(text):
        raise ValueError("is not a WeChat openid")
    return text


NORMALISERS: dict[ContactKind, Callable[[str], str]] = {
    ContactKind.PHONE: _phone,
    ContactKind.EMAIL: _email,
    ContactKind.WECHAT: _openid,
    ContactKind.ACCOUNT: normalise_customer_id,
    ContactKind.CUSTOMER_ID: normalise_customer_id,
}


def normalise_contact(kind: ContactKind, value: str) -> str:
    """The one spelling of a contact point; ValueError if it is not one of its kind."""
    return NORMALISERS[kind](unicodedata.normalize("NFKC", value).strip())


class VerifiedContact(BaseModel):
    """A contact point the submitting channel vouches for, and how (see VOUCHING)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ContactKind
    verified_by: Verification
    value: str = Field(min_length=1, max_length=200, description="Personal data: never "
                       "published; normalised (E.164 phone, lower-case email)")

    @field_validator("kind")
    @classmethod
    def submitted_kind(cls, kind: ContactKind) -> ContactKind:
        if kind is ContactKind.CUSTOMER_ID:
            raise ValueError("the customer id is the submission's customer.id")
        return kind

    @field_validator("verified_by")
    @classmethod
    def proves_kind(cls, verified_by: Verification, info: ValidationInfo) -> Verification:
        kind = info.data.get("kind")
        if kind is not None and kind not in VOUCHING[verified_by].proves:
            raise ValueError(f"{verified_by.value} does not verify a {kind.value}")
        return verified_by

    @field_validator("value")
    @classmethod
    def one_spelling(cls, value: str, info: ValidationInfo) -> str:
        kind = info.data.get("kind")
        return value if kind is None else normalise_contact(kind, value)


def check_vouched(channel: Channel, contacts: Iterable[VerifiedContact]) -> None:
    """ValueError if the channel cannot perform one of the verifications claimed."""
    for contact in contacts:
        if channel not in VOUCHING[contact.verified_by].channels:
            raise ValueError(
                f"the {channel.value} channel cannot verify by {contact.verified_by.value}")


def vouched_raw(
    channel: Channel, contact: str | None, asserted: Iterable[Verification]
) -> tuple[VerifiedContact, ...]:
    """The raw payload's own contact (an email's From, a call's caller number, a form's email
    or phone), verified by each way its adapter asserts it checked it; ValueError when the
    channel cannot verify that way (VOUCHING), the way proves another kind of point, or the
    payload carries no contact."""
    verifications = tuple(dict.fromkeys(asserted))
    if verifications and not contact:
        raise ValueError("the adapter vouches for a contact the payload does not carry")
    kind = ContactKind.EMAIL if contact and "@" in contact else ContactKind.PHONE
    contacts = []
    for verification in verifications:
        if kind not in VOUCHING[verification].proves:
            raise ValueError(f"{verification.value} does not verify the payload's "
                             f"{kind.value}")
        contacts.append(VerifiedContact(kind=kind, verified_by=verification, value=contact))
    check_vouched(channel, contacts)
    return tuple(contacts)


class PointIds:
    """The index ids of contact points: keyed, so they cannot be computed without the key."""

    def __init__(self, key: bytes | None = None) -> None:
        # No key (tests, tools on a throw-away store): a random one, so nothing is guessable.
        self._key = key or os.urandom(32)

    def __call__(self, tenant: str, kind: str, value: str) -> uuid.UUID:
        """HMAC-SHA256 of the point, its first 128 bits as a (version 4 shaped) UUID."""
        digest = hmac.new(self._key, _point_name(tenant, kind, value).encode(),
                          hashlib.sha256).digest()
        return uuid.UUID(bytes=digest[:16], version=4)

    @staticmethod
    def legacy(tenant: str, kind: str, value: str) -> uuid.UUID:
        """The uuid5 id points had before keyed ids (read only, so older stores still link)."""
        return uuid.uuid5(NAMESPACE, _point_name(tenant, kind, value))


def _point_name(tenant: str, kind: str, value: str) -> str:
    return f"contact-point/{tenant}/{kind}/{value}"


class ContactPoint(Aggregate):
    """Index: a tenant's contact point (or channel customer id) -> the identity it is linked to."""

    @event("Linked")
    def __init__(self, *, id: uuid.UUID, tenant: str, kind: str,
                 identity_id: uuid.UUID) -> None:
        self.tenant = tenant
        self.kind = kind
        self.identity_id: uuid.UUID | None = identity_id

    @event("Relinked")
    def relink(self, *, identity_id: uuid.UUID) -> None:
        """Point at another identity: it absorbed this one's, or this one was erased."""
        self.identity_id = identity_id

    @event("Released")
    def release(self) -> None:
        """The person was erased: this contact point no longer leads to anyone."""
        self.identity_id = None


class CustomerIdentity(Aggregate):
    """One person of one tenant: their canonical customer id, and every id and contact point
    linked to it, each link recorded with the channel and verification that justified it."""

    @event("Registered")
    def __init__(self, *, tenant: str, customer_id: str) -> None:
        self.tenant = tenant
        self.customer_id = customer_id
        self.aliases: list[str] = [customer_id]  # every customer id this person filed under
        self.points: list[str] = []  # ContactPoint ids
        self.merged_into: str | None = None
        self.erased = False

    def link_alias(self, *, point_id: uuid.UUID, alias: str, channel: str,
                   because: str) -> None:
        """Count a channel's customer id as this person (because of a shared verified point)."""
        self._alias_linked(point_id=str(point_id), alias=alias, channel=channel, because=because)

    @event("AliasLinked")
    def _alias_linked(self, *, point_id: str, alias: str, channel: str, because: str) -> None:
        self.points.append(point_id)
        if alias not in self.aliases:
            self.aliases.append(alias)

    def link_contact(self, *, point_id: uuid.UUID, kind: str, sealed_value: str, channel: str,
                     verified_by: str) -> None:
        """Record a verified contact point of this person (its value sealed with their key)."""
        self._contact_linked(point_id=str(point_id), kind=kind, sealed_value=sealed_value,
                             channel=channel, verified_by=verified_by)

    @event("ContactLinked")
    def _contact_linked(self, *, point_id: str, kind: str, sealed_value: str, channel: str,
                        verified_by: str) -> None:
        self.points.append(point_id)

    def absorb(self, other: CustomerIdentity, *, because: str) -> None:
        """Take in another identity found to be the same person; it points here from now on."""
        self._absorbed(identity_id=str(other.id), aliases=list(other.aliases),
                       points=list(other.points), because=because)
        other._merged(into=str(self.id))

    @event("Absorbed")
    def _absorbed(self, *, identity_id: str, aliases: list[str], points: list[str],
                  because: str) -> None:
        self.aliases += [a for a in aliases if a not in self.aliases]
        self.points += [p for p in points if p not in self.points]

    @event("Merged")
    def _merged(self, *, into: str) -> None:
        self.merged_into = into

    @event("Erased")
    def erase(self, *, reason: str) -> None:
        """The person was erased under every id; their contact points are released."""
        self.erased = True
