"""#17.7: every kind of rule or policy file is read by the runtime's one YAML loader, so a
mistake in any of them is reported as `file:line: ...` at the line where it was made.

Each case takes the shipped file, breaks one line of it, and loads it the way its service
does; the error must name the file and that line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from runtime.yaml_nodes import ConfigFileError
from services.dispatch.roster import parse_roster
from services.dispatch.rule_file import parse_rules as parse_routing
from services.intake.classification.sentiment import load_sentiment
from services.intake.classification.severity import load_severity
from services.intake.classification.taxonomy import load_taxonomy
from services.intake.retention_policy import load_policy as load_retention
from services.notify.rule_file import parse_rules as parse_notify
from services.resolution.domain.approval_policy import ApprovalPolicy
from services.resolution.domain.root_causes import RootCauseTaxonomy
from services.resolution.domain.solutions import SolutionLibrary
from services.resolution.policy_files import PolicyFile
from services.sla.catalog import read_documents

REPO = Path(__file__).resolve().parents[3]


def by_bytes(parse: Callable[..., object]) -> Callable[[Path], object]:
    return lambda path: parse(path.read_bytes(), source=path.name)


def sla_policy(path: Path) -> object:
    return read_documents(path, [], tenants_file=None)


def sla_calendar(path: Path) -> object:
    return read_documents(REPO / "services/sla/policies/default.yaml", [path.parent],
                          tenants_file=None)


def sla_tenants(path: Path) -> object:
    return read_documents(REPO / "services/sla/policies/default.yaml", [], tenants_file=path)


# (shipped file, how its service loads it, the line to break (its start), what it becomes)
CASES = {
    "intake taxonomy": ("services/intake/classification/taxonomy.yaml", load_taxonomy,
                        "min_rule_weight:", "min_rule_weight: -1"),
    "intake severity": ("services/intake/classification/severity.yaml", load_severity,
                        "default:", "default: P9"),
    "intake sentiment": ("services/intake/classification/sentiment.yaml", load_sentiment,
                         "smoothing:", "smoothing: lots"),
    "intake retention": ("services/intake/retention.yaml", load_retention,
                         "  personal_data:", "  personal_data: {after: closure, keep: 5 years}"),
    "dispatch routing": ("services/dispatch/rules/routing.yaml", by_bytes(parse_routing),
                         "    priority: 10", "    priority: ten"),
    "dispatch roster": ("services/dispatch/rules/roster.yaml", by_bytes(parse_roster),
                        "    supervisor: sup-cs", "    supervisor: [sup-cs, 3]"),
    "notify rules": ("services/notify/rules/notify.yaml", by_bytes(parse_notify),
                     "quiet_hours:", 'quiet_hours: {start: "late", end: "08:00"}'),
    "sla policy": ("services/sla/policies/default.yaml", sla_policy,
                   "warn_share:", "warn_share: 2"),
    "sla calendar": ("services/sla/calendars/cn-mainland.yaml", sla_calendar,
                     "timezone:", "timezone: Mars/Olympus"),
    "sla tenants": ("services/sla/tenants.yaml", sla_tenants,
                    "  default:", "  default: {jurisdiction: CN, industry: retail, colour: red}"),
    "resolution approvals": ("services/resolution/approval_policy.yaml",
                             lambda p: PolicyFile(p, ApprovalPolicy),
                             "currency:", "currency: yuan"),
    "resolution solutions": ("services/resolution/solutions.yaml",
                             lambda p: PolicyFile(p, SolutionLibrary),
                             "    kind: refund", "    kind: apology_letter"),
    "resolution root causes": ("services/resolution/root_causes.yaml",
                               lambda p: PolicyFile(p, RootCauseTaxonomy),
                               "  - code: billing_error", "  - code: Billing Error"),
}


def broken_copy(shipped: Path, where: Path, start: str, replacement: str) -> tuple[Path, int]:
    """The shipped file in `where` with its first line starting `start` replaced; that line."""
    lines = shipped.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines) if line.startswith(start))
    lines[number] = replacement + "\n"
    copy = where / shipped.name
    copy.write_text("".join(lines), encoding="utf-8")
    return copy, number + 1


@pytest.mark.parametrize("kind", sorted(CASES))
def test_a_mistake_names_its_file_and_line(kind: str, tmp_path: Path) -> None:
    shipped, load, start, replacement = CASES[kind]
    load(REPO / shipped)  # the shipped file itself is valid
    path, line = broken_copy(REPO / shipped, tmp_path, start, replacement)

    with pytest.raises(ConfigFileError) as refused:
        load(path)

    assert refused.value.source == path.name
    assert refused.value.line == line
    assert str(refused.value).startswith(f"{path.name}:{line}: ")
