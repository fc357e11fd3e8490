"""Every service app counts, times and logs each request by route template, not raw path."""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import dataclass

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from runtime.http import create_http_app
from runtime.logs import JsonFormatter
from runtime.settings import Settings

SERVICE = "metrics-test"


@dataclass
class QuietRuntime:
    settings: Settings

    @contextlib.asynccontextmanager
    async def running(self):
        yield

    def readiness(self) -> dict[str, bool]:
        return {"started": True}


@pytest.fixture
def client(tmp_path) -> TestClient:
    router = APIRouter()

    @router.get("/v1/complaints/{complaint_id}")
    def complaint(complaint_id: str) -> dict:
        return {"id": complaint_id}

    @router.get("/v1/broken")
    def broken() -> dict:
        raise RuntimeError("boom")

    settings = Settings(service=SERVICE, auth_dir=tmp_path / "auth")
    app = create_http_app(QuietRuntime(settings), title="t", routers=[router])
    return TestClient(app, raise_server_exceptions=False)


def requests(method: str, route: str, status: str) -> float:
    return REGISTRY.get_sample_value("http_requests_total", {
        "service": SERVICE, "method": method, "route": route, "status": status}) or 0.0


def timed(method: str, route: str) -> float:
    return REGISTRY.get_sample_value("http_request_duration_seconds_count", {
        "service": SERVICE, "method": method, "route": route}) or 0.0


def test_requests_are_counted_and_timed_by_route_template(client: TestClient) -> None:
    route = "/v1/complaints/{complaint_id}"
    before = requests("GET", route, "200"), timed("GET", route)

    assert client.get("/v1/complaints/C-1").status_code == 200
    assert client.get("/v1/complaints/C-2").status_code == 200

    assert (requests("GET", route, "200"), timed("GET", route)) == (
        before[0] + 2, before[1] + 2)
    assert REGISTRY.get_sample_value("http_requests_total", {
        "service": SERVICE, "method": "GET", "route": "/v1/complaints/C-1",
        "status": "200"}) is None


def test_errors_and_unknown_paths_are_counted_with_their_status(client: TestClient) -> None:
    before = requests("GET", "/v1/broken", "500"), requests("GET", "unmatched", "404")

    assert client.get("/v1/broken").status_code == 500
    assert client.get("/no/such/thing/42").status_code == 404

    assert requests("GET", "/v1/broken", "500") == before[0] + 1
    assert requests("GET", "unmatched", "404") == before[1] + 1


def test_each_request_is_logged_once_with_its_route_not_its_path(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="runtime.access"):
        client.get("/v1/complaints/C-9?token=secret")

    (record,) = [r for r in caplog.records if r.name == "runtime.access"]
    line = json.loads(JsonFormatter(SERVICE).format(record))
    assert line["message"] == "GET /v1/complaints/{complaint_id} 200"
    assert (line["http_method"], line["http_route"], line["http_status"]) == (
        "GET", "/v1/complaints/{complaint_id}", 200)
    assert isinstance(line["duration_ms"], float)
    assert "C-9" not in json.dumps(line) and "secret" not in json.dumps(line)
