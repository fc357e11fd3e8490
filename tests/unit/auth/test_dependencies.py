"""require(scope) on a route: 401 with a Bearer challenge, 403 for a missing scope."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from runtime.auth import CurrentTenant, Principal, Scope, require
from runtime.auth.wiring import AccessControl, install


@pytest.fixture
def client(verifier) -> TestClient:
    app = FastAPI()
    install(app, AccessControl(verifier=verifier, max_body_bytes=1024, bucket=None))

    @app.get("/read")
    def read(caller: Annotated[Principal, Depends(require(Scope.COMPLAINTS_READ))]) -> dict:
        return {"sub": caller.sub}

    @app.post("/tenant")
    def tenant(tenant: CurrentTenant, body: dict) -> dict:
        return {"tenant": tenant}

    return TestClient(app)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_right_scope_passes(client, issuer):
    token = issuer.mint(sub="alice", tenant="acme", roles=["agent"])
    response = client.get("/read", headers=bearer(token))
    assert (response.status_code, response.json()) == (200, {"sub": "alice"})


def test_no_credentials_get_a_bare_challenge(client):
    response = client.get("/read")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="complaint-platform"'
    assert response.json() == {"detail": "not authenticated"}


@pytest.mark.parametrize("header", [
    "Bearer garbage", "Bearer ", "Basic YWxpY2U6c2VjcmV0", "garbage", "Bearer a.b.c",
])
def test_garbage_credentials_get_invalid_token(client, header):
    response = client.get("/read", headers={"Authorization": header})
    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="complaint-platform", error="invalid_token"')
    assert response.json() == {"detail": "not authenticated"}


def test_an_expired_token_says_why_in_the_challenge(client, issuer):
    token = issuer.mint(sub="alice", tenant="acme", roles=["agent"], ttl_s=-100)
    response = client.get("/read", headers=bearer(token))
    assert response.status_code == 401
    assert 'error_description="the token has expired"' in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize("role", ["analyst", "administrator", "channel_adapter", "customer"])
def test_a_role_without_the_scope_gets_403(client, issuer, role):
    token = issuer.mint(sub="bob", tenant="acme", roles=[role])
    response = client.get("/read", headers=bearer(token))
    assert response.status_code == 403
    assert response.headers["WWW-Authenticate"] == (
        'Bearer realm="complaint-platform", error="insufficient_scope", scope="complaints:read"')


def test_the_tenant_comes_from_the_token_never_the_body(client, issuer):
    token = issuer.mint(sub="alice", tenant="acme", roles=["agent"])
    response = client.post("/tenant", json={"tenant": "globex"}, headers=bearer(token))
    assert response.json() == {"tenant": "acme"}
    assert client.post("/tenant", json={"tenant": "globex"}).status_code == 401


def test_an_app_without_access_control_fails_closed(issuer):
    app = FastAPI()

    @app.get("/read")
    def read(caller: Annotated[Principal, Depends(require(Scope.COMPLAINTS_READ))]) -> dict:
        return {}

    token = issuer.mint(sub="alice", tenant="acme", roles=["agent"])
    response = TestClient(app, raise_server_exceptions=False).get("/read", headers=bearer(token))
    assert response.status_code == 500
