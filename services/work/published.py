"""Maps the work service's aggregate events to the published contracts (work.events.v1)."""

from __future__ import annotations

from typing import Any

from contracts.work import ComplaintTagged, ComplaintUntagged
from runtime.attribution import FirstEvents
from runtime.translation import Translator
from services.work.tags import ComplaintTags


def tagged(stored: Any) -> ComplaintTagged:
    return ComplaintTagged(complaint_id=stored.complaint_id, tag=stored.tag, actor=stored.actor,
                           tagged_at=stored.at)


def untagged(stored: Any) -> ComplaintUntagged:
    return ComplaintUntagged(complaint_id=stored.complaint_id, tag=stored.tag,
                             actor=stored.actor, untagged_at=stored.at)


def translator(*, source: str, first_events: FirstEvents | None = None) -> Translator:
    """The translator the outbox relay publishes the work service's events with."""
    return Translator(source=source, first_events=first_events, mappings={
        ComplaintTags.Tagged: tagged,
        ComplaintTags.Untagged: untagged,
    })
