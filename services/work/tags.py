"""Manual tags on a complaint: an aggregate of the work service's own event store."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from eventsourcing.domain import event

from contracts.envelope import NAMESPACE
from runtime.attribution import Attributed

TAG = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


class InvalidTag(ValueError):
    """A tag must be lower-case letters, digits, `-` and `_`, 1 to 40 characters."""


class ComplaintTags(Attributed):
    """The tags people put on one complaint."""

    @staticmethod
    def create_id(complaint_id: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"work-tags/{complaint_id}")

    @event("Started")
    def __init__(self, *, complaint_id: str, tenant: str) -> None:
        self.complaint_id = complaint_id
        self.tenant = tenant
        self.tags: set[str] = set()

    def add(self, tag: str, *, actor: str, at: datetime) -> None:
        """Put a tag on (no event if it is on already)."""
        check_tag(tag)
        if tag not in self.tags:
            self._tagged(complaint_id=self.complaint_id, tenant=self.tenant, tag=tag,
                         actor=actor, at=at)

    def remove(self, tag: str, *, actor: str, at: datetime) -> None:
        """Take a tag off (no event if it is not on)."""
        if tag in self.tags:
            self._untagged(complaint_id=self.complaint_id, tenant=self.tenant, tag=tag,
                           actor=actor, at=at)

    # The complaint and tenant ride on each event: the translator publishes them.
    @event("Tagged")
    def _tagged(self, *, complaint_id: str, tenant: str, tag: str, actor: str,
                at: datetime) -> None:
        self.tags.add(tag)

    @event("Untagged")
    def _untagged(self, *, complaint_id: str, tenant: str, tag: str, actor: str,
                  at: datetime) -> None:
        self.tags.discard(tag)


def check_tag(tag: str) -> None:
    """Raise InvalidTag unless the tag is well formed."""
    if not TAG.fullmatch(tag):
        raise InvalidTag(f"invalid tag {tag!r}: {InvalidTag.__doc__}")
