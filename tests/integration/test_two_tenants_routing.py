"""Issue #13, point 4 on the real broker: two tenants with different rules and rosters file at
once; each complaint is assigned only to its own tenant's agents (the published event carries
its tenant), each tenant's supervisor sees only their own workload, each tenant's SLA clocks
follow its own policy, and a tenant dispatch has no files for is dead-lettered, not routed."""

from __future__ import annotations

import json
import textwrap
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml

from contracts.envelope import DomainEvent, correlation_for, wrap
from contracts.intake import Channel, ComplaintClassified, ComplaintReceived
from contracts.topics import DEAD_LETTER, DISPATCH_EVENTS, INTAKE_EVENTS
from services.dispatch.bootstrap import bootstrap as dispatch_bootstrap
from services.dispatch.config import DispatchSettings
from services.sla.bootstrap import bootstrap as sla_bootstrap
from services.sla.config import SlaSettings
from services.sla.domain import ComplaintSla
from tests.auth_tokens import Tokens, bearer
from tests.integration.test_dispatch_routing import Tail, publish
from tests.integration.test_sla_deadlines import until_true

pytestmark = pytest.mark.integration

T0 = datetime(2024, 3, 4, 2, 0, tzinfo=UTC)  # Monday 10:00 in Beijing

# Both tenants name their queue `general`: the names are theirs, the desks are not shared.
ACME_ROSTER = """\
    executive: a-exec
    departments:
      service: {supervisor: a-sup, team_lead: a-lead, head: a-head}
      billing: {supervisor: a-bsup, team_lead: a-blead, head: a-bhead}
    queues:
      general: {department: service, strategy: round_robin}
      billing: {department: billing, strategy: skill_based}
    agents:
      - {id: a-gen, queues: [general], capacity: 5}
      - {id: a-bill, queues: [billing], skills: [billing], capacity: 5}
"""
ACME_RULES = """\
    version: "acme-1"
    default: {queue: general}
    rules:
      - {id: billing, priority: 10, when: {category: [billing_*]}, queue: billing,
         skills: [billing]}
"""
GLOBEX_ROSTER = """\
    executive: g-exec
    departments:
      care: {supervisor: g-sup, team_lead: g-lead, head: g-head}
    queues:
      general: {department: care, strategy: round_robin}
    agents:
      - {id: g-1, queues: [general], capacity: 5}
      - {id: g-2, queues: [general], capacity: 5}
"""
GLOBEX_RULES = """\
    version: "globex-1"
    default: {queue: general}
"""
GLOBEX_POLICY = {
    "policy_id": "globex-fast", "version": "g1",
    "tiers": {severity: {"calendar": "24x7", "targets": {"first_response": {"within": "1h"}}}
              for severity in ("P1", "P2", "P3")},
}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def event(tenant: str, payload: DomainEvent, sequence: int) -> tuple:
    cid = payload.complaint_id
    value = wrap(payload, source="/services/intake", subject=cid, sequence=sequence,
                 tenant=tenant, correlation_id=correlation_for(cid), time=T0).model_dump_json()
    return INTAKE_EVENTS, cid, value.encode()


def filed(tenant: str, cid: str, category: str) -> list[tuple]:
    """What intake publishes for a complaint of `tenant`: received, then classified."""
    return [
        event(tenant, ComplaintReceived(complaint_id=cid, channel=Channel.WEB, customer_id="c",
                                        subject="s", text="t", received_at=T0), 1),
        event(tenant, ComplaintClassified(complaint_id=cid, category=category, severity="P3",
                                          confidence=0.9, language="en"), 2),
    ]


