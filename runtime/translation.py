"""Maps internal aggregate events to published envelopes at the service boundary."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from contracts.envelope import DomainEvent, Envelope, correlation_for, wrap
from runtime.attribution import Origin, origin_of

ToContract = Callable[[Any], DomainEvent]


class Translator:
    """Turns a stored aggregate event into an envelope; unmapped events stay internal.

    A function of the stored event alone: the event names its tenant and complaint
    (runtime.attribution). Only an event stored before that asks `first_events`."""

    def __init__(
        self, *, source: str, mappings: Mapping[type, ToContract],
        first_events: Callable[[uuid.UUID], Origin] | None = None,
    ) -> None:
        self.source = source
        self.mappings = mappings
        self.first_events = first_events

    def __call__(self, stored: Any) -> Envelope | None:
        """The envelope of a stored event; None for an internal one."""
        to_contract = self.mappings.get(type(stored))
        if to_contract is None:
            return None
        tenant, complaint_id = origin_of(stored, self.first_events)
        if getattr(stored, "complaint_id", None) != complaint_id:
            stored = copy.copy(stored)  # an old event, attributed from its aggregate's first
            stored.__dict__["complaint_id"] = complaint_id
        payload = to_contract(stored)
        # An event about no one complaint (notify's record of a spike alert, an erasure) is
        # keyed by its aggregate.
        subject = str(getattr(payload, "complaint_id", None) or stored.originator_id)
        cause = getattr(stored, "cause", None)
        return wrap(
            payload,
            source=self.source,
            subject=subject,
            sequence=stored.originator_version,
            tenant=tenant,
            correlation_id=correlation_for(subject),
            causation_id=uuid.UUID(str(cause)) if cause else None,
            aggregate_id=stored.originator_id,
            time=stored.timestamp,
            # The span the event was stored under (runtime.tracing.stamp), as cause is kept.
            traceparent=getattr(stored, "traceparent", None),
            tracestate=getattr(stored, "tracestate", None),
        )
