"""Maps dispatch's aggregate events to the published contracts."""

from __future__ import annotations

from typing import Any

from contracts.dispatch import ComplaintAssigned
from runtime.translation import Translator
from services.dispatch.domain import Assignment


def assigned(stored: Any) -> ComplaintAssigned:
    return ComplaintAssigned(
        complaint_id=stored.complaint_id,
        queue=stored.queue,
        agent_id=stored.agent_id,
        department=stored.department,
        rule_id=stored.rule_id,
        rule_set_version=stored.rule_set_version,
        strategy=stored.strategy,
        reason=stored.reason,
    )


def translator(*, source: str, tenant: str) -> Translator:
    """The translator the outbox relay publishes dispatch's events with."""
    return Translator(source=source, tenant=tenant, mappings={Assignment.Assigned: assigned})
