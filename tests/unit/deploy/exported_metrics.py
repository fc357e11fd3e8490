"""The metrics the platform exports, and the metric and label names a PromQL expression reads:
what alert rules and dashboards may query is checked against the first with the second."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

from prometheus_client import REGISTRY

# Prefixes of the platform's own metrics: a PromQL token starting with one names a metric.
OURS = ("consumer_", "outbox_", "dead_letters", "sla_", "analytics_", "auth_", "dispatch_",
        "intake_", "rate_limited", "pii_", "http_", "resolution_", "notify_")
ROOT = Path(__file__).resolve().parents[3]
# Custom collectors (prometheus_client.core's *MetricFamily) register nothing at import: their
# families are read from the source, with the series names each kind exposes.
FAMILY = re.compile(
    r'\b(Counter|Gauge|Histogram|GaugeHistogram|Summary)MetricFamily\(\s*"([a-z_0-9]+)"')
SUFFIXES = {"Counter": ("_total",), "Gauge": ("",), "Histogram": ("_bucket", "_sum", "_count"),
            "GaugeHistogram": ("_bucket", "_gsum", "_gcount"), "Summary": ("_sum", "_count")}
# Series Prometheus itself makes for every scrape target, with their labels.
SCRAPE_SERIES = {"up": ("job", "instance")}


def exported_metrics() -> dict[str, tuple[str, ...]]:
    """Every metric the services (and the scrape) produce, with its label names."""
    # audit defines no metric of its own: it serves runtime's (HTTP, auth).
    for package in ("runtime", "services"):
        for module in pkgutil.walk_packages(importlib.import_module(package).__path__,
                                            f"{package}."):
            importlib.import_module(module.name)
    ours = {name: tuple(getattr(collector, "_labelnames", ()))
            for name, collector in REGISTRY._names_to_collectors.items()}
    return {**ours, **collected_families(), **SCRAPE_SERIES}


def collected_families() -> dict[str, tuple[str, ...]]:
    """The series of the services' custom collectors, with their label names."""
    found: dict[str, tuple[str, ...]] = {}
    for path in (ROOT / "services").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for match in FAMILY.finditer(source):
            kind, name = match.groups()
            labels = re.search(r"labels=\[([^\]]*)\]", _call(source, match.end()))
            names = tuple(re.findall(r'"([a-z_0-9]+)"', labels.group(1))) if labels else ()
            found.update({f"{name}{suffix}": names for suffix in SUFFIXES[kind]})
    return found


def _call(source: str, start: int) -> str:
    """The arguments of the call whose first argument ends at `start`, up to its `)`."""
    depth = 1
    for end in range(start, len(source)):
        depth += {"(": 1, ")": -1}.get(source[end], 0)
        if depth == 0:
            return source[start:end]
    return source[start:]


def metrics_in(expr: str) -> set[str]:
    """The metric names an expression reads (label values and functions are left out)."""
    without_strings = re.sub(r'"[^"]*"', '""', expr)
    tokens = re.findall(r"[a-zA-Z_][a-zA-Z0-9_]*", without_strings)
    return {token for token in tokens if token.startswith(OURS) or token in SCRAPE_SERIES}


def labels_in(expr: str) -> set[str]:
    """The labels an expression groups by or matches on."""
    grouped = {label.strip() for group in re.findall(r"by \(([^)]*)\)", expr)
               for label in group.split(",") if label.strip()}
    matched = set(re.findall(r"([a-z_]+)\s*!?=~?\s*\"", expr))
    return grouped | matched
