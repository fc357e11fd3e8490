"""Events published by the work service on `work.events.v1`: people's own marks on complaints."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from contracts.envelope import ComplaintEvent, DomainEvent

TAG = "Lower-case letters, digits, `-` and `_`, up to 40 characters, e.g. `vip-followup`"


class _TagMark(ComplaintEvent):
    """A manual tag put on or taken off a complaint."""

    tag: str = Field(description=TAG)


class ComplaintTagged(_TagMark):
    """Someone put a manual tag on a complaint (lists filter on it)."""

    event_type = "complaint.tagged.v1"
    actor: str = Field(description="User id of who tagged it")
    tagged_at: datetime


class ComplaintUntagged(_TagMark):
    """Someone took a manual tag off a complaint."""

    event_type = "complaint.untagged.v1"
    actor: str = Field(description="User id of who removed it")
    untagged_at: datetime


EVENTS: tuple[type[DomainEvent], ...] = (ComplaintTagged, ComplaintUntagged)
