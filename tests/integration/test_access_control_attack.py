"""Attack the real services the way a curious insider or a stolen token would.

Intake, dispatch, SLA, resolution and the audit API are built by their own `bootstrap()` (no
Kafka: the HTTP apps run without their lifespan, the audit API with its own, which only opens
the stores). One tenant's complaints are filed through intake and carried through dispatch, SLA
and resolution by their own subscriptions, as the broker would. Then tokens of another tenant,
of another department, of another queue, and made-up ids are fired at every object route of
every service: every answer must be the 404 a missing object gets, byte for byte, and nothing
may be stored or logged. Bad tokens are refused on every route, and each role sees only the
fields it may.
"""

from __future__ import annotations

import base64
import json
import random
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI

from runtime.auth.masking import REDACTED
from runtime.auth.roles import Scope, roles_from, scopes_for
from runtime.tracking import TrackingTokens
from tests.auth_tokens import Tokens, bearer
from tests.integration.platform_world import EVERY_ROLE, PHONE, TENANT, World, platform_world
from tests.problems import reason

pytestmark = pytest.mark.integration

OTHER_TENANT = "globex"
FILED = datetime(2026, 3, 2, tzinfo=UTC)
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


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[World]:
    with platform_world(tmp_path_factory.mktemp("attack")) as world:
        yield world


def holds(roles: list[str], scope: str, requested: list[str] | None = None) -> bool:
    return scope in scopes_for(roles_from(roles), requested)


def attackers(world: World, complaint_id: str, rng: random.Random
              ) -> list[tuple[str, list[str], dict[str, str]]]:
    """Tokens that must not reach this complaint: (why, roles, headers)."""
    department, queue = world.departments[complaint_id], world.queues[complaint_id]
    other_department = rng.choice(sorted(set(world.departments.values()) - {department}))
    mint = world.tokens.token
    return [
        ("other tenant, every role", EVERY_ROLE,
         bearer(mint(*EVERY_ROLE, tenant=OTHER_TENANT, departments=[department], sub="eve"))),
        ("other tenant, agent of the department", ["agent"],
         bearer(mint("agent", tenant=OTHER_TENANT, departments=[department], sub="eve"))),
        ("other tenant, a service", ["service"],
         bearer(world.tokens.client("service", tenant=OTHER_TENANT, client_id="svc"))),
        ("the tenant in capitals", EVERY_ROLE,
         bearer(mint(*EVERY_ROLE, tenant=TENANT.upper(), sub="oscar"))),
        ("other department, supervisor", ["supervisor"],
         bearer(mint("supervisor", tenant=TENANT, departments=[other_department], sub="mal"))),
        ("other department, agent", ["agent"],
         bearer(mint("agent", tenant=TENANT, departments=[other_department], sub="mal"))),
        ("the department, another queue", ["supervisor"],
         bearer(mint("supervisor", tenant=TENANT, departments=[department],
                     queues=[f"not-{queue}"], sub="trent"))),
    ]


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


def test_the_audit_history_masks_what_resolution_masks_and_logs_what_it_shows(world: World):
    """#21 point 1: a phone number in a note came back verbatim to an auditor, unlogged."""
    complaint_id = list(world.departments)[1]
    department = world.departments[complaint_id]
    resolution, audit = world.clients["resolution"], world.clients["audit"]
    agent = bearer(world.tokens.token("agent", tenant=TENANT, departments=[department]))
    note = f"Customer asked to be called on {PHONE} after 6pm"
    assert resolution.post(f"/v1/cases/{complaint_id}/notes", headers=agent,
                           json={"text": note}).status_code == 201
    auditor = bearer(world.tokens.token("auditor", tenant=TENANT, sub="aud-9"))
    officer = bearer(world.tokens.token("auditor", "supervisor", tenant=TENANT, sub="dpo-9"))
    history = f"/v1/audit/complaints/{complaint_id}/history"

    def notes(response) -> list[str]:
        assert response.status_code == 200, response.text
        return [e["data"]["text"] for e in response.json()["events"]
                if e["type"] == "resolution.investigation_note_added.v1"]

    masked = audit.get(history, headers=auditor)
    assert notes(masked) == [REDACTED]
    assert PHONE not in masked.text

    # Resolution seals its notes (#13 point 2): even an officer with pii:read gets the
    # ciphertext through audit, whose reading of it is no read of personal data.
    [sealed] = notes(audit.get(history, headers=officer))
    assert sealed.startswith("pii:v1:") and PHONE not in sealed
    assert audit.get(f"/v1/audit/complaints/{complaint_id}/bundle",
                     headers=auditor).status_code == 200
    reads = audit.get("/v1/audit/pii-access", headers=auditor,
                      params={"complaint_id": complaint_id}).json()["reads"]
    assert [r for r in reads if r["subject"] in {"aud-9", "dpo-9"}] == []


