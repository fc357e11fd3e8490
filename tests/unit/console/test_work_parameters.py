"""Every call the console makes to the work service uses only parameters work's routes take
(work answers any other with a 422): `view=mine` for the agent's own list, never `assignee=me`."""

from __future__ import annotations

import httpx
from fastapi.routing import APIRoute
from starlette.routing import Match

from runtime.request_validation import declared_query
from services.work.api import build_router
from tests.unit.console.test_pages import CID, sign_in, stand_in  # noqa: F401  (fixture)

WORK_PORT = 8006
WORK_ROUTES = [r for r in build_router(None, None).routes if isinstance(r, APIRoute)]  # type: ignore[arg-type]


def route_of(request: httpx.Request) -> APIRoute:
    scope = {"type": "http", "method": request.method, "path": request.url.path}
    return next(r for r in WORK_ROUTES if r.matches(scope)[0] == Match.FULL)


def work_calls(calls: list[httpx.Request]) -> list[tuple[str, dict[str, str]]]:
    return [(c.url.path, dict(c.url.params)) for c in calls if c.url.port == WORK_PORT]


def test_the_workbench_asks_work_for_my_complaints_with_works_own_parameters(stand_in):  # noqa: F811
    client, services = stand_in
    sign_in(client, "cs-ana")
    client.get("/work")
    client.get("/work", params={"q": "charged twice", "cursor": "c1"})
    sign_in(client, "sup-cs")
    client.get("/supervisor")
    client.get(f"/complaints/{CID}")

    calls = [c for c in services.calls if c.url.port == WORK_PORT]
    assert work_calls(calls)[:3] == [
        ("/v1/work/complaints", {"view": "mine", "sort": "due_at", "direction": "asc"}),
        ("/v1/work/search", {"q": "charged twice", "cursor": "c1"}),
        ("/v1/work/about-to-breach", {"minutes": "240"}),
    ]
    for call in calls:
        taken = declared_query(route_of(call).dependant)
        assert set(call.url.params) <= taken, (call.url, taken)
