"""Body size (413) and page size (422) limits."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from runtime.auth.limits import page_size
from runtime.auth.wiring import AccessControl, install
from tests.problems import reason


@pytest.fixture
def client(verifier) -> TestClient:
    app = FastAPI()
    install(app, AccessControl(verifier=verifier, max_body_bytes=100, bucket=None))

    @app.post("/echo")
    def echo(body: dict) -> dict:
        return body

    @app.get("/page")
    def page(limit: Annotated[int, Depends(page_size(default=20, maximum=50))]) -> dict:
        return {"limit": limit}

    return TestClient(app)


def test_a_body_within_the_limit_passes(client):
    assert client.post("/echo", json={"a": "x" * 50}).json() == {"a": "x" * 50}


def test_a_declared_body_over_the_limit_gets_413(client):
    response = client.post("/echo", json={"a": "x" * 200})
    assert response.status_code == 413
    assert reason(response) == {"detail": "the request body is larger than 100 bytes"}


def test_a_streamed_body_over_the_limit_gets_413(client):
    def chunks():
        for _ in range(10):
            yield b'{"a": "' + b"x" * 30 + b'"}'

    response = client.post("/echo", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_page_size_defaults_and_bounds(client):
    assert client.get("/page").json() == {"limit": 20}
    assert client.get("/page?limit=50").json() == {"limit": 50}
    assert client.get("/page?limit=51").status_code == 422
    assert client.get("/page?limit=0").status_code == 422


def test_a_default_outside_the_bounds_is_a_programming_error():
    with pytest.raises(ValueError):
        page_size(default=200, maximum=100)
