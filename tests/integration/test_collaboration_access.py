"""A department asked to collaborate reaches its task and nothing else (#14, point 2).

Dispatch's HTTP API adds the collaborator; its published events reach resolution as the broker
would deliver them (twice: a redelivery adds nothing). The department asked lists and completes
its task; everyone else gets the 404 a missing case gets, byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from contracts.topics import DISPATCH_EVENTS
from tests.auth_tokens import bearer
from tests.integration.platform_world import TENANT, World, deliver, platform_world, published
from tests.problems import reason

pytestmark = pytest.mark.integration

ASK = "Ask the furnisher whether the inquiry was authorised"


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[World]:
    with platform_world(tmp_path_factory.mktemp("collaboration"), complaints=6) as world:
        yield world


def test_only_the_department_asked_or_the_owner_reaches_the_collaboration(world: World):
    dispatch, resolution = world.clients["dispatch"], world.clients["resolution"]
    complaint_id, owner = next(iter(world.departments.items()))
    asked, outsider = sorted(set(world.departments.values()) - {owner})[:2]

    def of(department: str, tenant: str = TENANT, sub: str = "agent-helper") -> dict:
        return bearer(world.tokens.token("agent", tenant=tenant, departments=[department],
                                         sub=sub))

    added = dispatch.post(f"/v1/assignments/{complaint_id}/collaborators",
                          headers=of(owner, sub="agent-owner"),
                          json={"department": asked, "task": ASK})
    assert added.status_code in (200, 201), added.text
    dispatch_events = published(world.runtimes["dispatch"])
    for _ in range(2):
        deliver(world.runtimes["resolution"], DISPATCH_EVENTS, dispatch_events)
    task_id = next(str(e.id) for e in dispatch_events
                   if e.type == "complaint.collaborator_added.v1")
    path = f"/v1/cases/{complaint_id}/collaborations/{task_id}/completion"
    missing = resolution.post(f"/v1/cases/no-such-complaint/collaborations/{task_id}/completion",
                              headers=of(asked))

    def tasks(headers: dict) -> list[dict]:
        page = resolution.get("/v1/tasks?assigned=department", headers=headers)
        assert page.status_code == 200, page.text
        return [t for t in page.json()["items"] if t["kind"] == "collaboration"]

    assert tasks(of(asked)) == [{
        "complaint_id": complaint_id, "task_id": task_id, "kind": "collaboration",
        "proposal_id": None, "title": ASK, "assignee": None, "due_at": None,
        "overdue": False, "department": asked}]
    assert tasks(of(outsider)) == tasks(of(asked, tenant="globex")) == []
    for headers in (of(outsider), of(asked, tenant="globex")):
        refused = resolution.post(path, headers=headers)
        assert (refused.status_code, refused.content) == (404, missing.content)
    seen = resolution.get(f"/v1/cases/{complaint_id}", headers=of(asked))
    # The same problem but for `instance`, which names the route asked (the case, not the task).
    assert (seen.status_code, reason(seen)) == (404, reason(missing))

    assert resolution.post(path, headers=of(asked)).status_code == 204
    deliver(world.runtimes["resolution"], DISPATCH_EVENTS, dispatch_events)
    assert tasks(of(asked)) == []
    done = [e.data for e in published(world.runtimes["resolution"])
            if e.type == "resolution.collaboration_completed.v1"]
    assert done == [{"complaint_id": complaint_id, "task_id": task_id, "department": asked,
                     "completed_by": "agent-helper"}]
