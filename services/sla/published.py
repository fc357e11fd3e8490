"""Maps the SLA service's aggregate events to the published contracts."""

from __future__ import annotations

from typing import Any

from contracts.sla import SlaClockStarted
from runtime.translation import Translator
from services.sla.domain import SlaClock


def clock_started(stored: Any) -> SlaClockStarted:
    return SlaClockStarted(
        complaint_id=stored.complaint_id,
        clock_id=str(stored.originator_id),
        target=stored.target,
        severity=stored.severity,
        policy_id=stored.policy_id,
        policy_version=stored.policy_version,
        calendar_id=stored.calendar_id,
        calendar_version=stored.calendar_version,
        started_at=stored.started_at,
        deadline_at=stored.deadline_at,
        warn_at=stored.warn_at,
    )


def translator(*, source: str, tenant: str) -> Translator:
    """The translator the outbox relay publishes the SLA service's events with."""
    return Translator(source=source, tenant=tenant, mappings={SlaClock.Started: clock_started})
