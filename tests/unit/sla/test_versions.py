"""Policies and calendars are versioned: edits reach new clocks; running ones move only by a
recorded re-base; a version number cannot be reused for other content."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from runtime.yaml_nodes import ConfigFileError
from services.sla.application import SlaApplication
from services.sla.catalog import (
    DEFAULT_CALENDAR_DIR,
    DEFAULT_POLICY_FILE,
    VersionReused,
    read_documents,
)
from services.sla.ledger import ledger
from tests.unit.sla.conftest import T0, cst, fact


def edited_policy(tmp_path: Path, version: str, **p1_first_response) -> Path:
    policy = yaml.safe_load(DEFAULT_POLICY_FILE.read_text())
    policy["version"] = version
    policy["tiers"]["P1"]["targets"]["first_response"] = p1_first_response
    path = tmp_path / f"policy-{version}.yaml"
    path.write_text(yaml.safe_dump(policy, allow_unicode=True))
    return path


def p1(app: SlaApplication, complaint_id: str, at=T0) -> None:
    app.record(fact("received", at, complaint_id=complaint_id))
    app.record(fact("classified", at, complaint_id=complaint_id, severity="P1",
                    category="outage"))


def test_an_edited_policy_reaches_new_clocks_and_leaves_running_ones_alone(
    app: SlaApplication, tmp_path: Path,
):
    p1(app, "before")
    app.put_in_force(read_documents(edited_policy(tmp_path, "2", within="15m"),
                                    [DEFAULT_CALENDAR_DIR]))
    p1(app, "after")

    before = app.get_sla("before").clocks["first_response"]
    after = app.get_sla("after").clocks["first_response"]
    assert (before.policy_version, before.due["breach"]) == ("1.1", T0 + timedelta(minutes=30))
    assert (after.policy_version, after.due["breach"]) == ("2", T0 + timedelta(minutes=15))


def test_a_rebase_moves_a_running_clock_and_is_recorded_with_who_and_why(
    app: SlaApplication, tmp_path: Path, clock,
):
    p1(app, "c-1")
    app.put_in_force(read_documents(edited_policy(tmp_path, "2", within="15m"),
                                    [DEFAULT_CALENDAR_DIR]))
    clock.set(T0 + timedelta(minutes=5))

    moved = app.rebase("c-1", actor="supervisor-3", reason="P1 response target is now 15 min")

    # Both move onto version 2; only the first-response deadline changes with it.
    assert moved == ["first_response", "resolution"]
    resolution = app.get_sla("c-1").clocks["resolution"]
    assert (resolution.policy_version, resolution.due["breach"]) == ("2", T0 + timedelta(hours=2))
    clock_ = app.get_sla("c-1").clocks["first_response"]
    assert (clock_.policy_version, clock_.due["breach"], clock_.due["warning"]) == (
        "2", T0 + timedelta(minutes=15), T0 + timedelta(minutes=12))
    [rebased] = [e for e in ledger(app.stored_events("c-1")) if e.kind == "rebased"
                 and e.detail["trigger"] == "policy" and e.clock == "first_response"]
    assert (rebased.clock, rebased.actor, rebased.at, rebased.detail["previous_deadline_at"],
            rebased.detail["deadline_at"], rebased.detail["policy"]) == (
        "first_response", "supervisor-3", T0 + timedelta(minutes=5),
        T0 + timedelta(minutes=30), T0 + timedelta(minutes=15), "default@2")


def test_reusing_a_version_number_for_other_content_is_refused(
    app: SlaApplication, tmp_path: Path,
):
    with pytest.raises(VersionReused):
        app.put_in_force(read_documents(edited_policy(tmp_path, "1.1", within="15m"),
                                        [DEFAULT_CALENDAR_DIR]))
    assert app.catalog.active_policy().version == "1.1"


def test_an_invalid_policy_is_refused_on_load(tmp_path: Path):
    path = edited_policy(tmp_path, "3", within="soon")
    with pytest.raises(ConfigFileError, match=r"^policy-3\.yaml:\d+: tiers\.P1\.targets\."
                       r"first_response\.within: .*durations read like 30m"):
        read_documents(path, [DEFAULT_CALENDAR_DIR])


def test_a_running_clock_keeps_counting_in_the_calendar_version_it_started_with(
    app: SlaApplication, tmp_path: Path,
):
    app.record(fact("received", T0))  # P3, office hours in cn-mainland@2026.1
    app.record(fact("wait", cst(3, 11), reason="photos"))
    calendars = tmp_path / "calendars"
    calendars.mkdir()
    edited = yaml.safe_load((DEFAULT_CALENDAR_DIR / "cn-mainland.yaml").read_text())
    edited["version"] = "2025.2"
    edited["holidays"].append("2025-03-04")  # a new day off on Tuesday
    (calendars / "cn-mainland.yaml").write_text(yaml.safe_dump(edited, allow_unicode=True))
    app.put_in_force(read_documents(DEFAULT_POLICY_FILE, [calendars]))

    app.record(fact("reply", cst(3, 12)))
    app.record(fact("received", T0, complaint_id="c-2"))

    old = app.get_sla("c-1").clocks["first_response"]
    new = app.get_sla("c-2").clocks["first_response"]
    assert (old.calendar_version, old.due["breach"]) == ("2026.1", cst(5, 17))  # +1 h paused
    assert (new.calendar_version, new.due["breach"]) == ("2025.2", cst(6, 16))  # skips Tuesday
