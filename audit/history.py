"""A complaint's history across every service, and its state as of any instant."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from audit.fold import fold
from audit.stores import Record, ServiceStore, missing_services
from contracts.envelope import Envelope
from contracts.intake import ComplaintReceived, CustomerErased

# Events about the complaint's customer rather than the complaint (their subject is not the
# complaint id); they belong to its history all the same, e.g. why its personal data is gone.
ABOUT_CUSTOMERS = frozenset({CustomerErased.event_type})


class UnknownComplaint(LookupError):
    """No service stored any event about this complaint."""


class AuditTrail:
    """Reads complaints' histories from the services' stores; never writes."""

    def __init__(self, stores: Sequence[ServiceStore]) -> None:
        self.stores = stores
        # Optional services (notify, work) whose stores do not exist here: a history lacks
        # their records, and says so.
        self.missing = missing_services(stores)
        self._rank = {store.name: i for i, store in enumerate(stores)}

    def records(self, complaint_id: str) -> list[Record]:
        """The complaint's stored events with their envelopes, in history order."""
        wanted = candidates(complaint_id)
        return self.in_history_order(
            about(complaint_id, [r for s in self.stores for r in s.records(s.rows(), wanted)])
        )

    def in_history_order(self, records: list[Record]) -> list[Record]:
        """By time, then service (causes first), then aggregate sequence, then position."""
        return sorted(records, key=lambda r: (
            r.envelope.time, self._rank[r.service], r.envelope.sequence, r.position
        ))

    def history(self, complaint_id: str) -> list[Envelope]:
        """The complaint's published events from every service, in order."""
        return [r.envelope for r in self.records(complaint_id)]

    def state_as_of(self, complaint_id: str, instant: datetime) -> dict[str, Any]:
        """The complaint's state folded from the events recorded up to and at the instant."""
        if instant.tzinfo is None:
            raise ValueError("the instant needs a time zone, e.g. 2026-01-01T00:00:00Z")
        upto = [e for e in self.history(complaint_id) if e.time <= instant]
        state = fold(complaint_id, upto).model_copy(update={"as_of": instant})
        return state.model_dump(mode="json")


def candidates(complaint_id: str) -> Callable[[Envelope], bool]:
    """Which envelopes may be about the complaint: its own, and customer events to match."""
    return lambda e: e.subject == complaint_id or e.type in ABOUT_CUSTOMERS


def about(complaint_id: str, records: list[Record]) -> list[Record]:
    """The complaint's own records, and those about its customer; UnknownComplaint if none."""
    own = [r for r in records if r.envelope.subject == complaint_id]
    if not own:
        raise UnknownComplaint(complaint_id)
    customers = {customer(r) for r in own if r.envelope.type == ComplaintReceived.event_type}
    return own + [r for r in records
                  if r.envelope.type in ABOUT_CUSTOMERS and customer(r) in customers]


def customer(record: Record) -> tuple[str, str]:
    return record.envelope.tenant, record.envelope.data["customer_id"]
