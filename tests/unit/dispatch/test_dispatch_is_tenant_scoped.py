"""Issue #13, point 4: dispatch is tenant-scoped. Each tenant has its own roster, routing rules
and desks; a complaint lands only with its own tenant's people, and a tenant with no rules
is refused (dead-lettered), never routed into another tenant's desks."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from eventsourcing.application import AggregateNotFoundError
from fastapi.testclient import TestClient

from contracts.topics import INTAKE_EVENTS, RESOLUTION_EVENTS
from runtime.inbox import Inbox, Rejected
from runtime.yaml_nodes import ConfigFileError
from services.dispatch.bootstrap import bootstrap
from services.dispatch.config import DispatchSettings
from services.dispatch.desk import Desk
from services.dispatch.handlers import SUBSCRIPTIONS
from services.dispatch.rule_history import RuleSetHistory
from tests.auth_tokens import Tokens, bearer
from tests.problems import reason

from .conftest import ROSTER, RULES, classified, sample

HOME = "experian-us"  # the deployment's TENANT, and the golden samples' tenant
OTHER = "globex"

GLOBEX_ROSTER = """\
    executive: g-exec
    departments:
      care: {supervisor: g-sup, team_lead: g-lead, head: g-head}
    queues:
      general: {department: care, strategy: round_robin}
      vip: {department: care, strategy: skill_based}
    agents:
      - {id: g-ann, queues: [general], capacity: 1}
      - {id: g-vic, queues: [vip], skills: [vip], capacity: 1}
"""

GLOBEX_RULES = """\
    version: "g-1"
    default: {queue: general}
    rules:
      - {id: vip-billing, priority: 1, when: {category: [billing_*]}, queue: vip, skills: [vip]}
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def service(tmp_path: Path, tokens: Tokens):
    tenants = tmp_path / "tenants"
    write(tenants / OTHER / "roster.yaml", GLOBEX_ROSTER)
    write(tenants / OTHER / "routing.yaml", GLOBEX_RULES)
    settings = DispatchSettings(
        data_dir=tmp_path, tenant=HOME, roster_path=write(tmp_path / "roster.yaml", ROSTER),
        routing_rules_path=write(tmp_path / "routing.yaml", RULES),
        dispatch_tenants_dir=tenants, **tokens.settings,
    )
    http, runtime = bootstrap(settings)
    yield http, runtime.app, Inbox(app=runtime.app, consumer="dispatch",
                                   handlers=SUBSCRIPTIONS[INTAKE_EVENTS])
    runtime.app.close()


def of(tenant: str, envelope_and_event):
    envelope, event = envelope_and_event
    return envelope.model_copy(update={"tenant": tenant}), event


def test_each_complaint_lands_only_with_its_own_tenants_people(service):
    _, app, inbox = service

    inbox.process(*of(HOME, classified("h-1", "billing_charges", language="en")))
    inbox.process(*of(OTHER, classified("g-1", "billing_charges")))
    inbox.process(*of(OTHER, classified("g-2", "other")))

    assert [(a.tenant, a.rule_id, a.queue, a.department, a.agent_id, a.rule_set_version)
            for a in map(app.get_assignment, ["h-1", "g-1", "g-2"])] == [
        (HOME, "billing", "billing", "service", "ana", "2025.1"),
        (OTHER, "vip-billing", "vip", "care", "g-vic", "g-1"),
        (OTHER, "default", "general", "care", "g-ann", "g-1"),
    ]
    # The home tenant keeps the desk ids it had before tenants; others' desks are their own.
    assert {agent: set(held) for agent, held in
            app.repository.get(Desk.create_id("service")).holding.items()} == {"ana": {"h-1"}}
    assert set(app.repository.get(Desk.create_id("care", OTHER)).holding) == {"g-ann", "g-vic"}
    assert Desk.create_id("care", OTHER) != Desk.create_id("care")
    # Each tenant's rule set has its own recorded history.
    assert app.repository.get(RuleSetHistory.create_id("routing")).rule_set_version == "2025.1"
    assert app.repository.get(
        RuleSetHistory.create_id(f"routing/{OTHER}")).rule_set_version == "g-1"


