"""Attack the real services' object routes the way a curious insider or a stolen token would.

Intake, dispatch, SLA, resolution and the audit API are built by their own `bootstrap()` (no
Kafka: the HTTP apps run without their lifespan, the audit API with its own, which only opens
the stores; tests/integration/platform_world.py). One tenant's complaints are filed through
intake and carried through dispatch, SLA and resolution by their own subscriptions, as the
broker would. Then tokens of another tenant, of another department, of another queue, and
made-up ids are fired at every object route of every service: every answer must be the 404 a
missing object gets, byte for byte, and nothing may be stored or logged. Bad tokens are
refused on every route (test_access_control_attack_tokens.py), each role sees only the fields
it may (..._personal_data.py), and the customers' links and quotas hold (..._customers.py).
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from dataclasses import dataclass

import pytest

from runtime.auth.roles import Scope
from tests.auth_tokens import bearer
from tests.integration.attacks import OTHER_TENANT, attackers, holds
from tests.integration.platform_world import EVERY_ROLE, TENANT, World

pytestmark = pytest.mark.integration

RESOLUTION_ROUTES = [
    ("GET", "", None, Scope.COMPLAINTS_READ),
    ("POST", "/accept", None, Scope.COMPLAINTS_WORK),
    ("POST", "/updates", {"text": "x", "visibility": "internal"}, Scope.COMPLAINTS_WORK),
    ("POST", "/notes", {"text": "x"}, Scope.COMPLAINTS_WORK),
    ("POST", "/notifications", {"channel": "email", "kind": "progress_update", "message": "x"},
     Scope.COMPLAINTS_WORK),
    ("POST", "/waiting", {"reason": "x"}, Scope.COMPLAINTS_WORK),
    ("POST", "/customer-replies", {}, Scope.COMPLAINTS_WORK),
    ("POST", "/conflicts", {"person": "p", "reason": "x"}, Scope.COMPLAINTS_WORK),
    ("PUT", "/evidence?filename=a.txt", b"evidence", Scope.COMPLAINTS_WORK),
    ("GET", "/evidence/e-1", None, Scope.PII_READ),
    ("POST", "/proposals", {"solution_id": "refund", "amount": "1.00"}, Scope.COMPLAINTS_WORK),
    ("GET", "/proposals/p-1", None, Scope.COMPLAINTS_READ),
    ("POST", "/proposals/p-1/approvals", None, Scope.APPROVALS_DECIDE),
    ("POST", "/proposals/p-1/rejection", {"reason": "x"}, Scope.APPROVALS_DECIDE),
    ("POST", "/proposals/p-1/tasks", {"title": "t", "assignee": "a",
                                      "due_at": "2030-03-03T00:00:00Z"}, Scope.COMPLAINTS_WORK),
    ("POST", "/proposals/p-1/tasks/t-1/completion", {"evidence_ids": ["e-1"]},
     Scope.COMPLAINTS_WORK),
    ("POST", "/proposals/p-1/execution", {}, Scope.COMPLAINTS_WORK),
    ("POST", "/survey", {"channel": "email"}, Scope.COMPLAINTS_WORK),
    ("POST", "/surveys/s-1/revocation", {"reason": "x"}, Scope.COMPLAINTS_WORK),
    ("POST", "/follow-ups/f-1/completion", {}, Scope.COMPLAINTS_WORK),
    ("POST", "/collaborations/c-1/completion", None, Scope.COMPLAINTS_WORK),
    ("POST", "/root-cause", {"category": "c", "why_chain": ["w"]}, Scope.COMPLAINTS_WORK),
    ("POST", "/closure", {"exception_reason": "x", "root_cause_category": "c"},
     Scope.COMPLAINTS_WORK),
    ("POST", "/reopening", {"reason": "x"}, Scope.COMPLAINTS_WORK),
]



@dataclass(frozen=True, eq=False)  # one object per route: hashed by identity
class Route:
    """One object route: where, with what body, the scope it needs, and what it checks:
    "object" (tenant, department and queue) or "tenant" (configuration and audit routes,
    whose callers are tenant-wide)."""

    service: str
    method: str
    path: str  # with {id}
    body: dict | bytes | None
    scope: str
    rule: str = "object"
    of: str = "complaint"  # or "action": analytics' corrective actions

    def url(self, complaint_id: str) -> str:
        return self.path.format(id=complaint_id)


ROUTES = [
    Route("intake", "GET", "/v1/complaints/{id}", None, Scope.COMPLAINTS_READ),
    Route("intake", "POST", "/v1/complaints/{id}/category", {"category": "billing_charges"},
          Scope.COMPLAINTS_WORK),
    Route("dispatch", "GET", "/v1/assignments/{id}", None, Scope.COMPLAINTS_READ),
    Route("dispatch", "POST", "/v1/assignments/{id}/transfer",
          {"to_queue": "general", "reason": "x"}, Scope.COMPLAINTS_WORK),
    Route("dispatch", "POST", "/v1/assignments/{id}/collaborators",
          {"department": "quality_control", "task": "x"}, Scope.COMPLAINTS_WORK),
    Route("sla", "GET", "/v1/clocks/{id}", None, Scope.COMPLAINTS_READ),
    Route("sla", "GET", "/v1/clocks/{id}/ledger", None, Scope.COMPLAINTS_READ),
    Route("sla", "POST", "/v1/clocks/{id}/extensions",
          {"clock": "first_response", "reason": "x"}, Scope.APPROVALS_DECIDE),
    Route("sla", "POST", "/v1/clocks/{id}/rebase", {"reason": "x"}, Scope.CONFIG_WRITE,
          rule="tenant"),
    *(Route("resolution", method, "/v1/cases/{id}" + suffix, body, scope)
      for method, suffix, body, scope in RESOLUTION_ROUTES),
    *(Route("audit", "GET", f"/v1/audit/complaints/{{id}}/{what}", None, Scope.AUDIT_READ,
            rule="tenant") for what in ("history", "state", "bundle", "chain")),
    Route("analytics", "GET", "/v1/analytics/actions/{id}/effect", None, Scope.ANALYTICS_READ,
          rule="tenant", of="action"),
]


def call(world: World, route: Route, complaint_id: str, headers: dict[str, str]):
    """One request on route about complaint_id (or, on an analytics route, about the tenant's
    corrective action; a made-up id stays made up)."""
    body = route.body
    kwargs = {"content": body} if isinstance(body, bytes) else {"json": body}
    target = world.action_id if route.of == "action" and complaint_id in world.departments \
        else complaint_id
    return world.clients[route.service].request(
        route.method, route.url(target), headers=headers, **kwargs)

def reachable(why: str, roles: list[str], route: Route) -> bool:
    """Whether the attacker gets past the scope check to the object check."""
    if not holds(roles, route.scope):
        return False  # 403 before any lookup: tested below
    # A tenant-wide route (configuration, audit) has no department to be outside of.
    return route.rule == "object" or "tenant" in why or "capitals" in why


def test_a_thousand_forbidden_requests_all_look_like_missing_objects(world: World):
    rng = random.Random(9)
    owner = bearer(world.tokens.token(*EVERY_ROLE, tenant=TENANT, sub="root"))
    missing = {}
    for route in ROUTES:
        response = call(world, route, str(uuid.uuid4()), owner)
        assert response.status_code == 404, (route, response.text)
        missing[route] = response.content
    stored = world.stored()

    outcomes: Counter[int] = Counter()
    bodies: set[tuple[Route, bytes]] = set()
    for _ in range(2):  # each round mints fresh tokens and picks other departments
        for complaint_id in world.departments:
            for why, roles, headers in attackers(world, complaint_id, rng):
                for route in ROUTES:
                    if reachable(why, roles, route):
                        response = call(world, route, complaint_id, headers)
                        outcomes[response.status_code] += 1
                        bodies.add((route, response.content))
            department = world.departments[complaint_id]
            mine = bearer(world.tokens.token(*EVERY_ROLE, tenant=TENANT,
                                             departments=[department]))
            for route in rng.sample(ROUTES, 4):  # made-up ids with a token of the department
                response = call(world, route, str(uuid.uuid4()), mine)
                outcomes[response.status_code] += 1
                bodies.add((route, response.content))

    total = sum(outcomes.values())
    assert total >= 1000
    assert outcomes == {404: total}
    assert bodies <= {(route, body) for route, body in missing.items()}
    assert {route for route, _ in bodies} == set(ROUTES)
    assert world.stored() == stored
    attackers_read = [read for log in world.pii_logs
                      for tenant in (TENANT, OTHER_TENANT, TENANT.upper())
                      for read in log.query(tenant=tenant, limit=1000)
                      if read.subject in {"eve", "oscar", "mal", "trent", "svc"}]
    assert attackers_read == []


def test_the_owning_department_does_reach_its_complaints(world: World):
    for complaint_id, department in world.departments.items():
        agent = bearer(world.tokens.token("agent", tenant=TENANT, departments=[department],
                                          queues=[world.queues[complaint_id]]))
        for route in ROUTES:
            if route.method == "GET" and route.rule == "object" and "evidence" not in route.path \
                    and "proposals" not in route.path:
                response = call(world, route, complaint_id, agent)
                assert response.status_code == 200, (route, response.text)


@pytest.mark.parametrize("role", ["channel_adapter", "analyst", "customer"])
def test_roles_without_complaint_access_cannot_touch_a_complaint(world: World, role: str):
    complaint_id = next(iter(world.departments))
    department = world.departments[complaint_id]
    if role == "channel_adapter":
        headers = bearer(world.tokens.client(tenant=TENANT))
    else:
        headers = bearer(world.tokens.token(role, tenant=TENANT, departments=[department]))
    stored = world.stored()
    for route in ROUTES:
        if route.of == "complaint":  # an analyst does read analytics' corrective actions
            assert call(world, route, complaint_id, headers).status_code == 403, route
    assert world.stored() == stored


def test_approvals_and_tasks_lists_hold_only_what_the_caller_may_decide_and_see(world: World):
    """#14, points 1 and 2: other tenants, other departments and the proposer see nothing."""
    resolution = world.clients["resolution"]
    complaint_id, department = list(world.departments.items())[1]
    proposer = bearer(world.tokens.token("agent", tenant=TENANT, departments=[department],
                                         sub="agent-lists"))
    proposed = resolution.post(f"/v1/cases/{complaint_id}/proposals", headers=proposer,
                               json={"solution_id": "refund", "amount": "20.00"})
    assert proposed.status_code == 201, proposed.text
    other_department = next(d for d in world.departments.values() if d != department)

    def waiting(tenant: str, departments: list[str], sub: str = "lead-lists") -> list[str]:
        headers = bearer(world.tokens.token("supervisor", "team_lead", tenant=tenant,
                                            departments=departments, sub=sub))
        page = resolution.get("/v1/approvals/waiting", headers=headers)
        assert page.status_code == 200, page.text
        return [item["proposal_id"] for item in page.json()["items"]]

    assert waiting(TENANT, [department]) == [proposed.json()["id"]]
    assert waiting(TENANT, [other_department]) == []
    assert waiting(OTHER_TENANT, [department]) == []
    assert waiting(TENANT, [department], sub="agent-lists") == []
    for tenant, departments in ((OTHER_TENANT, [department]), (TENANT, [other_department])):
        headers = bearer(world.tokens.token("supervisor", tenant=tenant,
                                            departments=departments, sub="agent-lists"))
        tasks = resolution.get("/v1/tasks?assigned=department", headers=headers)
        assert tasks.json() == {"items": [], "next_cursor": None}
