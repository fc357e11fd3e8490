"""Stores: a paper or tablet complaint form, keyed in by staff -> Submission."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field

from contracts.intake import Channel, CustomerTier
from services.intake.channels._common import (
    Payload,
    Unreadable,
    as_mapping,
    pseudonym,
    start_of,
    subject_from,
)
from services.intake.domain import Customer, Submission


class StoreCustomer(Payload):
    id: str | None = Field(None, description="Loyalty or account number, if the customer has one")
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    tier: CustomerTier = CustomerTier.STANDARD


class StoreForm(Payload):
    """One complaint form as a store keyed it in."""

    store_id: str = Field(min_length=1, max_length=40)
    form_number: str | None = Field(None, max_length=60)
    region: str | None = None
    customer: StoreCustomer
    subject: str | None = None
    text: str
    product: str | None = None
    occurred_on: date | None = None


def normalise(raw: Any) -> Submission:
    """A store form; the form number (per store) makes a re-keyed form file once."""
    form = StoreForm.model_validate(as_mapping(raw, "store form"))
    person = form.customer
    return Submission(
        channel=Channel.STORE,
        customer=Customer(
            id=customer_id(person), name=person.name, contact=person.phone or person.email,
            tier=person.tier, region=form.region,
        ),
        subject=form.subject or subject_from(form.text),
        text=form.text,
        occurred_at=start_of(form.occurred_on),
        external_reference=f"{form.store_id}/{form.form_number}" if form.form_number else None,
        product=form.product,
        channel_detail=form.store_id,
    )


def customer_id(person: StoreCustomer) -> str:
    if person.id:
        return person.id
    if person.phone:
        return pseudonym("phone", "".join(ch for ch in person.phone if ch.isdigit() or ch == "+"))
    if person.email:
        return pseudonym("email", person.email)
    raise Unreadable("the store form names no customer id, phone or email")
