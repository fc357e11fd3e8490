"""Intake's Prometheus metrics: what arrives, by channel, and what is refused, by reason."""

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
