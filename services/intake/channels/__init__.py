"""Channel normalisers: each turns one channel's raw input into a Submission, or refuses it.

Every normaliser is a pure function; channel adapters import them, and the HTTP API routes
`POST /v1/channels/{channel}` through NORMALISERS. A payload that cannot be understood raises
Unreadable; one that is understood but invalid raises pydantic's ValidationError (both are
ValueErrors).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from contracts.intake import Channel
from services.intake.channels import (
    call_transcript,
    cfpb,
    mail,
    social_post,
    store_form,
    third_party,
    web_form,
    wechat,
)
from services.intake.channels._common import Unreadable
from services.intake.domain import Submission


@dataclass(frozen=True)
class Normaliser:
    """A channel's normaliser and the media type its raw payload arrives in."""

    normalise: Callable[[Any], Submission]
    media_type: str

    @property
    def takes_json(self) -> bool:
        return self.media_type == "application/json"


NORMALISERS: Mapping[Channel, Normaliser] = MappingProxyType({
    Channel.EMAIL: Normaliser(mail.normalise, "message/rfc822"),
    Channel.WEB: Normaliser(web_form.normalise, "application/json"),
    Channel.APP: Normaliser(web_form.normalise_app, "application/json"),
    Channel.PHONE: Normaliser(call_transcript.normalise, "text/plain"),
    Channel.WECHAT: Normaliser(wechat.normalise, "application/xml"),
    Channel.SOCIAL: Normaliser(social_post.normalise, "application/json"),
    Channel.STORE: Normaliser(store_form.normalise, "application/json"),
    Channel.THIRD_PARTY: Normaliser(third_party.normalise, "application/json"),
    Channel.CFPB: Normaliser(cfpb.normalise, "application/json"),
})

__all__ = ["NORMALISERS", "Normaliser", "Unreadable"]
