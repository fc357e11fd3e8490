"""OIDC sign-in (AUTH_MODE=jwks): authorization code with PKCE against a stand-in provider."""

from __future__ import annotations

import base64
import hashlib
import json
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from fastapi.testclient import TestClient

from services.console.bootstrap import bootstrap
from services.console.config import ConsoleSettings

ISSUER = "https://idp.example"
ACCESS = jwt.encode({"sub": "alice", "tenant": "acme", "roles": ["agent"],
                     "departments": ["billing"]}, "k" * 32, algorithm="HS256")


class Provider:
    def __init__(self) -> None:
        self.token_requests: list[dict[str, list[str]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/.well-known/openid-configuration":
            return httpx.Response(200, json={
                "issuer": ISSUER, "authorization_endpoint": f"{ISSUER}/authorize",
                "token_endpoint": f"{ISSUER}/token"})
        if request.url.path == "/token":
            self.token_requests.append(parse_qs(request.content.decode()))
            return httpx.Response(200, json={"access_token": ACCESS, "expires_in": 600})
        return httpx.Response(404)


@pytest.fixture
def oidc(tmp_path):
    provider = Provider()
    settings = ConsoleSettings(data_dir=tmp_path, auth_mode="jwks", auth_issuer=ISSUER,
                               auth_jwks=f"{ISSUER}/jwks", oidc_client_id="console",
                               rate_limit_per_s=0)
    with TestClient(bootstrap(settings, httpx.MockTransport(provider))) as client:
        yield client, provider


def test_the_code_is_exchanged_with_the_verifier_whose_challenge_went_to_the_provider(oidc):
    client, provider = oidc
    assert "/signin/dev" not in client.get("/signin").text  # no demo users outside dev
    away = client.get("/signin/oidc?next=/work", follow_redirects=False)
    target = urlsplit(away.headers["location"])
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{ISSUER}/authorize"
    assert (query["response_type"], query["client_id"], query["code_challenge_method"]) == (
        "code", "console", "S256")
    back = client.get(f"/signin/callback?code=c0de&state={query['state']}",
                      follow_redirects=False)
    assert back.headers["location"] == "/work"
    sent = {k: v[0] for k, v in provider.token_requests[0].items()}
    assert (sent["grant_type"], sent["code"], sent["redirect_uri"]) == (
        "authorization_code", "c0de", "http://testserver/signin/callback")
    assert base64.urlsafe_b64encode(hashlib.sha256(sent["code_verifier"].encode()).digest()
                                    ).rstrip(b"=").decode() == query["code_challenge"]
    assert ACCESS not in json.dumps(dict(back.headers))  # sealed, not readable in the cookie


def test_a_callback_with_another_state_is_refused(oidc):
    client, provider = oidc
    client.get("/signin/oidc", follow_redirects=False)
    answer = client.get("/signin/callback?code=c0de&state=forged", follow_redirects=False)
    assert answer.status_code == 400
    assert provider.token_requests == []
