"""The SLA service's Prometheus metrics: clocks, alarms, time remaining, calendar coverage."""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from prometheus_client import REGISTRY, Counter, Gauge
from prometheus_client.core import GaugeHistogramMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

WARNINGS = Counter("sla_warnings_total", "Warnings recorded", ["severity", "target"])
BREACHES = Counter("sla_breaches_total", "Breaches recorded", ["severity", "target"])
ESCALATIONS = Counter("sla_escalations_total", "Escalations recorded", ["level", "target"])
TIMER_ERRORS = Counter("sla_timer_errors_total", "Timer passes that failed and were retried")
UNCOVERED_DEADLINES = Counter(
    "sla_calendar_uncovered_deadlines_total",
    "Clock schedules computed into a year whose holidays their calendar version does not know",
    ["calendar", "year"],
)
COVERED_UNTIL = Gauge(
    "sla_calendar_covered_until_timestamp_seconds",
    "When the holidays known to each calendar in force end (start of its first uncovered year)",
    ["calendar"],
)

# Seconds until the deadline of running clocks; negative buckets hold the overdue ones.
REMAINING_BUCKETS = (-86400.0, -3600.0, -600.0, 0.0, 600.0, 1800.0, 3600.0, 7200.0, 28800.0,
                     86400.0, 259200.0, 604800.0, 2592000.0)

# (severity, target, status, deadline or None) of every live clock
ClockSummary = tuple[str, str, str, datetime | None]


def count_alarm(alarm: str, severity: str, target: str) -> None:
    """Count one alarm that this replica recorded."""
    if alarm == "warning":
        WARNINGS.labels(severity, target).inc()
    elif alarm == "breach":
        BREACHES.labels(severity, target).inc()
    else:
        ESCALATIONS.labels(alarm.removeprefix("escalation:"), target).inc()


def count_uncovered(calendar_id: str, years: Iterable[int]) -> None:
    """Count one clock schedule that reached years its calendar does not cover."""
    for year in years:
        UNCOVERED_DEADLINES.labels(calendar_id, str(year)).inc()


def show_coverage(covered_until: dict[str, datetime]) -> None:
    """Publish how far each calendar in force knows its holidays (unbounded ones are left out)."""
    COVERED_UNTIL.clear()
    for calendar_id, until in sorted(covered_until.items()):
        COVERED_UNTIL.labels(calendar_id).set(until.timestamp())


class ClockCollector(Collector):
    """Reads the live clocks at scrape time: counts by status and a time-remaining histogram."""

    def __init__(self) -> None:
        self.source: Callable[[], Iterable[ClockSummary]] = list
        self.now: Callable[[], datetime] | None = None

    def collect(self) -> Iterator[Metric]:
        clocks = list(self.source())
        running = GaugeMetricFamily(
            "sla_clocks", "Live SLA clocks", labels=["severity", "target", "status"]
        )
        for (severity, target, status), n in sorted(Tally(c[:3] for c in clocks).items()):
            running.add_metric([severity, target, status], n)
        yield running
        remaining = GaugeHistogramMetricFamily(
            "sla_time_remaining_seconds", "Seconds until the deadline of running clocks",
            labels=["severity"],
        )
        if self.now is not None:
            now = self.now()
            by_severity: dict[str, list[float]] = {}
            for severity, _, status, deadline in clocks:
                if status == "running" and deadline is not None:
                    by_severity.setdefault(severity, []).append((deadline - now).total_seconds())
            for severity, values in sorted(by_severity.items()):
                buckets = [(str(b), sum(v <= b for v in values)) for b in REMAINING_BUCKETS]
                buckets.append(("+Inf", len(values)))
                remaining.add_metric([severity], buckets, sum(values))
        yield remaining


CLOCKS = ClockCollector()
_registered = False


def watch(source: Callable[[], Iterable[ClockSummary]], now: Callable[[], datetime]) -> None:
    """Point the clock metrics at a due index (the latest call wins; registered once)."""
    global _registered
    CLOCKS.source, CLOCKS.now = source, now
    if not _registered:
        REGISTRY.register(CLOCKS)
        _registered = True
