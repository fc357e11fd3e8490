"""notify's Prometheus metrics: every send's outcome by channel, and what waits."""

from prometheus_client import Counter, Gauge

DELIVERIES = Counter(
    "notify_deliveries_total",
    "Notification sends by channel and outcome: sent, retried (a failed attempt that will be "
    "tried again), failed (dead-lettered after the last attempt), cancelled",
    ["channel", "outcome"],
)
PENDING = Gauge("notify_pending_messages", "Messages planned and not yet sent, failed or "
                "cancelled (including those waiting for quiet hours to end)")


def count(channel: str, outcome: str) -> None:
    DELIVERIES.labels(channel, outcome).inc()