def test_evidence_is_sniffed_and_only_ever_downloaded(world: World):
    """#21 point 8: HTML uploaded as image/png was stored and served back as image/png."""
    complaint_id = list(world.departments)[2]
    resolution = world.clients["resolution"]
    agent = bearer(world.tokens.token("agent", tenant=TENANT,
                                      departments=[world.departments[complaint_id]]))
    evidence = f"/v1/cases/{complaint_id}/evidence"

    def upload(content: bytes, declared: str):
        return resolution.put(evidence, params={"filename": "receipt.png"}, content=content,
                              headers={**agent, "content-type": declared})

    stored = world.stored()
    for declared in ("image/png", "application/pdf", "text/plain"):
        refused = upload(b"<html><script>fetch('/v1/cases')</script></html>", declared)
        assert (refused.status_code, refused.json()["detail"]) == (422, (
            "the file holds markup (HTML, SVG, XML or script), which is not accepted as "
            "evidence")), declared
    mismatch = upload(b"%PDF-1.7 a statement", "image/png")
    assert (mismatch.status_code, mismatch.json()["detail"]) == (
        422, "the file's content is application/pdf, not the declared image/png")
    assert world.stored() == stored

    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR the receipt"
    created = upload(png, "image/png")
    assert created.status_code == 201, created.text
    read = resolution.get(f"{evidence}/{created.json()['evidence_id']}", headers=agent)
    assert (read.status_code, read.content, read.headers["content-type"]) == (
        200, png, "image/png")
    assert read.headers["x-content-type-options"] == "nosniff"
    assert read.headers["content-disposition"] == (
        "attachment; filename=\"receipt.png\"; filename*=UTF-8''receipt.png")


def test_what_auditors_read_of_a_survey_cannot_answer_it_and_a_revoked_link_is_dead(
        world: World):
    """#21 point 2: the survey URL with its token was published on a forever topic, which
    the audit history replays: whoever read it could answer any open survey."""
    complaint_id = list(world.departments)[3]
    resolution, audit = world.clients["resolution"], world.clients["audit"]
    agent = bearer(world.tokens.token("agent", tenant=TENANT,
                                      departments=[world.departments[complaint_id]]))
    case = f"/v1/cases/{complaint_id}"
    for path, body in [("/accept", None), ("/proposals", {"solution_id": "explanation-apology"}),
                       ("/root-cause", {"category": "billing_error", "why_chain": ["w"]})]:
        response = resolution.post(case + path, headers=agent, json=body)
        assert response.status_code in (201, 204), response.text
        if path == "/proposals":
            proposal = response.json()["id"]
            assert resolution.post(f"{case}/proposals/{proposal}/execution", headers=agent,
                                   json={}).status_code == 204
    assert resolution.post(f"{case}/notifications", headers=agent, json={
        "channel": "email", "kind": "resolution", "message": "Sorry"}).status_code == 204
    surveys = [resolution.post(f"{case}/survey", headers=agent, json={"channel": "email"}).json()
               for _ in range(2)]
    tokens = [s["link"].rsplit("/", 1)[1] for s in surveys]

    officer = bearer(world.tokens.token("auditor", "supervisor", tenant=TENANT, sub="dpo-2"))
    history = audit.get(f"/v1/audit/complaints/{complaint_id}/history", headers=officer)
    notified = [e["data"] for e in history.json()["events"]
                if e["type"] == "resolution.customer_notified.v1"
                and e["data"]["message_kind"] == "survey"]
    assert [(n["survey_id"], n["link"]) for n in notified] == [
        (s["survey_id"], None) for s in surveys]
    assert not any(token in history.text for token in tokens)

    revoked = resolution.post(f"{case}/surveys/{surveys[0]['survey_id']}/revocation",
                              headers=agent, json={"reason": "Sent to the wrong address"})
    assert revoked.status_code == 204
    answers = [resolution.post(f"/v1/surveys/{token}", json={"csat": 1}) for token in tokens]
    assert [a.status_code for a in answers] == [410, 204]


