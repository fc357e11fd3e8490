"""Intake's Prometheus metrics: what arrives, by channel, what is refused, by reason, and how
complaints are understood (category, severity, duplicates, classification time)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

RECEIVED = Counter(
    "intake_complaints_received_total", "Complaints accepted (new ones, not repeats)",
    ["channel"],
)
REJECTED = Counter(
    "intake_submissions_rejected_total",
    "Submissions refused over HTTP, by reason (dead letters are counted as dead_letters_total)",
    ["reason"],
)
BATCH_SIZE = Histogram(
    "intake_batch_size", "Items per batch request",
    buckets=(1, 5, 10, 25, 50, 100, 250, 500, 1000),
)
GROUP_COMMIT_SIZE = Histogram(
    "intake_group_commit_size", "HTTP filings saved in one event-store transaction",
    buckets=(1, 2, 4, 8, 16, 32, 64),
)
CLASSIFIED = Counter(
    "intake_complaints_classified_total", "Complaints classified, by category and severity",
    ["category", "severity"],
)
DUPLICATES_LINKED = Counter(
    "intake_duplicates_linked_total",
    "Complaints linked to an earlier one of the same customer instead of opened anew",
)
CLASSIFICATION_SECONDS = Histogram(
    "intake_classification_seconds", "Time to classify one complaint's plaintext",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)


def count_understood(understanding: dict | None, duplicate_of: str | None) -> None:
    """Count a saved complaint as classified (by category and severity) or as a duplicate."""
    if duplicate_of:
        DUPLICATES_LINKED.inc()
    elif understanding:
        CLASSIFIED.labels(understanding["category"], understanding["severity"]).inc()
