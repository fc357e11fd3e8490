"""Outbound calls' tokens: fetched with the client credentials grant, reused until near expiry."""

from __future__ import annotations

import base64

import httpx

from runtime.auth.client_credentials import ClientCredentials
from tests.unit.auth.conftest import Clock


class TokenEndpoint:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, json={"access_token": f"t{len(self.requests)}",
                                         "token_type": "Bearer", "expires_in": 300})


def test_tokens_are_fetched_with_the_client_secret_and_reused():
    endpoint, clock = TokenEndpoint(), Clock()
    credentials = ClientCredentials(
        "https://idp/token", client_id="wechat", client_secret="s3cret",
        scopes=["complaints:file"], clock=clock, transport=httpx.MockTransport(endpoint))
    assert credentials.header() == {"Authorization": "Bearer t1"}
    clock.advance(269)
    assert credentials.token() == "t1"
    clock.advance(1)  # 30 s before expiry: renew
    assert credentials.token() == "t2"
    [request, _] = endpoint.requests
    assert request.headers["Authorization"] == (
        "Basic " + base64.b64encode(b"wechat:s3cret").decode())
    assert request.content == b"grant_type=client_credentials&scope=complaints%3Afile"


def test_the_token_request_has_a_timeout():
    seen = {}

    def endpoint(request: httpx.Request) -> httpx.Response:
        seen.update(request.extensions["timeout"])
        return httpx.Response(200, json={"access_token": "t", "expires_in": 60})

    ClientCredentials("https://idp/token", client_id="c", client_secret="s", timeout_s=2.0,
                      transport=httpx.MockTransport(endpoint)).token()
    assert seen == {"connect": 2.0, "read": 2.0, "write": 2.0, "pool": 2.0}
