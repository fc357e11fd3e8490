"""The SLA service's use cases: start a complaint's clock once, look it up."""

from __future__ import annotations

from datetime import datetime

from contracts.intake import Severity
from contracts.sla import SlaTarget
from runtime.eventstore import Cause, ServiceApplication
from services.sla.domain import DEFAULT_POLICY, UNCLASSIFIED, Policy, SlaClock


class SlaApplication(ServiceApplication):
    """Keeps the deadline clocks of complaints."""

    def start_clock(
        self,
        *,
        complaint_id: str,
        tenant: str,
        started_at: datetime,
        target: SlaTarget = SlaTarget.RESOLUTION,
        severity: Severity = UNCLASSIFIED,
        policy: Policy = DEFAULT_POLICY,
        cause: Cause | None = None,
    ) -> None:
        """Start a complaint's clock for a target; a clock already started keeps running."""
        if SlaClock.create_id(complaint_id, target) in self.repository:
            return
        clock = SlaClock.start(
            complaint_id=complaint_id, tenant=tenant, target=target, severity=severity,
            policy=policy, started_at=started_at, cause=str(cause.event_id) if cause else None,
        )
        self.save(clock, cause=cause)

    def get_clock(self, complaint_id: str, target: SlaTarget = SlaTarget.RESOLUTION) -> SlaClock:
        """A complaint's clock for a target (AggregateNotFoundError if none was started)."""
        return self.repository.get(SlaClock.create_id(complaint_id, target))
