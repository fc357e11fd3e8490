"""Bad tokens fired at every route of every real service: each is refused (401), a token
without the route's scope gets 403, and nothing is stored (platform_world, as in
test_access_control_attack.py).
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.auth_tokens import bearer
from tests.integration.attacks import bad_tokens, operations
from tests.integration.platform_world import EVERY_ROLE, TENANT, World

pytestmark = pytest.mark.integration


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
