"""The Prometheus alert rules name metrics and labels the code exports, and link a runbook entry."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest
import yaml
from prometheus_client import REGISTRY

ROOT = Path(__file__).resolve().parents[3]
RULES = ROOT / "deploy" / "prometheus" / "alerts.yaml"
RUNBOOK = ROOT / "docs" / "runbook.md"
OURS = ("consumer_", "outbox_", "dead_letters", "sla_", "analytics_", "auth_", "dispatch_",
        "intake_", "rate_limited", "pii_")


def rules() -> list[dict]:
    return [rule for group in yaml.safe_load(RULES.read_text())["groups"]
            for rule in group["rules"]]


@pytest.fixture(scope="module")
def exported() -> dict[str, tuple[str, ...]]:
    """Every metric the services register, with its label names."""
    for package in ("runtime", "services"):
        for module in pkgutil.walk_packages(importlib.import_module(package).__path__,
                                            f"{package}."):
            importlib.import_module(module.name)
    return {name: tuple(getattr(collector, "_labelnames", ()))
            for name, collector in REGISTRY._names_to_collectors.items()}


def metrics_in(expr: str) -> set[str]:
    return {token for token in re.findall(r"[a-z_][a-z0-9_]*", expr) if token.startswith(OURS)}


def labels_in(expr: str) -> set[str]:
    grouped = {label.strip() for group in re.findall(r"by \(([^)]*)\)", expr)
               for label in group.split(",")}
    matched = set(re.findall(r"([a-z_]+)\s*=~?\s*\"", expr))
    return grouped | matched


def anchor(heading: str) -> str:
    return re.sub(r"[^a-z0-9 -]", "", heading.lower()).replace(" ", "-")


@pytest.mark.parametrize("rule", rules(), ids=lambda rule: rule["alert"])
def test_each_rule_uses_exported_metrics_and_labels(
    rule: dict, exported: dict[str, tuple[str, ...]]
) -> None:
    names = metrics_in(rule["expr"])

    assert names, "the rule reads none of the platform's metrics"
    assert names <= set(exported), f"not exported: {names - set(exported)}"
    available = {label for name in names for label in exported[name]}
    assert labels_in(rule["expr"]) <= available
    # A summary may only name labels the expression keeps.
    kept = {label.strip() for group in re.findall(r"by \(([^)]*)\)", rule["expr"])
            for label in group.split(",")}
    templated = set(re.findall(r"\$labels\.([a-z_]+)", str(rule["annotations"])))
    assert templated <= kept


@pytest.mark.parametrize("rule", rules(), ids=lambda rule: rule["alert"])
def test_each_rule_has_a_severity_a_summary_and_a_runbook_entry(rule: dict) -> None:
    headings = {anchor(h) for h in re.findall(r"^## (.+)$", RUNBOOK.read_text(), re.MULTILINE)}

    assert rule["labels"]["severity"] in {"page", "ticket"}
    assert rule["annotations"]["summary"]
    path, _, entry = rule["annotations"]["runbook"].partition("#")
    assert (ROOT / path).resolve() == RUNBOOK.resolve()
    assert entry in headings


def test_every_runbook_entry_belongs_to_an_alert() -> None:
    headings = re.findall(r"^## (.+)$", RUNBOOK.read_text(), re.MULTILINE)

    assert sorted(headings) == sorted(rule["alert"] for rule in rules())
