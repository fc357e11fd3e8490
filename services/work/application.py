"""The work service's use cases: project consumed events, tag and untag complaints."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from contracts.envelope import DomainEvent, Envelope
from contracts.registry import parse
from runtime.eventstore import ServiceApplication
from services.work.projection import Projection
from services.work.tags import ComplaintTags

# The translator of the service's own events (services.work.published).
Translate = Callable[[Any, str | None], Envelope | None]


class WorkApplication(ServiceApplication):
    """Owns the tags' event store and writes the read model."""

    projection: Projection
    translate: Translate
    listeners: list[Callable[[], None]]

    def wire(self, *, projection: Projection, translate: Translate) -> WorkApplication:
        """Attach the read model and the translator (bootstrap calls this once)."""
        self.projection, self.translate, self.listeners = projection, translate, []
        return self

    def project(self, envelope: Envelope, event: DomainEvent) -> bool:
        """Apply a consumed event to the read model (a repeat changes nothing)."""
        return self.projection.apply(envelope, event)

    def tag(self, *, complaint_id: str, tenant: str, tag: str, actor: str) -> list[str]:
        """Put a tag on a complaint; the complaint's tags after it."""
        tags = self._tags(complaint_id, tenant)
        tags.add(tag, actor=actor, at=datetime.now(UTC))
        return self._saved(tags)

    def untag(self, *, complaint_id: str, tenant: str, tag: str, actor: str) -> list[str]:
        """Take a tag off a complaint; the complaint's tags after it."""
        tags = self._tags(complaint_id, tenant)
        tags.remove(tag, actor=actor, at=datetime.now(UTC))
        return self._saved(tags)

    def _tags(self, complaint_id: str, tenant: str) -> ComplaintTags:
        tags_id = ComplaintTags.create_id(complaint_id)
        if tags_id in self.repository:
            return self.repository.get(tags_id)
        return ComplaintTags(complaint_id=complaint_id, tenant=tenant)

    def _saved(self, tags: ComplaintTags) -> list[str]:
        pending = tags.collect_events()
        self.save(*pending)
        # The read model follows at once: the caller sees their tag in the next list. The same
        # events come back from work.events.v1 only in a rebuild (same ids: no second effect).
        for stored in pending:
            envelope = self.translate(stored)
            if envelope is not None:
                self.projection.apply(*parse(envelope.model_dump(mode="json")))
        for listener in self.listeners:
            listener()
        return sorted(tags.tags)
