"""Attack the work service the way a curious insider or a stolen token would.

The platform world (tests/integration/platform_world.py) files one tenant's complaints through
intake and carries them through dispatch, SLA and resolution; the work service, built by its own
`bootstrap()`, consumes what they published, as the broker would carry it. Then tokens of
another tenant, another department, another queue, and made-up ids are fired at every route of
the work service: object routes answer the 404 of a missing complaint byte for byte and store
nothing; lists and searches hold only what the caller may see, and no answer carries the
customers' names, contact points or words.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from contracts.topics import DISPATCH_EVENTS, INTAKE_EVENTS, RESOLUTION_EVENTS, SLA_EVENTS
from runtime.auth.roles import Scope
from services.work.bootstrap import bootstrap
from services.work.config import WorkSettings
from tests.auth_tokens import bearer
from tests.integration.attacks import attackers, bad_tokens, holds, operations
from tests.integration.platform_world import (
    EVERY_ROLE,
    PHONE,
    TENANT,
    World,
    deliver,
    platform_world,
    published,
)

pytestmark = pytest.mark.integration


@dataclass(frozen=True, eq=False)  # one object per route: hashed by identity
class Route:
    method: str
    path: str  # with {id}
    body: dict | None
    scope: str


OBJECT_ROUTES = [
    Route("GET", "/v1/work/complaints/{id}", None, Scope.COMPLAINTS_READ),
    Route("GET", "/v1/work/complaints/{id}/customer", None, Scope.COMPLAINTS_READ),
    Route("POST", "/v1/work/complaints/{id}/tags", {"tag": "stolen"}, Scope.COMPLAINTS_WORK),
    Route("DELETE", "/v1/work/complaints/{id}/tags/urgent", None, Scope.COMPLAINTS_WORK),
]
# What no answer to an attacker may contain: the customers' name, phone and words.
SECRETS = ("王小明", PHONE, "138****5678", "charged twice", "parcel", "blender")


@dataclass
class WorkWorld:
    world: World
    client: TestClient
    stored: Callable[[], int]


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Iterator[WorkWorld]:
    directory = tmp_path_factory.mktemp("work-attack")
    with platform_world(directory) as world:
        # Beside intake, as on one machine: intake's customer keys open the sealed words.
        http, runtime = bootstrap(WorkSettings(
            data_dir=directory / "data", database_url="", tenant=TENANT,
            work_search_key="attack", **world.tokens.settings))
        for name, topic in (("intake", INTAKE_EVENTS), ("dispatch", DISPATCH_EVENTS),
                            ("sla", SLA_EVENTS), ("resolution", RESOLUTION_EVENTS)):
            deliver(runtime, topic, published(world.runtimes[name]))
        client = TestClient(http)
        owner = bearer(world.tokens.token("supervisor", tenant=TENANT, sub="root",
                                          departments=sorted(set(world.departments.values()))))
        for complaint_id in world.departments:  # a tag of theirs an attacker might remove
            assert client.post(f"/v1/work/complaints/{complaint_id}/tags", headers=owner,
                               json={"tag": "urgent"}).status_code == 200
        yield WorkWorld(world, client,
                        lambda: runtime.app.recorder.max_notification_id() or 0)
        runtime.app.close()


def call(work: WorkWorld, route: Route, complaint_id: str, headers: dict[str, str]):
    return work.client.request(route.method, route.path.format(id=complaint_id),
                               headers=headers, json=route.body)


def test_the_owner_sees_every_complaint_and_finds_it_by_its_words(work: WorkWorld):
    world = work.world
    owner = bearer(world.tokens.token("supervisor", tenant=TENANT, sub="root",
                                      departments=sorted(set(world.departments.values()))))
    listed = work.client.get("/v1/work/complaints", headers=owner, params={"limit": 100})
    assert {i["complaint_id"] for i in listed.json()["items"]} == set(world.departments)
    found = work.client.get("/v1/work/search", headers=owner, params={"phone": PHONE})
    assert {i["complaint_id"] for i in found.json()["items"]} == set(world.departments)
    parcels = work.client.get("/v1/work/search", headers=owner, params={"q": "parcel courier"})
    assert len(parcels.json()["items"]) == 2  # TEXTS[2] of twelve complaints


def test_a_thousand_forbidden_requests_find_nothing_and_change_nothing(work: WorkWorld):
    world, rng = work.world, random.Random(14)
    owner = bearer(world.tokens.token(*EVERY_ROLE, tenant=TENANT, sub="root"))
    missing = {route: call(work, route, str(uuid.uuid4()), owner) for route in OBJECT_ROUTES}
    assert {r.status_code for r in missing.values()} == {404}
    stored = work.stored()
    outcomes: Counter[str] = Counter()

    def listed(headers: dict[str, str], path: str, params: dict) -> set[str]:
        response = work.client.get(path, headers=headers, params=params)
        if response.status_code == 403:  # a search by personal data without pii:read
            outcomes["403"] += 1
            return set()
        assert response.status_code == 200, response.text
        assert not any(secret in response.text for secret in SECRETS)
        outcomes["list"] += 1
        return {item["complaint_id"] for item in response.json()["items"]}

    for _ in range(2):  # each round mints fresh tokens and picks other departments
        for complaint_id in world.departments:
            for why, roles, headers in attackers(world, complaint_id, rng):
                for route in OBJECT_ROUTES:
                    if holds(roles, route.scope):
                        response = call(work, route, complaint_id, headers)
                        assert (response.status_code, response.content) == (
                            404, missing[route].content), (why, route)
                        outcomes["404"] += 1
                # The complaint is in none of the attacker's lists and searches.
                searches = [
                    ("/v1/work/complaints", {"view": view, "limit": 100})
                    for view in ("mine", "queue", "department", "all")
                ] + [
                    ("/v1/work/complaints", {"tag": "urgent", "limit": 100}),
                    ("/v1/work/about-to-breach", {"minutes": 10_080, "limit": 100}),
                    ("/v1/work/search", {"reference": complaint_id}),
                    ("/v1/work/search", {"customer_id": "cust-0"}),
                    ("/v1/work/search", {"phone": PHONE}),
                    ("/v1/work/search", {"q": "charged twice"}),
                ]
                if holds(roles, Scope.COMPLAINTS_READ):
                    for path, params in searches:
                        assert complaint_id not in listed(headers, path, params), (why, path)
            department = world.departments[complaint_id]
            mine = bearer(world.tokens.token(*EVERY_ROLE, tenant=TENANT,
                                             departments=[department]))
            for route in OBJECT_ROUTES:  # made-up ids with a token of the department
                response = call(work, route, str(uuid.uuid4()), mine)
                assert (response.status_code, response.content) == (
                    404, missing[route].content)
                outcomes["404"] += 1

    assert sum(outcomes.values()) >= 1000, outcomes
    assert outcomes["404"] >= 500
    assert work.stored() == stored  # no tag put on or taken off


def test_without_pii_read_the_customers_words_and_contacts_are_not_searchable(work: WorkWorld):
    world = work.world
    auditor = bearer(world.tokens.token("auditor", tenant=TENANT, sub="audrey"))
    for params in ({"phone": PHONE}, {"email": "a@example.com"}, {"q": "parcel"}):
        response = work.client.get("/v1/work/search", headers=auditor, params=params)
        assert response.status_code == 403
    some = next(iter(world.departments))
    by_id = work.client.get("/v1/work/search", headers=auditor, params={"reference": some})
    assert [i["complaint_id"] for i in by_id.json()["items"]] == [some]


def test_bad_tokens_and_tokens_without_the_scope_are_refused_on_every_route(work: WorkWorld):
    world = work.world
    complaint_id = next(iter(world.departments))
    stored = work.stored()
    routes = operations(work.client.app)
    no_scope = bearer(world.tokens.token(*EVERY_ROLE, tenant=TENANT, scope="none:none"))
    for method, path in routes:
        url = path.replace("{complaint_id}", complaint_id).replace("{tag}", "urgent")
        for kind, token in bad_tokens(world.tokens).items():
            response = work.client.request(method, url, headers=bearer(token))
            assert response.status_code == 401, (kind, method, path, response.text)
        assert work.client.request(method, url, headers=no_scope).status_code == 403
        assert work.client.request(method, url).status_code == 401, (method, path)
    assert {path for _, path in routes} >= {
        "/v1/work/complaints", "/v1/work/about-to-breach", "/v1/work/search",
        "/v1/work/complaints/{complaint_id}", "/v1/work/complaints/{complaint_id}/customer",
        "/v1/work/complaints/{complaint_id}/tags",
        "/v1/work/complaints/{complaint_id}/tags/{tag}"}
    assert work.stored() == stored
