"""Tokens for a service or channel adapter itself: the OAuth2 client credentials grant.

    credentials = ClientCredentials(token_url, client_id="wechat", client_secret=secret)
    httpx.post(url, json=body, headers=credentials.header(), timeout=5)

A token is reused until shortly before it expires; the token request has a timeout.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

import httpx


class ClientCredentials:
    """Fetches and caches the access token of one client."""

    def __init__(self, token_url: str, *, client_id: str, client_secret: str,
                 scopes: Iterable[str] = (), audience: str | None = None,
                 timeout_s: float = 5.0, renew_before_s: float = 30.0,
                 clock: Callable[[], float] = time.monotonic,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.token_url, self.client_id, self._secret = token_url, client_id, client_secret
        self.scopes, self.audience = tuple(scopes), audience
        self.timeout_s, self.renew_before_s, self._clock = timeout_s, renew_before_s, clock
        self._transport = transport
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()

    def token(self) -> str:
        """A valid access token, fetched when there is none or it is about to expire."""
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at - self.renew_before_s:
                self._fetch()
            assert self._token is not None
            return self._token

    def header(self) -> dict[str, str]:
        """The Authorization header for an outbound call."""
        return {"Authorization": f"Bearer {self.token()}"}

    def _fetch(self) -> None:
        form = {"grant_type": "client_credentials"}
        if self.scopes:
            form["scope"] = " ".join(self.scopes)
        if self.audience:
            form["audience"] = self.audience
        with httpx.Client(timeout=self.timeout_s, transport=self._transport) as client:
            response = client.post(self.token_url, data=form,
                                   auth=(self.client_id, self._secret))
        response.raise_for_status()
        body = response.json()
        self._token = body["access_token"]
        self._expires_at = self._clock() + float(body.get("expires_in", 300))
