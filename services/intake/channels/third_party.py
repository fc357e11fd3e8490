"""Third-party complaint platforms (黑猫投诉, 12315, marketplaces) -> Submission."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from contracts.intake import Channel
from services.intake.channels._common import Payload, as_mapping
from services.intake.domain import Customer, Submission


class PlatformUser(Payload):
    id: str = Field(min_length=1, max_length=80)
    nickname: str | None = None
    phone: str | None = None


class PlatformTicket(Payload):
    """A complaint ticket as a third-party platform's API returns it."""

    platform: str = Field(min_length=1, max_length=40)
    ticket_id: str = Field(min_length=1, max_length=80)
    title: str
    content: str
    appeal: str | None = Field(None, description="What the customer asks for (诉求)")
    user: PlatformUser
    product: str | None = None


def normalise(raw: Any) -> Submission:
    """A platform ticket; the platform's ticket id makes a re-fetched ticket file once."""
    ticket = PlatformTicket.model_validate(as_mapping(raw, "third-party ticket"))
    platform = ticket.platform.lower()
    text = ticket.content
    if ticket.appeal:
        text = f"{text}\n\n诉求 / Appeal: {ticket.appeal}"
    return Submission(
        channel=Channel.THIRD_PARTY,
        customer=Customer(
            id=f"{platform}:{ticket.user.id}", name=ticket.user.nickname,
            contact=ticket.user.phone,
        ),
        subject=ticket.title,
        text=text,
        external_reference=f"{platform}:{ticket.ticket_id}",
        product=ticket.product,
        channel_detail=platform,
    )
