"""Attack the demo API the way a curious insider or a stolen token would: other tenants,
other departments, other queues, made-up ids. Every object route must answer 404 with the body
a missing complaint gets, change nothing and log no read; every role sees only what it may.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from itertools import product

import jwt
import pytest
from fastapi.testclient import TestClient

from runtime.auth.masking import REDACTED
from tests.unit.auth.demo_app import Demo, build_demo

TENANTS = ["acme", "globex", "initech"]
DEPARTMENTS = ["billing", "claims", "medical"]
PER_DEPARTMENT = 4
PHONE = "13812345678"
BODIES = {"notes": {"text": "looked at it"}, "reassignment": {"department": "claims"},
          "approval": {"approve": True}}
ROUTES = [("GET", ""), *(("POST", f"/{action}") for action in BODIES)]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def filing(department: str, n: int) -> dict:
    return {"department": department, "subject": f"Complaint {n}", "text": f"Call {PHONE}",
            "customer": {"id": f"cust-{n}", "name": "王小明", "phone": PHONE,
                         "email": "wang@example.cn"}}


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> tuple[Demo, TestClient, dict[tuple[str, str], list[str]]]:
    demo = build_demo(tmp_path_factory.mktemp("attack"))
    client = TestClient(demo.app)
    owned: dict[tuple[str, str], list[str]] = {}
    for n, (tenant, department) in enumerate(product(TENANTS, DEPARTMENTS)):
        adapter = demo.issuer.client_credentials(client_id=f"web-{tenant}",
                                                 role="channel_adapter", tenant=tenant)
        owned[tenant, department] = [
            client.post("/v1/complaints", json=filing(department, n * 10 + k),
                        headers=bearer(adapter)).json()["complaint_id"]
            for k in range(PER_DEPARTMENT)
        ]
    return demo, client, owned


def call(client: TestClient, method: str, path: str, token: str):
    body = BODIES.get(path.rsplit("/", 1)[-1])
    return client.request(method, path, json=body, headers=bearer(token))


def attackers(demo: Demo, tenant: str, department: str,
              rng: random.Random) -> list[tuple[str, list[tuple[str, str]]]]:
    """Tokens that must not reach a complaint of (tenant, department), each with the routes
    whose scope it holds (without the scope the answer is 403, before any lookup)."""
    other_tenant = rng.choice([t for t in TENANTS if t != tenant])
    other_department = rng.choice([d for d in DEPARTMENTS if d != department])
    mint = demo.issuer.mint
    agent_routes = ROUTES[:2]  # read and add a note
    return [
        # Another tenant, the same department names, the strongest roles.
        (mint(sub="eve", tenant=other_tenant, roles=["supervisor"], departments=DEPARTMENTS),
         ROUTES),
        (mint(sub="eve", tenant=other_tenant, roles=["agent"], departments=[department]),
         agent_routes),
        (mint(sub="audit", tenant=other_tenant, roles=["auditor", "supervisor"]), ROUTES),
        (demo.issuer.client_credentials(client_id="svc", role="service", tenant=other_tenant),
         ROUTES[:1]),
        # The same tenant, another department.
        (mint(sub="mallory", tenant=tenant, roles=["supervisor"],
              departments=[other_department]), ROUTES),
        (mint(sub="mallory", tenant=tenant, roles=["agent"], departments=[other_department]),
         agent_routes),
        # The same department, another queue.
        (mint(sub="trent", tenant=tenant, roles=["agent"], departments=[department],
              queues=[f"{department}-2"]), agent_routes),
        # The tenant spelled in another case.
        (mint(sub="oscar", tenant=tenant.upper(), roles=["supervisor"],
              departments=[department]), ROUTES),
    ]


def test_a_thousand_forbidden_requests_all_look_like_missing_complaints(world):
    demo, client, owned = world
    rng = random.Random(9)
    changes_before = demo.store.changes
    states_before = {cid: (c.department, c.status, len(c.notes))
                     for cid, c in demo.store.complaints.items()}
    missing_body = {}
    for method, suffix in ROUTES:
        someone = demo.issuer.mint(sub="s", tenant="acme", roles=["supervisor"],
                                   departments=DEPARTMENTS)
        response = call(client, method, f"/v1/complaints/{uuid.uuid4()}{suffix}", someone)
        assert response.status_code == 404
        missing_body[method, suffix] = response.content

    outcomes: Counter[int] = Counter()
    bodies: set[tuple[str, str, bytes]] = set()
    for round_ in range(2):  # each round mints fresh tokens and picks other targets
        for (tenant, department), ids in owned.items():
            for complaint_id in ids:
                for token, routes in attackers(demo, tenant, department, rng):
                    for method, suffix in routes:
                        path = f"/v1/complaints/{complaint_id}{suffix}"
                        response = call(client, method, path, token)
                        outcomes[response.status_code] += 1
                        bodies.add((method, suffix, response.content))
            for _ in range(4):  # made-up ids, with a token valid for this department
                token = demo.issuer.mint(sub=f"s{round_}", tenant=tenant, roles=["supervisor"],
                                         departments=[department])
                method, suffix = rng.choice(ROUTES)
                response = call(client, method, f"/v1/complaints/{uuid.uuid4()}{suffix}", token)
                outcomes[response.status_code] += 1
                bodies.add((method, suffix, response.content))

    assert sum(outcomes.values()) >= 1000
    assert outcomes == {404: sum(outcomes.values())}
    assert bodies == {(m, s, body) for (m, s), body in missing_body.items()}
    assert demo.store.changes == changes_before
    assert {cid: (c.department, c.status, len(c.notes))
            for cid, c in demo.store.complaints.items()} == states_before
    attackers_logged = [read for tenant in TENANTS + [t.upper() for t in TENANTS]
                        for read in demo.log.query(tenant=tenant, limit=1000)
                        if read.subject in {"eve", "audit", "svc", "mallory", "trent", "oscar"}]
    assert attackers_logged == []


def test_the_owners_do_reach_them(world):
    demo, client, owned = world
    for (tenant, department), ids in owned.items():
        token = demo.issuer.mint(sub="boss", tenant=tenant, roles=["supervisor"],
                                 departments=[department])
        for complaint_id in ids:
            response = client.get(f"/v1/complaints/{complaint_id}", headers=bearer(token))
            assert response.status_code == 200
            assert response.json()["customer_phone"] == PHONE


def test_lists_hold_only_the_callers_tenant_and_departments(world):
    demo, client, owned = world
    token = demo.issuer.mint(sub="a", tenant="globex", roles=["agent"], departments=["claims"])
    response = client.get("/v1/complaints", params={"limit": 100}, headers=bearer(token))
    assert sorted(c["complaint_id"] for c in response.json()) == sorted(owned["globex", "claims"])


@pytest.mark.parametrize(("role", "plaintext"), [
    ("agent", True), ("supervisor", True), ("auditor", False), ("service", False),
])
def test_each_role_sees_only_the_fields_it_may(world, role, plaintext):
    demo, client, owned = world
    complaint_id = owned["initech", "medical"][0]
    if role == "service":
        token = demo.issuer.client_credentials(client_id="sla", role=role, tenant="initech")
    else:
        token = demo.issuer.mint(sub=f"{role}-1", tenant="initech", roles=[role],
                                 departments=["medical"])
    response = client.get(f"/v1/complaints/{complaint_id}", headers=bearer(token))
    assert response.status_code == 200
    view = response.json()
    personal = (view["customer_name"], view["customer_phone"], view["customer_email"],
                view["text"])
    if plaintext:
        assert personal == ("王小明", PHONE, "wang@example.cn", f"Call {PHONE}")
        [read] = demo.log.query(tenant="initech", subject=f"{role}-1")
        assert (read.complaint_id, read.fields) == (complaint_id, (
            "customer_email", "customer_name", "customer_phone", "text"))
    else:
        assert personal == ("王**", "138****5678", "w***@example.cn", REDACTED)
        assert PHONE not in response.text


@pytest.mark.parametrize("role", ["analyst", "administrator", "channel_adapter", "customer"])
def test_roles_without_complaint_access_cannot_read_one(world, role):
    demo, client, owned = world
    token = demo.issuer.mint(sub="x", tenant="acme", roles=[role], departments=DEPARTMENTS)
    complaint_id = owned["acme", "billing"][0]
    for method, suffix in ROUTES:
        response = call(client, method, f"/v1/complaints/{complaint_id}{suffix}", token)
        assert response.status_code == 403


def test_analysts_get_aggregates_of_their_tenant_only(world):
    demo, client, _ = world
    token = demo.issuer.mint(sub="ana", tenant="acme", roles=["analyst"])
    response = client.get("/v1/analytics/count", headers=bearer(token))
    assert response.json() == {"tenant": "acme",
                               "complaints": len(DEPARTMENTS) * PER_DEPARTMENT}


def test_signed_tokens_with_loose_claims_are_refused_on_every_route(world):
    """Issue #21, point 9: a correctly signed token with `exp` as a string, `exp` = 10**20 or
    `roles` as one string proves nothing."""
    demo, client, owned = world
    complaint_id = owned["acme", "billing"][0]
    good = jwt.decode(demo.issuer.mint(sub="sue", tenant="acme", roles=["supervisor"],
                                       departments=DEPARTMENTS),
                      options={"verify_signature": False})
    changes = demo.store.changes
    outcomes: Counter[int] = Counter()
    for loose in ({"exp": str(good["exp"])}, {"exp": 10**20}, {"roles": "supervisor"},
                  {"iat": good["iat"] - 86_400 * 365, "exp": good["exp"] + 86_400 * 365},
                  {"departments": "billing"}):
        token = jwt.encode({**good, **loose}, demo.issuer._key, algorithm="EdDSA",
                           headers={"kid": demo.issuer.kid})
        for method, suffix in ROUTES:
            response = call(client, method, f"/v1/complaints/{complaint_id}{suffix}", token)
            outcomes[response.status_code] += 1
        outcomes[client.post("/v1/complaints", json=filing("billing", 999),
                             headers=bearer(token)).status_code] += 1
        outcomes[client.get("/v1/analytics/count", headers=bearer(token)).status_code] += 1
    assert outcomes == {401: 5 * (len(ROUTES) + 2)}
    assert demo.store.changes == changes