def alg_none(claims: dict, kid: str) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{part(claims)}."


def bad_tokens(tokens: Tokens) -> dict[str, str]:
    issuer = tokens.issuer
    now = int(time.time())
    claims = {"iss": issuer.issuer, "aud": issuer.audience, "sub": "mallory", "iat": now,
              "nbf": now, "exp": now + 600, "tenant": TENANT, "roles": EVERY_ROLE,
              "departments": [], "jti": str(uuid.uuid4())}
    def signed(**loose) -> str:  # correctly signed, claims as given (issue #21, point 9)
        return jwt.encode({**claims, **loose}, issuer._key, algorithm="EdDSA",
                          headers={"kid": issuer.kid})

    return {
        "expired": tokens.token(*EVERY_ROLE, tenant=TENANT, ttl_s=-3600),
        "exp as a string": signed(exp=str(now + 600)),
        "exp in 10**20 s": signed(exp=10**20),
        "a week long": signed(exp=now + 7 * 86_400),
        "roles as one string": signed(roles="supervisor"),
        "departments as one string": signed(departments="billing"),
        "wrongly signed": jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA",
                                     headers={"kid": issuer.kid}),
        "wrong audience": tokens.token(*EVERY_ROLE, tenant=TENANT, aud="another-platform"),
        "wrong issuer": tokens.token(*EVERY_ROLE, tenant=TENANT, iss="urn:someone-else"),
        "alg none": alg_none(claims, issuer.kid),
        "garbage": "not.a.jwt",
    }


OPEN = {"/healthz", "/readyz", "/metrics", "/v1/track/{token}", "/v1/surveys/{token}",
        "/v1/surveys/{token}/acceptance", "/v1/progress/{token}",
        "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"}


def operations(app: FastAPI) -> list[tuple[str, str]]:
    return [(method.upper(), path) for path, item in app.openapi()["paths"].items()
            for method in item if path not in OPEN]


@pytest.mark.parametrize("service",
                         ["intake", "dispatch", "sla", "resolution", "audit", "analytics"])
def test_bad_tokens_are_refused_on_every_route_of_every_service(world: World, service: str):
    client = world.clients[service]
    complaint_id = next(iter(world.departments))
    stored = world.stored()
    refused: Counter[tuple[str, int]] = Counter()
    routes = operations(client.app)
    no_scope = bearer(world.tokens.token(*EVERY_ROLE, tenant=TENANT, scope="none:none"))
    for method, path in routes:
        url = path.replace("{complaint_id}", complaint_id).replace("{channel}", "web")
        for name in ("proposal_id", "task_id", "evidence_id", "customer_id", "agent_id",
                     "action_id"):
            url = url.replace(f"{{{name}}}", "x-1")
        for kind, token in bad_tokens(world.tokens).items():
            response = client.request(method, url, headers=bearer(token))
            refused[kind, response.status_code] += 1
            assert response.status_code == 401, (kind, method, path, response.text)
            assert response.headers["www-authenticate"].startswith('Bearer realm=')
        response = client.request(method, url, headers=no_scope)
        assert response.status_code == 403, (method, path, response.text)
        assert client.request(method, url).status_code == 401, (method, path)
    assert len(routes) >= 3
    assert world.stored() == stored


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


