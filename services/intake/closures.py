"""Which of a customer's complaints are open and when the last one closed, as the stages'
events tell it: what the retention job (services/intake/retention.py) counts its periods from.

`CustomerCases` is a projection kept in intake's own store; its events are internal (no
translator maps them), so nothing new is published.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime

from eventsourcing.domain import Aggregate, event
from eventsourcing.utils import get_topic

from contracts import intake, resolution
from contracts.envelope import NAMESPACE, DomainEvent, Envelope
from contracts.lifecycle import ComplaintStatus, status_set_by
from runtime.eventstore import Cause
from services.intake.application import IntakeApplication

# A complaint in one of these is no longer open; a duplicate is worked as its original.
NOT_OPEN = frozenset({ComplaintStatus.CLOSED, ComplaintStatus.DUPLICATE})
PAGE = 500


class CustomerCases(Aggregate):
    """One customer's complaints: the furthest stage that spoke for each, and whether it is
    open; and when the last of them closed."""

    @staticmethod
    def create_id(tenant: str, customer_id: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"customer-cases/{tenant}/{customer_id}")

    @event("Registered")
    def __init__(self, *, tenant: str, customer_id: str) -> None:
        self.tenant = tenant
        self.customer_id = customer_id
        self.complaints: dict[str, tuple[int, bool]] = {}  # id -> (stage, open)
        self.last_closed_at: datetime | None = None

    @property
    def all_closed(self) -> bool:
        """Whether the customer has complaints and none of them is open."""
        return bool(self.complaints) and not any(o for _, o in self.complaints.values())

    def hear(self, *, complaint_id: str, stage: int, status: str, at: datetime) -> None:
        """A stage said a complaint's status; an earlier stage's word comes too late to count
        (the topics interleave), and a word that changes nothing records nothing."""
        said = self.complaints.get(complaint_id)
        is_open = ComplaintStatus(status) not in NOT_OPEN
        closes = status == ComplaintStatus.CLOSED
        if said is not None and (said[0] > stage or (said == (stage, is_open) and not closes)):
            return
        self._heard(complaint_id=complaint_id, stage=stage, status=status, at=at)

    @event("Heard")
    def _heard(self, *, complaint_id: str, stage: int, status: str, at: datetime) -> None:
        self.complaints[complaint_id] = (stage, ComplaintStatus(status) not in NOT_OPEN)
        if status == ComplaintStatus.CLOSED and (
            self.last_closed_at is None or at > self.last_closed_at
        ):
            self.last_closed_at = at


def track(app: IntakeApplication, event: DomainEvent, envelope: Envelope, cause: Cause) -> None:
    """Record the status the event sets in its customer's cases. A complaint intake did not
    file holds no personal data here, so it has no effect."""
    said = status_set_by(event)
    complaint_id = uuid.UUID(envelope.subject)
    if said is None or complaint_id not in app.repository:
        return
    customer_id = app.get_complaint(complaint_id).customer["id"]
    cases_id = CustomerCases.create_id(envelope.tenant, customer_id)
    cases = (app.repository.get(cases_id) if cases_id in app.repository
             else CustomerCases(tenant=envelope.tenant, customer_id=customer_id))
    stage, status = said
    cases.hear(complaint_id=envelope.subject, stage=int(stage), status=str(status),
               at=envelope.time)
    app.save(cases, cause=cause)


def every_customer(app: IntakeApplication) -> Iterator[CustomerCases]:
    """Each customer's cases, read page by page from the store's notification log."""
    topics = [get_topic(CustomerCases.Registered)]
    start = None
    while notifications := app.recorder.select_notifications(
        start, PAGE, topics=topics, inclusive_of_start=False
    ):
        for notification in notifications:
            yield app.repository.get(notification.originator_id)
        start = notifications[-1].id


# Intake's own events open a complaint (imported history may close it); resolution's close it
# and open it again.
INTAKE_HANDLERS = dict.fromkeys((intake.ComplaintReceived, intake.ComplaintMarkedDuplicate,
                                 intake.ComplaintHistoryRecorded), track)
RESOLUTION_HANDLERS = dict.fromkeys((resolution.ComplaintClosed, resolution.ComplaintReopened),
                                    track)
