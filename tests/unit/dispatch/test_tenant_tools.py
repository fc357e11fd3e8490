"""Issue #13, point 4: shadow replay and metrics are per tenant, as dispatch's files are.

`shadow --tenant` replays only that tenant's complaints against its own roster's queues; every
metric names the complaint's tenant, and only tenants dispatch has files for ever appear.
"""

from __future__ import annotations

import io
import json
import textwrap
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from runtime.inbox import Rejected
from services.dispatch.tools import rehearse

from .conftest import classified
from .test_dispatch_is_tenant_scoped import HOME, OTHER, of, service  # noqa: F401 - fixture

GLOBEX_DRAFT = """\
    version: "g-draft"
    default: {queue: vip}
    rules: []
"""


def assigned(tenant: str, rule_id: str, queue: str) -> float:
    return REGISTRY.get_sample_value("dispatch_assignments_total", {
        "tenant": tenant, "rule_id": rule_id, "queue": queue, "trigger": "routed"}) or 0.0


def test_shadow_replays_only_the_named_tenants_complaints_against_its_roster(
    service, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811
):
    _, _, inbox = service
    inbox.process(*of(HOME, classified("h-1", "other", language="en")))
    inbox.process(*of(OTHER, classified("g-1", "billing_charges")))
    inbox.process(*of(OTHER, classified("g-2", "other")))
    draft = tmp_path / "draft.yaml"
    draft.write_text(textwrap.dedent(GLOBEX_DRAFT), encoding="utf-8")
    # The tenant's roster is found where dispatch reads it: its folder (vip is not HOME's).
    monkeypatch.setenv("TENANT", HOME)
    monkeypatch.setenv("DISPATCH_TENANTS_DIR", str(tmp_path / "tenants"))
    out, err = io.StringIO(), io.StringIO()

    code = rehearse.main(["--rules", str(draft), "--tenant", OTHER, "--json",
                        "--url", f"sqlite:///{tmp_path}/dispatch.sqlite"], out=out, err=err)

    report = json.loads(out.getvalue())
    assert (code, err.getvalue()) == (0, "")
    assert (report["tenant"], report["complaints"]) == (OTHER, 2)
    assert report["queues"] == [{"queue": "general", "current": 1, "draft": 0},
                                {"queue": "vip", "current": 1, "draft": 2}]
    assert report["changed"] == [{"complaint_id": "g-2", "current_queue": "general",
                                  "current_rule": "default", "draft_queue": "vip",
                                  "draft_rule": "default"}]


def test_metrics_name_each_complaints_tenant_and_no_tenant_without_files(
    service,  # noqa: F811
):
    _, _, inbox = service
    before = (assigned(HOME, "default", "general"), assigned(OTHER, "default", "general"))

    inbox.process(*of(HOME, classified("h-1", "other", language="en")))
    inbox.process(*of(OTHER, classified("g-1", "other")))
    inbox.process(*of(OTHER, classified("g-2", "other")))  # g-ann is full: g-2 waits
    with pytest.raises(Rejected):
        inbox.process(*of("initech", classified("i-1", "other")))

    after = (assigned(HOME, "default", "general"), assigned(OTHER, "default", "general"))
    assert (after[0] - before[0], after[1] - before[1]) == (1, 1)
    assert REGISTRY.get_sample_value(
        "dispatch_queue_depth", {"tenant": OTHER, "queue": "general"}) == 1
    tenants = {sample.labels.get("tenant") for metric in REGISTRY.collect()
               if metric.name.startswith("dispatch_") for sample in metric.samples}
    assert "initech" not in tenants
    assert {HOME, OTHER} <= tenants
