"""Which department and queue own a complaint, as dispatch last said: what object-level access
checks compare a caller's departments and queues with (docs/access-control.md).

Services other than dispatch learn it from `complaint.assigned.v1`, `complaint.queued.v1` (a
complaint waiting in a queue belongs to that queue's department) and
`complaint.transferred.v1`. The `Ownership` aggregate lives in the service's own event store;
its events are internal (no translator maps them), so nothing new is published.
"""

from __future__ import annotations

import uuid

from eventsourcing.domain import Aggregate, event

from contracts.dispatch import ComplaintAssigned, ComplaintQueued, ComplaintTransferred
from contracts.envelope import NAMESPACE, Envelope
from runtime.eventstore import Cause, ServiceApplication


class Ownership(Aggregate):
    """The tenant, department and queue of one complaint."""

    @staticmethod
    def create_id(complaint_id: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"ownership/{complaint_id}")

    @event("Recorded")
    def __init__(self, *, complaint_id: str, tenant: str, department: str, queue: str) -> None:
        self.complaint_id = complaint_id
        self.tenant = tenant
        self.department = department
        self.queue = queue

    def move(self, *, department: str, queue: str) -> None:
        """Follow the complaint to another department or queue (no event if it stays)."""
        if (department, queue) != (self.department, self.queue):
            self._moved(department=department, queue=queue)

    @event("Moved")
    def _moved(self, *, department: str, queue: str) -> None:
        self.department, self.queue = department, queue


def owner_of(app: ServiceApplication, complaint_id: str) -> Ownership | None:
    """The complaint's owner as last recorded, None before dispatch has routed it."""
    ownership_id = Ownership.create_id(complaint_id)
    if ownership_id not in app.repository:
        return None
    return app.repository.get(ownership_id)


def followed(app: ServiceApplication, *, complaint_id: str, tenant: str, department: str,
             queue: str) -> Ownership:
    """The ownership after this routing, with its new events pending (save it)."""
    ownership = owner_of(app, complaint_id)
    if ownership is None:
        return Ownership(complaint_id=complaint_id, tenant=tenant, department=department,
                         queue=queue)
    ownership.move(department=department, queue=queue)
    return ownership


def record_assignment(app: ServiceApplication, event: ComplaintAssigned | ComplaintQueued,
                      envelope: Envelope, cause: Cause) -> None:
    """Dispatch gave the complaint to a queue (an agent or not yet): remember its department
    and queue."""
    app.save(followed(app, complaint_id=event.complaint_id, tenant=envelope.tenant,
                      department=event.department, queue=event.queue), cause=cause)


def record_transfer(app: ServiceApplication, event: ComplaintTransferred, envelope: Envelope,
                    cause: Cause) -> None:
    """The complaint moved: its new department and queue decide who may see it."""
    app.save(followed(app, complaint_id=event.complaint_id, tenant=envelope.tenant,
                      department=event.to_department, queue=event.to_queue), cause=cause)


HANDLERS = {
    ComplaintAssigned: record_assignment,
    ComplaintQueued: record_assignment,
    ComplaintTransferred: record_transfer,
}
