"""The approval policy and solution library are validated on load and reloaded when changed."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from contracts.resolution import ResolutionKind
from runtime.yaml_nodes import ConfigFileError
from services.resolution.config import PACKAGE
from services.resolution.domain.approval_policy import ApprovalPolicy, UnsupportedCurrency
from services.resolution.domain.solutions import SolutionLibrary
from services.resolution.policy_files import PolicyFile

POLICY = yaml.safe_load((PACKAGE / "approval_policy.yaml").read_text())
LIBRARY = yaml.safe_load((PACKAGE / "solutions.yaml").read_text())


def write(path: Path, data: dict, mtime_ns: int) -> None:
    path.write_text(yaml.safe_dump(data))
    os.utime(path, ns=(mtime_ns, mtime_ns))


def test_the_shipped_files_are_valid() -> None:
    policy = ApprovalPolicy.model_validate(POLICY)
    library = SolutionLibrary.model_validate(LIBRARY)

    assert policy.chain_for(ResolutionKind.REFUND, Decimal("999.99"), "CNY") == ("team_lead",)
    assert policy.chain_for(ResolutionKind.EXPLANATION_APOLOGY, None, None) == ()
    assert {s.kind for s in library.solutions} == set(ResolutionKind)


@pytest.mark.parametrize(("change", "message"), [
    (lambda p: p["rules"].pop("refund"), "no approval rule for"),
    (lambda p: p["rules"]["refund"].reverse(), "steps must be in order of from_amount"),
    (lambda p: p["rules"]["refund"].append({"role": "team_lead", "from_amount": "9.00"}),
     "a role appears twice"),
    (lambda p: p.update(currency="yuan"), "currency"),
    (lambda p: p["rules"]["refund"][0].update(from_amount="-1"), "greater than or equal"),
    (lambda p: p["rules"]["refund"][0].update(approver="x"), "Extra inputs"),
    (lambda p: p["rules"]["refund"][0].update(role="manager"),
     "'manager' is not a role that decides approvals"),
    (lambda p: p["rules"]["refund"][0].update(role="agent"),
     "'agent' is not a role that decides approvals"),
])
def test_an_invalid_policy_is_refused(change, message: str) -> None:
    policy = yaml.safe_load(yaml.safe_dump(POLICY))
    change(policy)

    with pytest.raises(ValidationError, match=message):
        ApprovalPolicy.model_validate(policy)


@pytest.mark.parametrize(("change", "message"), [
    (lambda lib: lib["solutions"].pop(0), "no solution of kind"),
    (lambda lib: lib["solutions"].append(dict(lib["solutions"][0])), "unique"),
    (lambda lib: lib["solutions"][3].update(default_amount="5.00"), "carries no amount"),
    (lambda lib: lib["solutions"][2].update(default_amount="30000.00"), "exceeds max_amount"),
])
def test_an_invalid_library_is_refused(change, message: str) -> None:
    library = yaml.safe_load(yaml.safe_dump(LIBRARY))
    change(library)

    with pytest.raises(ValidationError, match=message):
        SolutionLibrary.model_validate(library)


def test_a_proposal_in_another_currency_is_refused() -> None:
    policy = ApprovalPolicy.model_validate(POLICY)
    with pytest.raises(UnsupportedCurrency, match="thresholds are in CNY"):
        policy.chain_for(ResolutionKind.REFUND, Decimal("10.00"), "USD")


def test_a_changed_file_is_reloaded_and_a_broken_one_keeps_the_last_good(tmp_path: Path) -> None:
    path = tmp_path / "approval.yaml"
    write(path, POLICY, 1_000_000_000)
    policy_file = PolicyFile(path, ApprovalPolicy)
    assert policy_file.current().version == "2026.11.1"

    write(path, {**POLICY, "version": "2026.12.1"}, 2_000_000_000)
    assert policy_file.current().version == "2026.12.1"

    write(path, {**POLICY, "rules": {}}, 3_000_000_000)
    assert policy_file.current().version == "2026.12.1"


def test_a_broken_file_at_start_up_stops_the_service(tmp_path: Path) -> None:
    path = tmp_path / "approval.yaml"
    write(path, {**POLICY, "currency": "x"}, 1_000_000_000)
    with pytest.raises(ConfigFileError, match=r"^approval.yaml:\d+: currency: "):
        PolicyFile(path, ApprovalPolicy)
