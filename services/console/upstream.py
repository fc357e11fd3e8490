"""Calls to the services' HTTP APIs with the signed-in person's token (or none, for the
customer's token-bearing links). The console adds no rule of its own: it shows what they say."""

from __future__ import annotations

from typing import Any

import httpx

from contracts.intake import Language


class Refused(Exception):
    """A service said no (403, 409, 422...): its reason is shown to the person."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


class NotFound(Exception):
    """A service answered 404: missing, or not the caller's to see. Both look the same."""


class SignedOut(Exception):
    """A service refused the token (401): the person signs in again."""


def reason_of(response: httpx.Response) -> str:
    """The human reason in a service's error answer, whatever its shape."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:500] or response.reason_phrase
    detail = body.get("detail", body) if isinstance(body, dict) else body
    if isinstance(detail, dict):
        detail = detail.get("detail") or detail.get("message") or detail
    if isinstance(detail, list):
        detail = "; ".join(str(item.get("msg", item)) if isinstance(item, dict) else str(item)
                           for item in detail)
    return str(detail)


class Upstream:
    """One service's API as one person calls it."""

    def __init__(self, client: httpx.Client, base_url: str, *, token: str | None,
                 language: Language) -> None:
        self.client, self.base_url = client, base_url.rstrip("/")
        self.headers = {"Accept-Language": language.value}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The answer when it is a success; NotFound, SignedOut or Refused otherwise."""
        headers = self.headers | kwargs.pop("headers", {})
        response = self.client.request(method, self.base_url + path, headers=headers, **kwargs)
        if response.status_code == 404:
            raise NotFound(path)
        if response.status_code == 401:
            raise SignedOut()
        if response.status_code >= 400:
            raise Refused(response.status_code, reason_of(response))
        return response

    def get(self, path: str, **kwargs: Any) -> Any:
        """The JSON of a GET."""
        return self.call("GET", path, **kwargs).json()

    def post(self, path: str, body: dict | None = None, **kwargs: Any) -> Any:
        """The JSON of a POST (None for an empty answer)."""
        response = self.call("POST", path, json=body if body is not None else {}, **kwargs)
        return response.json() if response.content else None

    def reachable(self) -> bool:
        """Whether the service answers at all (the work read model may not run yet)."""
        try:
            return self.client.get(self.base_url + "/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False
