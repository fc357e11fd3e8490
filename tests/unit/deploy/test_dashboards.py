"""The Grafana dashboards query only metrics and labels the code exports, from the provisioned
Prometheus, and show what operations and the business asked to see."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.unit.deploy.exported_metrics import exported_metrics, labels_in, metrics_in

GRAFANA = Path(__file__).resolve().parents[3] / "deploy" / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
# Labels PromQL makes or Grafana fills in, not the metrics'.
BUILT_IN = {"le"}  # histogram buckets' upper bounds


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def queries(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    """(where, PromQL) of every panel target and query variable."""
    found = [(f"panel {panel['title']!r}", target["expr"])
             for panel in dashboard["panels"] for target in panel.get("targets", [])]
    found += [(f"variable {var['name']}", var["definition"])
              for var in dashboard["templating"]["list"] if var["type"] == "query"]
    return found


@pytest.fixture(scope="module")
def exported() -> dict[str, tuple[str, ...]]:
    return exported_metrics()


def test_the_three_dashboards_are_there_with_distinct_uids() -> None:
    uids = {path.stem: load(path)["uid"] for path in DASHBOARDS}
    assert uids == {
        "platform": "complaints-platform",
        "business": "complaints-business",
        "analytics-freshness": "complaints-analytics-freshness",
    }


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda path: path.stem)
def test_every_query_reads_exported_metrics_with_their_labels(
    path: Path, exported: dict[str, tuple[str, ...]]
) -> None:
    for where, expr in queries(load(path)):
        names = metrics_in(expr)
        assert names, f"{where} reads none of the platform's metrics: {expr}"
        assert names <= set(exported), f"{where}: not exported: {names - set(exported)}"
        available = {label for name in names for label in exported[name]} | BUILT_IN
        assert labels_in(expr) <= available, f"{where}: {labels_in(expr) - available}"
        # A legend may only name labels the query keeps.
        legends = [t.get("legendFormat", "") for p in load(path)["panels"]
                   for t in p.get("targets", []) if t["expr"] == expr]
        for legend in legends:
            assert set(re.findall(r"\{\{(\w+)\}\}", legend)) <= labels_in(expr), where


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda path: path.stem)
def test_every_panel_uses_the_provisioned_prometheus_and_none_overlaps(path: Path) -> None:
    (datasource,) = yaml.safe_load(
        (GRAFANA / "provisioning/datasources/prometheus.yaml").read_text())["datasources"]
    dashboard = load(path)
    cells: set[tuple[int, int]] = set()
    for panel in dashboard["panels"]:
        if panel["type"] != "row":
            assert panel["datasource"] == {"type": "prometheus", "uid": datasource["uid"]}
            assert all(t["datasource"] == panel["datasource"] for t in panel["targets"])
        grid = panel["gridPos"]
        mine = {(x, y) for x in range(grid["x"], grid["x"] + grid["w"])
                for y in range(grid["y"], grid["y"] + grid["h"])}
        assert not mine & cells, f"{panel['title']!r} overlaps another panel"
        assert grid["x"] + grid["w"] <= 24
        cells |= mine
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("dashboard", "needed"), [
    ("platform", {"http_requests_total", "http_request_duration_seconds_bucket",
                  "consumer_lag_messages", "outbox_lag_events", "dead_letters_total", "up"}),
    ("business", {"intake_complaints_received_total", "intake_complaints_classified_total",
                  "sla_warnings_total", "sla_breaches_total", "analytics_backlog_complaints",
                  "resolution_approvals_pending", "resolution_csat_average"}),
    ("analytics-freshness", {"analytics_snapshot_as_of_seconds", "consumer_lag_messages"}),
])
def test_each_dashboard_shows_what_it_is_for(dashboard: str, needed: set[str]) -> None:
    read = {name for _, expr in queries(load(GRAFANA / "dashboards" / f"{dashboard}.json"))
            for name in metrics_in(expr)}
    assert needed <= read, needed - read


def test_complaints_per_hour_are_split_by_channel_and_by_severity() -> None:
    exprs = [expr for _, expr in queries(load(GRAFANA / "dashboards" / "business.json"))]
    assert "sum by (channel) (increase(intake_complaints_received_total[1h]))" in exprs
    assert "sum by (severity) (increase(intake_complaints_classified_total[1h]))" in exprs
