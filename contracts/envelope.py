"""The CloudEvents 1.0 envelope that carries every domain event on Kafka."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

NAMESPACE = uuid.UUID("6f1c2a8e-3b7d-4a52-9a0e-0c5d3e2f7b10")


class DomainEvent(BaseModel):
    """Base of every published event payload (the envelope's `data`)."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    event_type: ClassVar[str]


class ComplaintEvent(DomainEvent):
    """Base of the events about one complaint: its id is the envelope's subject and Kafka key."""

    complaint_id: str


class Envelope(BaseModel):
    """CloudEvents attributes plus correlation, causation, sequence and tenant."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    specversion: Literal["1.0"] = "1.0"
    id: uuid.UUID
    source: str = Field(description="URI of the producing service, e.g. /services/intake")
    type: str = Field(description="Versioned past-tense event type, e.g. complaint.received.v1")
    subject: str = Field(description="The complaint id; also the Kafka message key")
    time: datetime
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str
    correlationid: uuid.UUID
    causationid: uuid.UUID | None = None
    sequence: int = Field(ge=1, description="Version of the aggregate that recorded the event")
    tenant: str = Field(min_length=1)
    # The CloudEvents distributed-tracing extension: the W3C Trace Context of the span that
    # stored the event. Never validated here: a consumer given an invalid one starts a new trace.
    traceparent: str | None = Field(
        default=None, description="W3C traceparent of the span that recorded the event"
    )
    tracestate: str | None = Field(default=None, description="W3C tracestate, if any")
    data: dict[str, Any]

    @model_serializer(mode="wrap")
    def _absent_trace_left_out(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # An event stored outside any trace has no trace context: the attributes are left out,
        # not null, so such a message reads exactly as before the extension.
        dumped = handler(self)
        for name in TRACE_ATTRIBUTES:
            if dumped.get(name) is None:
                dumped.pop(name, None)
        return dumped


TRACE_ATTRIBUTES = ("traceparent", "tracestate")


def schema_uri(event_type: str) -> str:
    """Where the JSON Schema of an event type is published."""
    return f"urn:complaints:schema:{event_type}"


def event_id(source: str, aggregate_id: uuid.UUID | str, sequence: int) -> uuid.UUID:
    """Deterministic envelope id, so a re-published event keeps its identity."""
    return uuid.uuid5(NAMESPACE, f"{source}/{aggregate_id}/{sequence}")


def wrap(
    event: DomainEvent,
    *,
    source: str,
    subject: str,
    sequence: int,
    tenant: str,
    correlation_id: uuid.UUID,
    causation_id: uuid.UUID | None = None,
    aggregate_id: uuid.UUID | str | None = None,
    time: datetime | None = None,
    traceparent: str | None = None,
    tracestate: str | None = None,
) -> Envelope:
    """Put a domain event in its envelope."""
    return Envelope(
        id=event_id(source, aggregate_id or subject, sequence),
        source=source,
        type=event.event_type,
        subject=subject,
        time=time or datetime.now(UTC),
        dataschema=schema_uri(event.event_type),
        correlationid=correlation_id,
        causationid=causation_id,
        sequence=sequence,
        tenant=tenant,
        traceparent=traceparent,
        tracestate=tracestate,
        data=event.model_dump(mode="json"),
    )


def correlation_for(complaint_id: str) -> uuid.UUID:
    """Every event about one complaint shares this correlation id, across services."""
    return uuid.uuid5(NAMESPACE, f"complaint/{complaint_id}")