def test_each_role_sees_only_the_personal_fields_it_may(world: World):
    complaint_id = next(iter(world.departments))
    department = world.departments[complaint_id]
    intake, resolution = world.clients["intake"], world.clients["resolution"]
    agent = bearer(world.tokens.token("agent", tenant=TENANT, departments=[department],
                                      sub="agent-7"))
    note = f"Called back on {PHONE}"
    assert resolution.post(f"/v1/cases/{complaint_id}/notes", headers=agent,
                           json={"text": note}).status_code == 201
    readers = {
        "agent": (agent, True),
        "supervisor": (bearer(world.tokens.token("supervisor", tenant=TENANT,
                                                 departments=[department], sub="sup-7")), True),
        "auditor": (bearer(world.tokens.token("auditor", tenant=TENANT, sub="aud-7")), False),
        "service": (bearer(world.tokens.client("service", tenant=TENANT, client_id="sla")),
                    False),
    }
    for role, (headers, plaintext) in readers.items():
        complaint = intake.get(f"/v1/complaints/{complaint_id}", headers=headers)
        case = resolution.get(f"/v1/cases/{complaint_id}", headers=headers)
        assert (complaint.status_code, case.status_code) == (200, 200), role
        view = complaint.json()
        notes = [n["text"] for n in case.json()["notes"]]
        if plaintext:
            assert (view["customer_name"], view["customer_contact"]) == ("王小明", PHONE), role
            assert notes == [note], role
        else:
            assert (view["customer_name"], view["customer_contact"], view["text"]) == (
                "王**", "138****5678", REDACTED), role
            assert notes == [REDACTED], role
            assert PHONE not in complaint.text + case.text, role
    readers_logged = {(read.subject, read.fields) for log in world.pii_logs
                      for read in log.query(tenant=TENANT, complaint_id=complaint_id)
                      if read.subject in {"agent-7", "sup-7", "aud-7", "sla"}}
    personal = ("customer_contact", "customer_name", "subject", "text")
    assert readers_logged == {("agent-7", personal), ("sup-7", personal),
                              ("agent-7", ("notes",)), ("sup-7", ("notes",))}


# Issue #21, points 5, 6 and 7, on the real services.

def test_after_the_quota_no_spelling_of_the_customer_is_filed(world: World):
    """Point 5: the quota (20 a day) counts `quota-cust-1` however it is spelled."""
    intake = world.clients["intake"]
    adapter = bearer(world.tokens.client(tenant=TENANT))

    def filing(customer_id: str, n: int) -> dict:
        return {"channel": "web", "customer": {"id": customer_id}, "subject": f"Quota {n}",
                "text": f"Complaint number {n} about the order {n * 7919} that never came."}

    filed = [intake.post("/v1/complaints", headers=adapter, json=filing("quota-cust-1", n))
             for n in range(20)]
    assert [f.status_code for f in filed] == [202] * 20
    stored = world.stored()
    refused = {"quota-cust-1 ": 429, "QUOTA-CUST-1": 429, "ｑuota-cust-1": 429,
               "Ｑｕｏｔａ－ｃｕｓｔ－１": 429, "\tquota-cust-1 ": 429, "quota-cust-1\u200b": 422,
               "quota\u200d-cust-1": 422, "\ufeffquota-cust-1": 422, "quota-cust-1\u2060": 422}
    answers = {variant: intake.post("/v1/complaints", headers=adapter,
                                    json=filing(variant, 100 + n)).status_code
               for n, variant in enumerate(refused)}
    assert answers == refused
    batch = intake.post("/v1/complaints:batch", headers=adapter, json={"items": [
        {"idempotency_key": f"q-{n}", "submission": filing(variant, 200 + n)}
        for n, variant in enumerate(refused)]})
    assert [r["status"] for r in batch.json()["results"]] == list(refused.values())
    assert world.stored() == stored