def test_a_close_frees_the_slot_on_its_own_tenants_desk(service):
    _, app, inbox = service
    inbox.process(*of(OTHER, classified("g-1", "other")))
    inbox.process(*of(OTHER, classified("g-2", "other")))  # g-ann is full: g-2 waits

    closing = sample("complaint.closed.v1", complaint_id="g-1")
    Inbox(app=app, consumer="dispatch", handlers=SUBSCRIPTIONS[RESOLUTION_EVENTS]).process(
        *of(OTHER, closing))

    assert (app.get_assignment("g-2").status, app.get_assignment("g-2").agent_id) == (
        "assigned", "g-ann")


def test_a_tenant_without_rules_or_roster_is_refused_never_routed_elsewhere(service):
    _, app, inbox = service

    with pytest.raises(Rejected, match="tenant 'initech' has no routing rules or roster"):
        inbox.process(*of("initech", classified("i-1", "billing_charges")))

    with pytest.raises(AggregateNotFoundError):
        app.get_assignment("i-1")
    assert all(not (desk and desk.holding) for desk in app.desks().values())


def test_a_supervisor_sees_and_manages_only_their_own_tenants_roster_and_workload(
    service, tokens: Tokens
):
    http, app, inbox = service
    client = TestClient(http)
    inbox.process(*of(HOME, classified("h-1", "other")))
    inbox.process(*of(OTHER, classified("g-1", "other")))
    theirs = bearer(tokens.token("supervisor", "administrator", tenant=OTHER,
                                 departments=["care"]))
    home = bearer(tokens.token("supervisor", tenant=HOME, departments=["service", "care"]))

    workload = client.get("/v1/workload", headers=theirs).json()
    rules = client.get("/v1/routing", headers=theirs).json()
    changed = client.patch("/v1/roster/agents/g-ann", json={"capacity": 3}, headers=theirs)
    foreign_agent = client.patch("/v1/roster/agents/ana", json={"capacity": 3}, headers=theirs)
    home_workload = client.get("/v1/workload", headers=home).json()
    home_reaching = client.patch("/v1/roster/agents/g-ann", json={"capacity": 9}, headers=home)

    assert [(a["agent_id"], a["open"]) for a in workload["agents"]] == [
        ("g-ann", 1), ("g-vic", 0)]
    assert [q["queue"] for q in workload["queues"]] == ["general", "vip"]
    assert (rules["version"], rules["default_queue"]) == ("g-1", "general")
    assert (changed.status_code, changed.json()["capacity"]) == (200, 3)
    assert (foreign_agent.status_code, reason(foreign_agent)) == (
        404, {"detail": "agent not found"})
    assert [a["agent_id"] for a in home_workload["agents"]] == ["ana", "bo", "cy"]
    assert (home_reaching.status_code, reason(home_reaching)) == (
        404, {"detail": "agent not found"})
    assert app.seat("g-ann", tenant=OTHER).capacity == 3


def test_a_tenant_folder_without_its_roster_stops_the_start(tmp_path: Path, tokens: Tokens):
    write(tmp_path / "tenants" / OTHER / "routing.yaml", GLOBEX_RULES)
    settings = DispatchSettings(
        data_dir=tmp_path, tenant=HOME, roster_path=write(tmp_path / "roster.yaml", ROSTER),
        routing_rules_path=write(tmp_path / "routing.yaml", RULES),
        dispatch_tenants_dir=tmp_path / "tenants", **tokens.settings,
    )
    with pytest.raises(ConfigFileError, match=f"tenant {OTHER!r}: roster.yaml is missing"):
        bootstrap(settings)


def test_a_tenant_rule_naming_another_tenants_queue_stops_the_start(
    tmp_path: Path, tokens: Tokens
):
    write(tmp_path / "tenants" / OTHER / "roster.yaml", GLOBEX_ROSTER)
    write(tmp_path / "tenants" / OTHER / "routing.yaml",
          GLOBEX_RULES.replace("queue: vip,", "queue: fraud,"))
    settings = DispatchSettings(
        data_dir=tmp_path, tenant=HOME, roster_path=write(tmp_path / "roster.yaml", ROSTER),
        routing_rules_path=write(tmp_path / "routing.yaml", RULES),
        dispatch_tenants_dir=tmp_path / "tenants", **tokens.settings,
    )
    with pytest.raises(ConfigFileError, match="queue 'fraud' is not in the roster"):
        bootstrap(settings)
