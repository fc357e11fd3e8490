"""Which events travel on which topic, and how a consumer turns bytes into an event."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from pydantic import TypeAdapter

from contracts import analytics, dispatch, inbound, intake, notify, resolution, sla, work
from contracts.envelope import DomainEvent, Envelope, schema_uri
from contracts.topics import (
    ANALYTICS_EVENTS,
    DEAD_LETTER,
    DISPATCH_EVENTS,
    INBOUND,
    INTAKE_EVENTS,
    NOTIFY_EVENTS,
    RESOLUTION_EVENTS,
    SLA_EVENTS,
    WORK_EVENTS,
    TopicSpec,
)

# Dead letters carry the failed message as it arrived plus the reason, not a domain event.
TOPIC_EVENTS: Mapping[TopicSpec, tuple[type[DomainEvent], ...]] = MappingProxyType({
    INBOUND: inbound.EVENTS,
    INTAKE_EVENTS: intake.EVENTS,
    DISPATCH_EVENTS: dispatch.EVENTS,
    SLA_EVENTS: sla.EVENTS,
    RESOLUTION_EVENTS: resolution.EVENTS,
    ANALYTICS_EVENTS: analytics.EVENTS,
    NOTIFY_EVENTS: notify.EVENTS,
    WORK_EVENTS: work.EVENTS,
    DEAD_LETTER: (),
})

Upcaster = Callable[[dict[str, Any]], tuple[str, dict[str, Any]]]

# Old event type -> function turning its `data` into (newer type, newer data). Applied by
# `parse` before validation, repeatedly, so v1 -> v2 -> v3 chains work. Register one when a
# breaking change introduces a `.vN+1` type; stored and in-flight `.vN` events keep parsing.
UPCASTERS: dict[str, Upcaster] = {}

_MAX_UPCASTS = 16
_JSON_OBJECT = TypeAdapter(dict[str, Any])


class UnknownEventType(LookupError):
    """The envelope's `type` is not a published contract (nor upcastable to one)."""

    def __init__(self, event_type: object) -> None:
        super().__init__(f"unknown event type: {event_type!r}")
        self.event_type = event_type


def _index() -> tuple[dict[str, type[DomainEvent]], dict[str, TopicSpec]]:
    types: dict[str, type[DomainEvent]] = {}
    topics: dict[str, TopicSpec] = {}
    for topic, events in TOPIC_EVENTS.items():
        for cls in events:
            if cls.event_type in types:
                raise RuntimeError(f"event type {cls.event_type} is declared twice")
            types[cls.event_type] = cls
            topics[cls.event_type] = topic
    return types, topics


EVENT_TYPES, _TOPIC_BY_TYPE = _index()


def topic_for(event_type: str) -> TopicSpec:
    """The topic an event type is published on."""
    try:
        return _TOPIC_BY_TYPE[event_type]
    except KeyError:
        raise UnknownEventType(event_type) from None


def upcast(raw: dict[str, Any]) -> dict[str, Any]:
    """Rewrite an envelope of an old event type into the current type, if an upcaster exists."""
    event_type, data = raw.get("type"), raw.get("data")
    if not isinstance(data, dict):
        return raw
    for _ in range(_MAX_UPCASTS):
        if event_type not in UPCASTERS:
            break
        event_type, data = UPCASTERS[event_type](data)
    else:
        raise RuntimeError(f"upcaster chain from {raw.get('type')!r} does not end")
    if event_type == raw.get("type"):
        return raw
    return {**raw, "type": event_type, "dataschema": schema_uri(event_type), "data": data}


def parse(envelope_json: bytes | str | Mapping[str, Any]) -> tuple[Envelope, DomainEvent]:
    """Validate an envelope and its payload; raise UnknownEventType or ValidationError."""
    if isinstance(envelope_json, bytes | str):
        raw = _JSON_OBJECT.validate_json(envelope_json)  # malformed JSON is a ValidationError too
    else:
        raw = _JSON_OBJECT.validate_python(envelope_json)
    envelope = Envelope.model_validate(upcast(raw))
    cls = EVENT_TYPES.get(envelope.type)
    if cls is None:
        raise UnknownEventType(envelope.type)
    return envelope, cls.model_validate(envelope.data)
