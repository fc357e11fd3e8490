"""Web and app forms: the form's JSON -> Submission."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field

from contracts.intake import Attachment, Channel
from services.intake.channels._common import (
    FormContact,
    as_mapping,
    start_of,
    subject_from,
)
from services.intake.domain import Submission


class FormPayload(FormContact):
    """What the web site's and the app's complaint forms post."""

    form_id: str | None = Field(None, description="The form submission's own id")
    account_id: str | None = None
    region: str | None = None
    subject: str | None = None
    message: str
    product: str | None = None
    occurred_on: date | None = None
    attachments: tuple[Attachment, ...] = ()


def normalise(raw: Any, channel: Channel = Channel.WEB) -> Submission:
    """A form post; the customer is their account, else their email, else their phone."""
    form = FormPayload.model_validate(as_mapping(raw, f"{channel} form"))
    return Submission(
        channel=channel,
        customer=form.as_customer(
            form.account_id, prefer=("email", "phone"), region=form.region,
            missing="the form names no account_id, email or phone: whose complaint is it?",
        ),
        subject=form.subject or subject_from(form.message),
        text=form.message,
        occurred_at=start_of(form.occurred_on),
        external_reference=form.form_id,
        product=form.product,
        attachments=form.attachments,
    )


def normalise_app(raw: Any) -> Submission:
    """An app form post (the same form as the web site's)."""
    return normalise(raw, Channel.APP)