def test_a_batch_pays_per_item_on_intake(tmp_path):
    """Point 6: intake as bootstrap() builds it, with a rate limit of 10 requests."""
    from fastapi.testclient import TestClient

    from services.intake.bootstrap import bootstrap
    from services.intake.config import IntakeSettings

    tokens = Tokens(tmp_path / "auth")
    http, runtime = bootstrap(IntakeSettings(
        data_dir=tmp_path, tracking_secret="s", **{**tokens.settings, "rate_limit_per_s": 0.001},
        rate_limit_burst=10))
    try:
        client = TestClient(http, headers=bearer(tokens.client(tenant=TENANT)))

        def batch(count: int, start: int) -> dict:
            return {"items": [{"idempotency_key": f"b-{n}", "submission": {
                "channel": "web", "customer": {"id": f"batch-{n}"}, "subject": "s",
                "text": f"Complaint {n} about order {n * 7919}."}}
                for n in range(start, start + count)]}

        assert client.post("/v1/complaints:batch", json=batch(6, 0)).status_code == 200
        second = client.post("/v1/complaints:batch", json=batch(6, 6))
        assert second.status_code == 429
        assert int(second.headers["retry-after"]) >= 1
        assert client.post("/v1/complaints:batch", json=batch(11, 20)).status_code == 422
        filed = [n for n in runtime.app.recorder.select_notifications(None, 100)
                 if n.topic.endswith("Complaint.Received")]
        assert len(filed) == 6
    finally:
        runtime.app.close()


def test_a_tracking_token_has_one_spelling_and_dies_with_the_erasure(world: World):
    """Point 7: other spellings of a valid token find nothing; erasure revokes it."""
    intake = world.clients["intake"]
    adapter = bearer(world.tokens.client(tenant=TENANT))
    accepted = intake.post("/v1/complaints", headers=adapter, json={
        "channel": "web", "customer": {"id": "tracked-cust", "name": "王小明"},
        "subject": "Tracking", "text": "The washing machine leaks from the door seal."}).json()
    token = accepted["tracking_token"]
    assert intake.get(f"/v1/track/{token}").status_code == 200

    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    spellings = [token[:-1] + c for c in alphabet if c != token[-1]]
    spellings += [token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1:]
                  for i in range(len(token) - 1)]
    answers = Counter(intake.get(f"/v1/track/{t}").status_code for t in spellings)
    assert answers == {404: 63 + len(token) - 1}

    admin = bearer(world.tokens.token("administrator", tenant=TENANT))
    erased = intake.post("/v1/customers/TRACKED-CUST/erasure", headers=admin,
                         json={"reason": "customer_request"})
    assert erased.json() == {"customer_id": "tracked-cust", "recorded": True}
    revoked = intake.get(f"/v1/track/{token}")
    assert revoked.status_code == 410
    assert reason(revoked) == {"detail": "this tracking token was revoked: the customer's "
                                        "personal data has been erased"}


def test_progress_opens_only_with_a_valid_tracking_token_and_shows_nothing_of_staff(
    world: World,
):
    """#14, point 3: the customer's progress at resolution, by intake's tracking token."""
    resolution = world.clients["resolution"]
    complaint_id, department = next(iter(world.departments.items()))
    agent = bearer(world.tokens.token("agent", tenant=TENANT, departments=[department],
                                      sub="agent-progress"))
    note = resolution.post(f"/v1/cases/{complaint_id}/notes", headers=agent,
                           json={"text": f"Internal: customer on {PHONE}"})
    assert note.status_code == 201
    token = TrackingTokens(b"attack").issue(uuid.UUID(complaint_id), filed_at=FILED)
    rng = random.Random(14)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    made_up = [TrackingTokens(b"another key").issue(uuid.UUID(c), filed_at=FILED)
               for c in world.departments]
    made_up += [TrackingTokens(b"attack").issue(uuid.uuid4(), filed_at=FILED)[:-1] + "A"
                for _ in range(100)]
    while len(made_up) < 1_000:
        i = rng.randrange(len(token))
        altered = token[:i] + rng.choice(alphabet.replace(token[i], "")) + token[i + 1:]
        made_up.append(altered)

    answer = resolution.get(f"/v1/progress/{token}")
    answers = Counter(resolution.get(f"/v1/progress/{t}").status_code for t in made_up)

    assert (answer.status_code, answer.json()) == (200, {
        "stage": "assigned", "updates": [], "survey": None})
    assert answers == {404: 1_000}


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
