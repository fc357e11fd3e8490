"""Every service app gets access control from its settings, with no auth settings at all."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Annotated

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient
from pydantic import ValidationError

from runtime.auth import Principal, Scope, require
from runtime.auth.issuer import DevIssuer
from runtime.http import create_http_app
from runtime.settings import Settings


@dataclass
class QuietRuntime:
    settings: Settings

    @contextlib.asynccontextmanager
    async def running(self):
        yield

    def readiness(self) -> dict[str, bool]:
        return {"started": True}


def service_app(settings: Settings):
    router = APIRouter()

    @router.get("/v1/things")
    def things(caller: Annotated[Principal, Depends(require(Scope.COMPLAINTS_READ))]) -> dict:
        return {"tenant": caller.tenant}

    @router.post("/v1/open")
    def still_open(body: dict) -> dict:  # a route not yet wired keeps working
        return body

    return create_http_app(QuietRuntime(settings), title="t", routers=[router])


def test_dev_mode_accepts_the_local_issuers_tokens(tmp_path):
    settings = Settings(auth_dir=tmp_path / "auth")
    client = TestClient(service_app(settings))
    token = DevIssuer(settings.auth_dir).mint(sub="a", tenant="acme", roles=["agent"])
    assert client.get("/v1/things").status_code == 401
    response = client.get("/v1/things", headers={"Authorization": f"Bearer {token}"})
    assert response.json() == {"tenant": "acme"}
    assert client.post("/v1/open", json={"x": 1}).json() == {"x": 1}
    assert client.get("/healthz").status_code == 200


def test_jwks_mode_trusts_only_the_configured_issuer(tmp_path):
    idp = DevIssuer(tmp_path / "idp", issuer="https://idp.example")
    settings = Settings(auth_mode="jwks", auth_jwks=str(idp.jwks_path),
                        auth_issuer="https://idp.example", auth_dir=tmp_path / "auth")
    client = TestClient(service_app(settings))
    good = idp.mint(sub="a", tenant="acme", roles=["agent"])
    dev = DevIssuer(settings.auth_dir).mint(sub="a", tenant="acme", roles=["agent"])
    assert client.get("/v1/things", headers={"Authorization": f"Bearer {good}"}).status_code == 200
    assert client.get("/v1/things", headers={"Authorization": f"Bearer {dev}"}).status_code == 401


def test_limits_come_from_settings(tmp_path):
    settings = Settings(auth_dir=tmp_path, max_body_bytes=64, rate_limit_per_s=1,
                        rate_limit_burst=2)
    client = TestClient(service_app(settings))
    assert client.post("/v1/open", json={"x": "y" * 100}).status_code == 413
    assert client.post("/v1/open", json={}).status_code == 200
    assert client.post("/v1/open", json={}).status_code == 429  # burst of 2 spent
    assert client.get("/healthz").status_code == 200


def test_jwks_mode_needs_a_key_set_and_a_real_issuer():
    with pytest.raises(ValidationError, match="AUTH_MODE=jwks needs"):
        Settings(auth_mode="jwks")
    with pytest.raises(ValidationError, match="AUTH_MODE=jwks needs"):
        Settings(auth_mode="jwks", auth_jwks="https://idp.example/jwks")


def test_there_is_no_mode_without_auth():
    with pytest.raises(ValidationError):
        Settings(auth_mode="none")
