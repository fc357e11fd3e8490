"""Social media: a post mentioning the brand -> Submission."""

from __future__ import annotations

from typing import Any

from pydantic import Field, HttpUrl

from contracts.intake import Channel
from services.intake.channels._common import Payload, as_mapping, pseudonym, subject_from
from services.intake.domain import Customer, Submission


class SocialPost(Payload):
    """What the social listening adapter sends for one post."""

    platform: str = Field(min_length=1, max_length=40, description="weibo, douyin, x, ...")
    handle: str = Field(min_length=1, max_length=100)
    post_id: str = Field(min_length=1, max_length=80)
    text: str
    url: HttpUrl
    author_name: str | None = None


def normalise(raw: Any) -> Submission:
    """A post is filed under its author's handle; the post id makes a repost file once."""
    post = SocialPost.model_validate(as_mapping(raw, "social post"))
    platform = post.platform.lower()
    return Submission(
        channel=Channel.SOCIAL,
        customer=Customer(
            id=pseudonym(platform, post.handle), name=post.author_name, contact=post.handle
        ),
        subject=subject_from(post.text),
        text=post.text,
        external_reference=f"{platform}:{post.post_id}",
        channel_detail=platform,
    )
