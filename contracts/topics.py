"""The one registry of topics: name, key, producer, event types, partitions, retention."""

from __future__ import annotations

from dataclasses import dataclass

DAY_MS = 24 * 60 * 60 * 1000
FOREVER = -1
# Kafka's default (about 1 MB) would stop the longest complaint intake accepts: 1,000,000
# characters of up to 4 bytes, sealed in base64, is 5.3 MB in complaint.received.v1, and a
# dead letter carries a message whole. Producers' max_request_size and consumers' fetch sizes
# (runtime.bus, analytics) follow this.
MESSAGE_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class TopicSpec:
    """A Kafka topic and what travels on it."""

    name: str
    key: str
    producer: str
    description: str
    partitions: int = 12
    retention_ms: int = FOREVER
    cleanup_policy: str = "delete"
    max_message_bytes: int = MESSAGE_BYTES

    def config(self) -> dict[str, str]:
        """Topic-level broker configuration."""
        return {"retention.ms": str(self.retention_ms), "cleanup.policy": self.cleanup_policy,
                "max.message.bytes": str(self.max_message_bytes)}


# Domain event topics keep everything: analytics rebuilds and auditors replay from them.
# Inbound submissions are transient input (the accepted ones live on as intake events),
# so a week covers any outage of intake. Dead letters stay a quarter for investigation.
INBOUND = TopicSpec(
    "complaints.inbound.v1", "channel submission id", "channel adapters",
    "Raw submissions from channel adapters, validated by intake.",
    retention_ms=7 * DAY_MS,
)
INTAKE_EVENTS = TopicSpec("intake.events.v1", "complaint id", "intake", "Intake domain events.")
DISPATCH_EVENTS = TopicSpec(
    "dispatch.events.v1", "complaint id", "dispatch", "Dispatch domain events."
)
SLA_EVENTS = TopicSpec("sla.events.v1", "complaint id", "sla", "SLA domain events.")
RESOLUTION_EVENTS = TopicSpec(
    "resolution.events.v1", "complaint id", "resolution", "Resolution domain events."
)
WORK_EVENTS = TopicSpec(
    "work.events.v1", "complaint id", "work", "Work events: manual tags on complaints."
)
ANALYTICS_EVENTS = TopicSpec(
    "analytics.events.v1", "alert dimension", "analytics", "Analytics alerts (spikes)."
)
NOTIFY_EVENTS = TopicSpec(
    "notify.events.v1", "complaint id", "notify",
    "Delivery records of notifications: channel, recipient, outcome; no message bodies.",
)
DEAD_LETTER = TopicSpec(
    "deadletter.v1", "original message key", "any consumer",
    "Messages that could not be processed, with the reason and where they came from.",
    retention_ms=90 * DAY_MS,
)

DOMAIN_TOPICS: tuple[TopicSpec, ...] = (
    INTAKE_EVENTS, DISPATCH_EVENTS, SLA_EVENTS, RESOLUTION_EVENTS, ANALYTICS_EVENTS,
)
# People's own marks (work's tags) are not complaint facts: analytics does not fold them.
ALL_TOPICS: tuple[TopicSpec, ...] = (
    INBOUND, *DOMAIN_TOPICS, NOTIFY_EVENTS, WORK_EVENTS, DEAD_LETTER,
)
