"""Maps internal aggregate events to published envelopes at the service boundary."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from contracts.envelope import DomainEvent, Envelope, correlation_for, wrap

ToContract = Callable[[Any], DomainEvent]


class Translator:
    """Turns a stored aggregate event into an envelope; unmapped events stay internal."""

    def __init__(self, *, source: str, tenant: str, mappings: Mapping[type, ToContract]) -> None:
        self.source = source
        self.tenant = tenant
        self.mappings = mappings

    def __call__(self, stored: Any, tenant: str | None = None) -> Envelope | None:
        """The envelope of a stored event; `tenant` is the aggregate's, when the event lacks it."""
        to_contract = self.mappings.get(type(stored))
        if to_contract is None:
            return None
        payload = to_contract(stored)
        # An event about no one complaint (notify's record of a spike alert) is keyed by its
        # aggregate.
        subject = str(getattr(payload, "complaint_id", None) or stored.originator_id)
        cause = getattr(stored, "cause", None)
        return wrap(
            payload,
            source=self.source,
            subject=subject,
            sequence=stored.originator_version,
            tenant=getattr(stored, "tenant", None) or tenant or self.tenant,
            correlation_id=correlation_for(subject),
            causation_id=uuid.UUID(str(cause)) if cause else None,
            aggregate_id=stored.originator_id,
            time=stored.timestamp,
            # The span the event was stored under (runtime.tracing.stamp), as cause is kept.
            traceparent=getattr(stored, "traceparent", None),
            tracestate=getattr(stored, "tracestate", None),
        )
