"""Deadline clocks of complaints, and the policy that sets their deadlines."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from eventsourcing.domain import Aggregate, event

from contracts.envelope import NAMESPACE
from contracts.intake import Severity
from contracts.sla import SlaTarget

# Intake has not classified a complaint when it is received; until it does, this applies.
UNCLASSIFIED = Severity.P3


@dataclass(frozen=True)
class Schedule:
    """When a clock warns and when it breaches."""

    warn_at: datetime
    deadline_at: datetime


@dataclass(frozen=True)
class Policy:
    """How long each severity may take to reach a target, counted in one calendar."""

    policy_id: str
    policy_version: str
    calendar_id: str
    calendar_version: str
    targets: Mapping[SlaTarget, Mapping[Severity, timedelta]]
    warn_share: float

    def schedule(self, target: SlaTarget, severity: Severity, started_at: datetime) -> Schedule:
        """The warning and the deadline of a clock that starts at `started_at`."""
        allowed = self.targets[target][severity]
        # The 24x7 calendar counts every hour, so business time is calendar time.
        return Schedule(
            warn_at=started_at + allowed * self.warn_share, deadline_at=started_at + allowed
        )


# Until a policy file is loaded: 72 hours round the clock to resolve, warned at 80%.
DEFAULT_POLICY = Policy(
    policy_id="default",
    policy_version="0",
    calendar_id="24x7",
    calendar_version="0",
    targets={SlaTarget.RESOLUTION: {Severity.P3: timedelta(hours=72)}},
    warn_share=0.8,
)


class SlaClock(Aggregate):
    """The deadline of one target (e.g. resolution) of one complaint."""

    # eventsourcing treats every keyword-only argument of an @event method as required,
    # defaults or not, so none are given defaults here.

    @staticmethod
    def create_id(complaint_id: str, target: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"sla-clock/{complaint_id}/{target}")

    @event("Started")
    def __init__(
        self,
        *,
        complaint_id: str,
        target: str,
        tenant: str,
        severity: str,
        policy_id: str,
        policy_version: str,
        calendar_id: str,
        calendar_version: str,
        started_at: datetime,
        warn_at: datetime,
        deadline_at: datetime,
        cause: str | None,
    ) -> None:
        self.complaint_id = complaint_id
        self.target = target
        self.tenant = tenant
        self.severity = severity
        self.policy_id = policy_id
        self.policy_version = policy_version
        self.calendar_id = calendar_id
        self.calendar_version = calendar_version
        self.started_at = started_at
        self.warn_at = warn_at
        self.deadline_at = deadline_at
        self.status = "running"

    @classmethod
    def start(
        cls,
        *,
        complaint_id: str,
        tenant: str,
        target: SlaTarget,
        severity: Severity,
        policy: Policy,
        started_at: datetime,
        cause: str | None = None,
    ) -> SlaClock:
        """Start a clock whose deadline the policy sets; the event keeps the computed times."""
        schedule = policy.schedule(target, severity, started_at)
        return cls(
            complaint_id=complaint_id,
            target=target.value,
            tenant=tenant,
            severity=severity.value,
            policy_id=policy.policy_id,
            policy_version=policy.policy_version,
            calendar_id=policy.calendar_id,
            calendar_version=policy.calendar_version,
            started_at=started_at,
            warn_at=schedule.warn_at,
            deadline_at=schedule.deadline_at,
            cause=cause,
        )
