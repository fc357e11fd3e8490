"""Prometheus metrics shared by every service (each service adds its own too)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS_PUBLISHED = Counter(
    "outbox_events_published_total", "Events the outbox relay published", ["service", "topic"]
)
OUTBOX_LAG = Gauge(
    "outbox_lag_events", "Stored events not yet acknowledged by the broker", ["service"]
)
EVENTS_CONSUMED = Counter(
    "consumer_events_total",
    "Consumed events by outcome (handled, duplicate, ignored)",
    ["service", "topic", "outcome"],
)
DEAD_LETTERS = Counter(
    "dead_letters_total", "Messages sent to the dead-letter topic", ["service", "topic", "reason"]
)
HANDLER_SECONDS = Histogram(
    "consumer_handler_seconds", "Time to apply one consumed event", ["service", "topic"]
)
