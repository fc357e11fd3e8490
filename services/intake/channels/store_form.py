"""Stores: a paper or tablet complaint form, keyed in by staff -> Submission."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field

from contracts.intake import Channel
from services.intake.channels._common import (
    FormContact,
    Payload,
    as_mapping,
    start_of,
    subject_from,
)
from services.intake.domain import Submission


class StoreCustomer(FormContact):
    id: str | None = Field(None, description="Loyalty or account number, if the customer has one")


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
    return Submission(
        channel=Channel.STORE,
        customer=form.customer.as_customer(
            form.customer.id, prefer=("phone", "email"), region=form.region,
            missing="the store form names no customer id, phone or email",
        ),
        subject=form.subject or subject_from(form.text),
        text=form.text,
        occurred_at=start_of(form.occurred_on),
        external_reference=f"{form.store_id}/{form.form_number}" if form.form_number else None,
        product=form.product,
        channel_detail=form.store_id,
    )

