"""Applies one consumed event to the read model, at most once per event id: the row changes
and the record of the event id commit in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from contracts import intake, sla, work
from contracts.envelope import DomainEvent, Envelope
from runtime.inbox import Rejected
from runtime.vault import VaultError, is_sealed
from services.work import terms
from services.work.domain import Clock, changes_of, clock_after, sla_summary
from services.work.query import stamp
from services.work.store import Run, Store

log = logging.getLogger(__name__)

# Opens a sealed personal field: (tenant, customer id, sealed value) -> plaintext, None if erased.
Opener = Callable[[str, str, str], str | None]


class Projection:
    """The read model's writer."""

    def __init__(self, store: Store, *, search_key: bytes, opener: Opener | None) -> None:
        self.store = store
        self.search_key = search_key
        self.opener = opener

    def apply(self, envelope: Envelope, event: DomainEvent) -> bool:
        """Project an event; False if its id was projected before."""
        with self.store.transaction() as run:
            event_id = str(envelope.id)
            if run("SELECT 1 FROM work_seen_events WHERE event_id = ?", (event_id,)):
                return False
            run("INSERT INTO work_seen_events (event_id) VALUES (?)", (event_id,))
            if isinstance(event, intake.CustomerErased):
                forget_customer(run, envelope.tenant, event.customer_id)
                return True
            self._complaint(run, envelope, event)
            return True

    def _complaint(self, run: Run, envelope: Envelope, event: DomainEvent) -> None:
        complaint_id = getattr(event, "complaint_id", envelope.subject)
        row = locked_row(self.store, run, complaint_id, envelope)
        changes = changes_of(event, row)
        if type(event) in sla.EVENTS:
            changes |= self._clocks(run, complaint_id, event)
        if isinstance(event, work.ComplaintTagged):
            run("INSERT INTO work_tags (complaint_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (complaint_id, event.tag))
        if isinstance(event, work.ComplaintUntagged):
            run("DELETE FROM work_tags WHERE complaint_id = ? AND tag = ?",
                (complaint_id, event.tag))
        if isinstance(event, intake.ComplaintReceived):
            self._index(run, envelope.tenant, event)
        changes["updated_at"] = max(row["updated_at"], stamp(envelope.time))
        assignments = ", ".join(f"{column} = ?" for column in changes)
        run(f"UPDATE work_complaints SET {assignments} WHERE complaint_id = ?",
            (*changes.values(), complaint_id))

    def _clocks(self, run: Run, complaint_id: str, event: DomainEvent) -> dict[str, Any]:
        clock_id = event.clock_id  # type: ignore[attr-defined]
        rows = run("SELECT * FROM work_clocks WHERE clock_id = ?", (clock_id,))
        after = clock_after(event, _clock(rows[0]) if rows else None)
        if after is not None:
            run("DELETE FROM work_clocks WHERE clock_id = ?", (clock_id,))
            run("INSERT INTO work_clocks (clock_id, complaint_id, state, warn_at, deadline_at, "
                "warned, breached) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (clock_id, complaint_id, after.state, after.warn_at, after.deadline_at,
                 int(after.warned), int(after.breached)))
        clocks = run("SELECT * FROM work_clocks WHERE complaint_id = ?", (complaint_id,))
        return sla_summary(_clock(c) for c in clocks)

    def _index(self, run: Run, tenant: str, event: intake.ComplaintReceived) -> None:
        texts = [t for t in (self._open(tenant, event, event.subject),
                             self._open(tenant, event, event.text)) if t]
        contact = self._open(tenant, event, event.customer_contact)
        run("DELETE FROM work_search_keys WHERE complaint_id = ?", (event.complaint_id,))
        for key in sorted(terms.document_keys(self.search_key, tenant, texts=texts,
                                              contact=contact)):
            run("INSERT INTO work_search_keys (digest, complaint_id, tenant, customer_id) "
                "VALUES (?, ?, ?, ?)", (key, event.complaint_id, tenant, event.customer_id))

    def _open(self, tenant: str, event: intake.ComplaintReceived, value: str | None) -> str | None:
        if not value:
            return None
        if not is_sealed(value):
            return value  # stored before intake sealed personal fields
        if self.opener is None:
            return None
        try:
            return self.opener(tenant, event.customer_id, value)
        except VaultError as error:
            log.warning("a sealed field does not open; not searchable", extra={
                "complaint_id": event.complaint_id, "error": type(error).__name__})
            return None


def locked_row(store: Store, run: Run, complaint_id: str, envelope: Envelope) -> dict[str, Any]:
    """The complaint's row, created empty if this is the first event heard of it; locked."""
    run("INSERT INTO work_complaints (complaint_id, tenant, received_at, updated_at, sla_state, "
        "reopen_count, historical) VALUES (?, ?, ?, ?, 'on_time', 0, 0) "
        "ON CONFLICT (complaint_id) DO NOTHING",
        (complaint_id, envelope.tenant, stamp(envelope.time), stamp(envelope.time)))
    row = run(f"SELECT * FROM work_complaints WHERE complaint_id = ?{store.for_update}",
              (complaint_id,))[0]
    if row["tenant"] != envelope.tenant:
        raise Rejected(f"complaint {complaint_id} belongs to another tenant")
    return row


def forget_customer(run: Run, tenant: str, customer_id: str) -> None:
    """Erasure: nothing the customer wrote or can be reached at stays findable."""
    run("DELETE FROM work_search_keys WHERE tenant = ? AND customer_id = ?", (tenant, customer_id))


def _clock(row: dict[str, Any]) -> Clock:
    return Clock(row["clock_id"], row["state"], row["warn_at"], row["deadline_at"],
                 bool(row["warned"]), bool(row["breached"]))
