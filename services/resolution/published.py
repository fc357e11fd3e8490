"""Maps resolution's aggregate events to the published contracts."""

from __future__ import annotations

from typing import Any

from contracts.resolution import CaseOpened
from runtime.translation import Translator
from services.resolution.domain import Case


def case_opened(stored: Any) -> CaseOpened:
    return CaseOpened(
        complaint_id=stored.complaint_id,
        case_id=str(stored.originator_id),
        owner_agent_id=stored.owner_agent_id,
        owner_queue=stored.owner_queue,
    )


def translator(*, source: str, tenant: str) -> Translator:
    """The translator the outbox relay publishes resolution's events with."""
    return Translator(source=source, tenant=tenant, mappings={Case.Opened: case_opened})
