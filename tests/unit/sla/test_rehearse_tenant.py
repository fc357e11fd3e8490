"""What-if for one tenant (#13, point 4): only its complaints are replayed, against the policy
its clocks start under (its own, from the tenants file), with the draft standing in for it."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import yaml

from services.sla.catalog import DEFAULT_POLICY_FILE
from services.sla.tools.rehearse import main
from tests.unit.sla.conftest import T0
from tests.unit.sla.test_rehearse import UNTIL, complaint

TENANTS = {
    "version": "t1",
    "tenants": {"default": {"jurisdiction": "CN", "industry": "retail"},
                "globex": {"jurisdiction": "CN", "industry": "retail", "policy": "strict"}},
}


def policy(path: Path, policy_id: str, version: str, p1_first_response: str) -> Path:
    data = yaml.safe_load(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))
    data.update(policy_id=policy_id, version=version)
    data["tiers"]["P1"]["targets"]["first_response"] = {"within": p1_first_response}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def of(tenant: str, lines: list[str]) -> list[str]:
    return [json.dumps({**json.loads(line), "tenant": tenant}) for line in lines]


def test_one_tenants_complaints_replay_against_its_own_policy_and_the_draft(
    tmp_path: Path, capsys
) -> None:
    policy(tmp_path / "policies/strict.yaml", "strict", "s1", "15m")
    draft = policy(tmp_path / "draft.yaml", "default", "2-draft", "25m")
    (tmp_path / "tenants.yaml").write_text(yaml.safe_dump(TENANTS), encoding="utf-8")
    history = tmp_path / "history.jsonl"
    history.write_text("\n".join([
        *of("default", complaint("A", T0, "P1", T0 + timedelta(minutes=40))),
        *of("globex", complaint("B", T0, "P1", T0 + timedelta(minutes=20))),  # > 15, <= 25
        *of("globex", complaint("C", T0, "P1", T0 + timedelta(minutes=10))),
    ]) + "\n")

    code = main(["--policy", str(draft), "--tenant", "globex", "--events", str(history),
                 "--tenants-file", str(tmp_path / "tenants.yaml"),
                 "--policy-dir", str(tmp_path / "policies"),
                 "--until", UNTIL.isoformat(), "--json"])

    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (report["tenant"], report["complaints"], report["baseline_policy"],
            report["draft_policy"]) == ("globex", 2, "strict@s1", "default@2-draft")
    assert report["by_clock"]["first_response"] == {
        "clocks": 2, "baseline_breaches": 1, "baseline_rate": 0.5, "draft_breaches": 0,
        "draft_rate": 0.0, "change": -1}
