"""What of an event analytics keeps: everything but personal data, as one ClickHouse row."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC
from typing import Any, NamedTuple

from contracts.envelope import DomainEvent, Envelope
from contracts.personal import personal_names
from contracts.registry import TOPIC_EVENTS
from contracts.topics import DOMAIN_TOPICS
from runtime.vault import PREFIX, is_sealed

# Keys that carry personal data in some event payload, at any depth: every field the contracts
# mark Personal (contracts.personal), so there is one list. ClickHouse is shared by analysts and
# never erased per customer, so these values must not reach it at all: neither in plaintext
# (events published before sealing, kept forever on the topics) nor sealed. A name marked on one
# event is dropped from every event. The survey link went too: a credential, not personal data.
PERSONAL_DATA_KEYS = personal_names(
    event for topic in DOMAIN_TOPICS for event in TOPIC_EVENTS[topic]
) | {"link"}
# Not personal data in itself, but a join key to it: analytics keeps a keyed hash instead, so
# recurrence can still be counted and nobody can look a customer up by their id.
PSEUDONYMISED_KEYS = frozenset({"customer_id"})
_MARKERS = (*(f'"{key}"' for key in PERSONAL_DATA_KEYS | PSEUDONYMISED_KEYS), PREFIX)

EVENT_COLUMNS = (
    "event_id", "type", "complaint_id", "tenant", "source", "time", "sequence",
    "correlation_id", "data",
)


class Consumed(NamedTuple):
    """One event as it arrived: the envelope and its validated payload."""

    envelope: Envelope
    event: DomainEvent


class Pseudonyms:
    """HMAC-SHA256 of tenant and customer id under a secret key: stable, not reversible."""

    def __init__(self, key: str) -> None:
        self.key = key.encode()

    def __call__(self, tenant: str, customer_id: str) -> str:
        message = f"{tenant}\x1f{customer_id}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()[:32]


def without_personal_data(
    value: Any, pseudonymise: Callable[[str], str] | None = None
) -> Any:
    """A copy of a JSON value without personal-data keys or sealed values, at any depth.

    Values under PSEUDONYMISED_KEYS are replaced by `pseudonymise(value)` when it is given.
    """
    # Written as loops, not recursion on every scalar: this runs for every projected event.
    if isinstance(value, Mapping):
        kept = {}
        for key, item in value.items():
            if key in PERSONAL_DATA_KEYS or is_sealed(item):
                continue
            if isinstance(item, Mapping | list | tuple):
                item = without_personal_data(item, pseudonymise)
            elif pseudonymise and key in PSEUDONYMISED_KEYS and isinstance(item, str):
                item = pseudonymise(item)
            kept[key] = item
        return kept
    if isinstance(value, list | tuple):
        return [
            without_personal_data(item, pseudonymise) if isinstance(item, Mapping | list | tuple)
            else item
            for item in value if not is_sealed(item)
        ]
    return value


def event_row(consumed: Consumed, pseudonyms: Pseudonyms) -> dict[str, Any]:
    """The `events` row of a consumed event; `data` holds only the contract's known fields."""
    envelope = consumed.envelope
    # For the few events that are not about one complaint (customer.erased, analytics alerts)
    # the envelope subject is their own record id; it still goes to `complaint_id`.
    return {
        "event_id": str(envelope.id),
        "type": envelope.type,
        "complaint_id": envelope.subject,
        "tenant": envelope.tenant,
        "source": envelope.source,
        "time": _ch_time(envelope.time),
        "sequence": envelope.sequence,
        "correlation_id": str(envelope.correlationid),
        "data": event_data(consumed, pseudonyms),
    }


def event_data(consumed: Consumed, pseudonyms: Pseudonyms) -> str:
    """The payload as JSON, without personal data and with customer ids pseudonymised."""
    text = consumed.event.model_dump_json()
    # Most payloads have none of the keys or sealed values: a key absent from the text is
    # absent at any depth, so only the others are walked.
    if not any(marker in text for marker in _MARKERS):
        return text
    tenant = consumed.envelope.tenant
    kept = without_personal_data(json.loads(text), lambda customer: pseudonyms(tenant, customer))
    return json.dumps(kept, ensure_ascii=False, separators=(",", ":"))


def first_of_each(batch: Iterable[Consumed]) -> list[Consumed]:
    """The batch without repeats of an event id (a redelivery inside one batch)."""
    seen: dict[str, Consumed] = {}
    for consumed in batch:
        seen.setdefault(str(consumed.envelope.id), consumed)
    return list(seen.values())


def seen_row(consumed: Consumed) -> dict[str, Any]:
    """The `seen_events` row that marks an event as projected."""
    return {"time": _ch_time(consumed.envelope.time), "event_id": str(consumed.envelope.id)}


def _ch_time(value: Any) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "milliseconds")


def unseen(batch: Sequence[Consumed], stored_ids: Iterable[str]) -> list[Consumed]:
    """The events of a batch whose ids are not among those already stored."""
    stored = set(stored_ids)
    return [consumed for consumed in batch if str(consumed.envelope.id) not in stored]
