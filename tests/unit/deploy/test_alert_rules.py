"""The Prometheus alert rules name metrics and labels the code exports, and link a runbook entry."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.unit.deploy.exported_metrics import exported_metrics, labels_in, metrics_in

ROOT = Path(__file__).resolve().parents[3]
RULES = ROOT / "deploy" / "prometheus" / "alerts.yaml"
RUNBOOK = ROOT / "docs" / "runbook.md"


def rules() -> list[dict]:
    return [rule for group in yaml.safe_load(RULES.read_text())["groups"]
            for rule in group["rules"]]


@pytest.fixture(scope="module")
def exported() -> dict[str, tuple[str, ...]]:
    """Every metric the services register, with its label names."""
    return exported_metrics()


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
    path, _, entry = rule["annotations"]["runbook_url"].partition("#")
    assert (ROOT / path).resolve() == RUNBOOK.resolve()
    assert entry in headings


def test_every_runbook_entry_belongs_to_an_alert() -> None:
    headings = re.findall(r"^## (.+)$", RUNBOOK.read_text(), re.MULTILINE)

    assert sorted(headings) == sorted(rule["alert"] for rule in rules())
