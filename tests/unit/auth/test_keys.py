"""The key set: cached, refetched for an unknown kid at most every min_refresh_s."""

from __future__ import annotations

import base64

import httpx
import jwt
import pytest

from runtime.auth.issuer import DevIssuer
from runtime.auth.keys import JwksKeys, fetch_jwks
from runtime.auth.tokens import InvalidToken, TokenVerifier
from tests.unit.auth.conftest import Clock


class CountingFetch:
    def __init__(self, *documents):
        self.documents, self.calls = list(documents), []

    def __call__(self, source: str, timeout_s: float):
        self.calls.append((source, timeout_s))
        document = self.documents[0] if len(self.documents) == 1 else self.documents.pop(0)
        if isinstance(document, Exception):
            raise document
        return document


@pytest.fixture
def two_issuers(tmp_path):
    return DevIssuer(tmp_path / "one"), DevIssuer(tmp_path / "two")


def test_keys_are_fetched_once_and_cached(two_issuers):
    one, _ = two_issuers
    fetch, clock = CountingFetch(one.jwks()), Clock()
    keys = JwksKeys("https://idp/jwks", fetch=fetch, clock=clock, timeout_s=2.5)
    for _ in range(5):
        assert keys.get(one.kid) is not None
    assert fetch.calls == [("https://idp/jwks", 2.5)]


def test_unknown_kid_refetches_at_most_every_min_refresh(two_issuers):
    one, _ = two_issuers
    fetch, clock = CountingFetch(one.jwks()), Clock()
    keys = JwksKeys("jwks.json", fetch=fetch, clock=clock, min_refresh_s=30)
    assert keys.get(one.kid) is not None
    clock.advance(31)
    for _ in range(100):  # a flood of tokens with made-up kids
        assert keys.get("made-up") is None
    assert len(fetch.calls) == 2
    clock.advance(29)
    assert keys.get("made-up") is None
    assert len(fetch.calls) == 2
    clock.advance(1)
    keys.get("made-up")
    assert len(fetch.calls) == 3


def test_a_rotated_in_key_is_found_by_refetching(two_issuers):
    one, two = two_issuers
    rotated = {"keys": one.jwks()["keys"] + two.jwks()["keys"]}
    fetch, clock = CountingFetch(one.jwks(), rotated), Clock()
    keys = JwksKeys("jwks.json", fetch=fetch, clock=clock, min_refresh_s=30)
    assert keys.get(two.kid) is None  # first fetch: not published yet
    clock.advance(30)
    assert keys.get(two.kid) is not None
    assert keys.get(one.kid) is not None


def test_keys_are_refetched_when_older_than_max_age(two_issuers):
    one, two = two_issuers
    fetch, clock = CountingFetch(one.jwks(), two.jwks()), Clock()
    keys = JwksKeys("jwks.json", fetch=fetch, clock=clock, max_age_s=3600)
    assert keys.get(one.kid) is not None
    clock.advance(3600)
    assert keys.get(one.kid) is None  # rotated out: it stops working
    assert keys.get(two.kid) is not None


def test_a_failed_fetch_keeps_the_known_keys(two_issuers):
    one, _ = two_issuers
    fetch = CountingFetch(one.jwks(), httpx.ConnectTimeout("slow"), ValueError("bad json"))
    clock = Clock()
    keys = JwksKeys("https://idp/jwks", fetch=fetch, clock=clock, max_age_s=60,
                    min_refresh_s=10)
    assert keys.get(one.kid) is not None
    clock.advance(60)
    assert keys.get(one.kid) is not None
    clock.advance(10)
    assert keys.get(one.kid) is not None
    assert len(fetch.calls) == 3


def test_no_keys_until_a_fetch_succeeds():
    fetch, clock = CountingFetch(OSError("no such file")), Clock()
    keys = JwksKeys("missing.json", fetch=fetch, clock=clock)
    assert keys.get("any") is None


def test_a_symmetric_key_in_the_set_still_verifies_nothing():
    secret = b"0123456789abcdef0123456789abcdef"
    fetch = CountingFetch({"keys": [{
        "kty": "oct", "kid": "hs", "k": base64.urlsafe_b64encode(secret).rstrip(b"=").decode()}]})
    verifier = TokenVerifier(keys=JwksKeys("jwks.json", fetch=fetch, clock=Clock()),
                             issuer="iss", audience="aud")
    token = jwt.encode({"iss": "iss", "aud": "aud", "sub": "x", "tenant": "acme", "iat": 0,
                        "exp": 2**40}, secret, algorithm="HS256", headers={"kid": "hs"})
    with pytest.raises(InvalidToken, match="algorithm 'HS256' is not accepted"):
        verifier.principal(token)


def test_fetch_reads_files_and_urls_with_a_timeout(tmp_path, monkeypatch, two_issuers):
    one, _ = two_issuers
    assert fetch_jwks(str(one.jwks_path), 1.0) == one.jwks()
    seen = {}

    def fake_get(url, *, timeout, follow_redirects):
        seen.update(url=url, timeout=timeout)
        return httpx.Response(200, json=one.jwks(), request=httpx.Request("GET", url))

    monkeypatch.setattr(httpx, "get", fake_get)
    assert fetch_jwks("https://idp.example/jwks", 2.0) == one.jwks()
    assert seen == {"url": "https://idp.example/jwks", "timeout": 2.0}
