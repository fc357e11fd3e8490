"""Whose complaints resolution works: learned from intake, so that erasing a customer erases
the key of each of their complaints (resolution seals a complaint's free text with its own key).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from eventsourcing.domain import Aggregate, event

from contracts.envelope import NAMESPACE


class CustomerComplaints(Aggregate):
    """One customer's complaints, and when the customer was erased, if ever."""

    @staticmethod
    def create_id(tenant: str, customer_id: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"customer-complaints/{tenant}/{customer_id}")

    @event("Registered")
    def __init__(self, *, tenant: str, customer_id: str) -> None:
        self.tenant = tenant
        self.customer_id = customer_id
        self.complaints: list[str] = []
        self.erased_at: datetime | None = None

    def add(self, *, complaint_id: str, received_at: datetime) -> bool:
        """Count the complaint as the customer's; True if it predates an erasure already
        recorded (the two events travel on different partitions): its data is erased too."""
        if complaint_id not in self.complaints:
            self._added(complaint_id=complaint_id)
        return self.erased_at is not None and received_at <= self.erased_at

    def erase(self, *, at: datetime) -> list[str]:
        """Record the erasure; the complaints whose keys go with it."""
        if self.erased_at is None or at > self.erased_at:
            self._erased(at=at)
        return list(self.complaints)

    @event("ComplaintAdded")
    def _added(self, *, complaint_id: str) -> None:
        self.complaints.append(complaint_id)

    @event("Erased")
    def _erased(self, *, at: datetime) -> None:
        self.erased_at = at