async def test_two_tenants_filing_at_once_each_land_only_with_their_own_people(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    run = uuid.uuid4().hex[:8]
    acme, globex, initech = f"acme-{run}", f"globex-{run}", f"initech-{run}"
    tokens = Tokens(tmp_path / "auth")
    write(tmp_path / "tenants" / globex / "roster.yaml", GLOBEX_ROSTER)
    write(tmp_path / "tenants" / globex / "routing.yaml", GLOBEX_RULES)
    dispatch_http, dispatch = dispatch_bootstrap(DispatchSettings(
        kafka_bootstrap=kafka_bootstrap, data_dir=tmp_path / "dispatch",
        service=f"dispatch-it-{run}", tenant=acme,
        roster_path=write(tmp_path / "roster.yaml", ACME_ROSTER),
        routing_rules_path=write(tmp_path / "routing.yaml", ACME_RULES),
        dispatch_tenants_dir=tmp_path / "tenants", consumer_retry_backoff_s=0.05,
        **tokens.settings,
    ))
    write(tmp_path / "policies" / "globex-fast.yaml", yaml.safe_dump(GLOBEX_POLICY))
    write(tmp_path / "sla-tenants.yaml", yaml.safe_dump({"version": "1", "tenants": {
        acme: {"jurisdiction": "CN", "industry": "retail"},
        globex: {"jurisdiction": "GB", "industry": "retail", "policy": "globex-fast"},
    }}))
    _, sla = sla_bootstrap(SlaSettings(
        kafka_bootstrap=kafka_bootstrap, data_dir=tmp_path / "sla", service=f"sla-it-{run}",
        sla_test_clock=True, sla_test_clock_start=T0,
        sla_tenants_file=tmp_path / "sla-tenants.yaml", sla_policy_dir=tmp_path / "policies",
        **tokens.settings,
    ))
    complaints = {
        f"a-bill-{run}": (acme, "billing_charges"), f"g-bill-{run}": (globex, "billing_charges"),
        f"a-other-{run}": (acme, "other"), f"g-other-{run}": (globex, "other"),
    }
    stray = f"i-bill-{run}"
    # Interleaved, in one burst: the tenants file at the same time.
    burst = [message for cid, (tenant, category) in complaints.items()
             for message in filed(tenant, cid, category)] + filed(initech, stray, "billing_charges")

    async with (dispatch.running(), sla.running(),
                Tail(kafka_bootstrap, DISPATCH_EVENTS, lambda e: e["subject"].endswith(run))
                as assigned,
                Tail(kafka_bootstrap, DEAD_LETTER,
                     lambda d: d["key"] == stray and d["consumer"] == f"dispatch-it-{run}")
                as dead,
                httpx.AsyncClient(transport=httpx.ASGITransport(app=dispatch_http),
                                  base_url="http://dispatch") as api):
        await publish(kafka_bootstrap, burst)
        seen = await assigned.until(lambda seen: len(seen) == len(complaints))
        letters = await dead.until(lambda seen: len(seen) == 1)
        workloads = {
            tenant: (await api.get("/v1/workload", headers=bearer(tokens.token(
                "supervisor", tenant=tenant, departments=departments)))).json()
            for tenant, departments in ((acme, ["service", "billing", "care"]),
                                        (globex, ["care", "service", "billing"]))
        }
        await until_true(lambda: all(
            ComplaintSla.create_id(cid) in sla.app.repository
            and "first_response" in sla.app.get_sla(cid).clocks for cid in complaints))
        clocks = {cid: sla.app.get_sla(cid).clocks["first_response"] for cid in complaints}

    published = {e["subject"]: (e["tenant"], e["type"], e["data"]["department"],
                                e["data"]["agent_id"], e["data"]["rule_set_version"])
                 for e in seen}
    assert {cid: p[:3] + p[4:] for cid, p in published.items()} == {
        f"a-bill-{run}": (acme, "complaint.assigned.v1", "billing", "acme-1"),
        f"a-other-{run}": (acme, "complaint.assigned.v1", "service", "acme-1"),
        f"g-bill-{run}": (globex, "complaint.assigned.v1", "care", "globex-1"),
        f"g-other-{run}": (globex, "complaint.assigned.v1", "care", "globex-1"),
    }
    # Acme's rules send billing to its billing agent; globex's round robin takes turns (which
    # of its two complaints came first depends on the partitions' interleaving).
    assert (published[f"a-bill-{run}"][3], published[f"a-other-{run}"][3]) == ("a-bill", "a-gen")
    assert sorted(published[f"g-{kind}-{run}"][3] for kind in ("bill", "other")) == ["g-1", "g-2"]
    assert [(d["reason"], d["source_topic"]) for d in letters] == [
        ("rejected", INTAKE_EVENTS.name)]
    assert f"tenant {initech!r} has no routing rules or roster" in letters[0]["error"]
    assert json.loads(letters[0]["value"])["subject"] == stray
    assert {tenant: [(a["agent_id"], a["open"]) for a in w["agents"]]
            for tenant, w in workloads.items()} == {
        acme: [("a-gen", 1), ("a-bill", 1)],
        globex: [("g-1", 1), ("g-2", 1)],
    }
    assert {cid: (c.policy_id, c.deadline_at) for cid, c in clocks.items()} == {
        # acme runs the default policy: 24 office hours in Beijing -> Wednesday 16:00 CST.
        f"a-bill-{run}": ("default", datetime(2024, 3, 6, 8, 0, tzinfo=UTC)),
        f"a-other-{run}": ("default", datetime(2024, 3, 6, 8, 0, tzinfo=UTC)),
        # globex runs its own: one hour around the clock.
        f"g-bill-{run}": ("globex-fast", T0 + timedelta(hours=1)),
        f"g-other-{run}": ("globex-fast", T0 + timedelta(hours=1)),
    }

