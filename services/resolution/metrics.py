"""Resolution's Prometheus metrics, computed from the projections when scraped."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client.core import REGISTRY, CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from contracts.resolution import ResolutionKind
from services.resolution.projections import Projections

log = logging.getLogger(__name__)


class ResolutionCollector(Collector):
    """Proposals by kind, pending approvals and their age, reopens, CSAT."""

    def __init__(self, projections: Projections, clock: Callable[[], datetime]) -> None:
        self.projections = projections
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        try:
            self.projections.catch_up()
        except Exception:
            # A scrape must never fail because one collector's store is unavailable: the
            # service's other metrics (and readiness, which reports the store) still matter.
            log.exception("resolution metrics unavailable: the event store did not answer")
            return
        stats, now = self.projections.stats, self.clock()
        proposals = CounterMetricFamily(
            "resolution_proposals", "Resolutions proposed, by kind", labels=["kind"]
        )
        for kind in ResolutionKind:
            proposals.add_metric([kind.value], stats.proposals_by_kind[kind.value])
        yield proposals
        ages = [(now - since).total_seconds() for since in stats.pending_approvals.values()]
        yield GaugeMetricFamily(
            "resolution_approvals_pending", "Proposals waiting for an approval step",
            value=len(ages),
        )
        yield GaugeMetricFamily(
            "resolution_approval_oldest_pending_age_seconds",
            "How long the longest-waiting approval step has waited", value=max(ages, default=0),
        )
        yield GaugeMetricFamily(
            "resolution_approval_pending_age_seconds_sum",
            "Total waiting time of all pending approval steps (divide by the count for the mean)",
            value=sum(ages),
        )
        yield CounterMetricFamily(
            "resolution_reopens", "Complaints reopened after closure", value=stats.reopens
        )
        csat = CounterMetricFamily(
            "resolution_csat_responses", "Survey answers by CSAT score", labels=["score"]
        )
        for score in range(1, 6):
            csat.add_metric([str(score)], stats.csat[score])
        yield csat
        answers = sum(stats.csat.values())
        yield GaugeMetricFamily(
            "resolution_csat_average", "Mean CSAT of all survey answers (0 before the first)",
            value=sum(s * n for s, n in stats.csat.items()) / answers if answers else 0,
        )


_installed: list[ResolutionCollector] = []


def install(collector: ResolutionCollector) -> None:
    """Serve this collector on /metrics, replacing one a previous bootstrap installed."""
    while _installed:
        REGISTRY.unregister(_installed.pop())
    REGISTRY.register(collector)
    _installed.append(collector)


def uninstall() -> None:
    """Stop serving the installed collector (its application is about to close)."""
    while _installed:
        REGISTRY.unregister(_installed.pop())
