"""Complaints walked through their lifecycle as the topics would carry them: envelopes built
from the golden samples (contracts/samples) with the fields a scenario sets."""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from contracts.envelope import DomainEvent, Envelope, correlation_for
from contracts.registry import parse, topic_for
from contracts.topics import TopicSpec

SAMPLES = Path(__file__).resolve().parents[3] / "contracts/samples"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(minutes: float, t0: datetime = T0) -> str:
    """t0 plus minutes, as events spell times."""
    return (t0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


class Script:
    """Builds the envelopes of one tenant's complaints in the order they are published."""

    def __init__(self, tenant: str, t0: datetime = T0,
                 seal: Callable[[str, str], str] = lambda customer, text: text) -> None:
        self.tenant = tenant
        self.t0 = t0
        self.seal = seal  # (customer id, plaintext) -> what the event carries
        self.sent: list[tuple[TopicSpec, Envelope, DomainEvent]] = []
        self._ids = itertools.count(1)

    def at(self, minutes: float) -> str:
        return at(minutes, self.t0)

    def event(self, event_type: str, about: str, time: str, **data: Any) -> Envelope:
        """An event of a sample's type about a complaint, its data updated with `data`."""
        raw = json.loads((SAMPLES / f"{event_type}.json").read_text())
        raw["data"].update(data)
        if "complaint_id" in raw["data"]:
            raw["data"]["complaint_id"] = about
        raw.update(id=str(uuid.uuid4()), subject=about, tenant=self.tenant, time=time,
                   correlationid=str(correlation_for(about)), sequence=next(self._ids))
        envelope, event = parse(raw)
        self.sent.append((topic_for(event_type), envelope, event))
        return envelope

    def received(self, complaint_id: str, *, customer: str, minute: float, channel: str = "web",
                 subject: str = "Charged twice", text: str = "My card was charged twice.",
                 contact: str | None = None, tier: str = "standard",
                 reference: str | None = None) -> None:
        self.event("complaint.received.v1", complaint_id, self.at(minute), channel=channel,
                   customer_id=customer, customer_name=None,
                   customer_contact=self.seal(customer, contact) if contact else None,
                   customer_tier=tier, subject=self.seal(customer, subject),
                   text=self.seal(customer, text), received_at=self.at(minute),
                   external_reference=reference, attachments=[])

    def classified(self, complaint_id: str, *, category: str, severity: str,
                   minute: float) -> None:
        self.event("complaint.classified.v1", complaint_id, self.at(minute), category=category,
                   severity=severity)

    def assigned(self, complaint_id: str, *, department: str, queue: str, agent: str | None,
                 minute: float) -> None:
        self.event("complaint.assigned.v1", complaint_id, self.at(minute), department=department,
                   queue=queue, agent_id=agent)

    def clock(self, complaint_id: str, *, warn: float, due: float, minute: float) -> str:
        clock_id = f"clk-{complaint_id}"
        self.event("sla.clock_started.v1", complaint_id, self.at(minute), clock_id=clock_id,
                   started_at=self.at(minute), warn_at=self.at(warn), deadline_at=self.at(due))
        return clock_id

    def warned(self, complaint_id: str, *, minute: float) -> None:
        self.event("sla.warning_raised.v1", complaint_id, self.at(minute),
                   clock_id=f"clk-{complaint_id}")

    def breached(self, complaint_id: str, *, minute: float) -> None:
        self.event("sla.breached.v1", complaint_id, self.at(minute), clock_id=f"clk-{complaint_id}",
                   breached_at=self.at(minute))

    def stopped(self, complaint_id: str, *, met: bool, minute: float) -> None:
        self.event("sla.clock_stopped.v1", complaint_id, self.at(minute),
                   clock_id=f"clk-{complaint_id}", met=met, stopped_at=self.at(minute))

    def investigating(self, complaint_id: str, *, minute: float) -> None:
        self.event("resolution.investigation_started.v1", complaint_id, self.at(minute))

    def resolved(self, complaint_id: str, *, minute: float) -> None:
        self.event("resolution.resolution_executed.v1", complaint_id, self.at(minute))

    def feedback(self, complaint_id: str, *, csat: int, minute: float) -> None:
        self.event("resolution.feedback_received.v1", complaint_id, self.at(minute), csat=csat,
                   comment=None)

    def closed(self, complaint_id: str, *, minute: float) -> None:
        self.event("complaint.closed.v1", complaint_id, self.at(minute))

    def reopened(self, complaint_id: str, *, minute: float) -> None:
        self.event("complaint.reopened.v1", complaint_id, self.at(minute), reopen_count=1)

    def erased(self, customer: str, *, minute: float) -> None:
        self.event("customer.erased.v1", f"erasure-{customer}", self.at(minute),
                   customer_id=customer)
