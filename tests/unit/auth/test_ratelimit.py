"""The token bucket with a clock the test moves, and the middleware's 429s."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from runtime.auth.ratelimit import TokenBucket
from runtime.auth.wiring import AccessControl, install
from tests.problems import reason
from tests.unit.auth.conftest import Clock


def test_a_full_bucket_allows_its_burst_then_refuses():
    bucket = TokenBucket(rate_per_s=2, burst=3, clock=Clock())
    assert [bucket.take("a") for _ in range(3)] == [0, 0, 0]
    assert bucket.take("a") == pytest.approx(0.5)


def test_tokens_come_back_at_the_rate():
    clock = Clock()
    bucket = TokenBucket(rate_per_s=2, burst=3, clock=clock)
    for _ in range(3):
        bucket.take("a")
    clock.advance(0.25)
    assert bucket.take("a") == pytest.approx(0.25)  # half a token: a quarter second to go
    clock.advance(0.25)
    assert bucket.take("a") == 0
    clock.advance(100)
    assert [bucket.take("a") for _ in range(4)][-1] == pytest.approx(0.5)  # never over burst


def test_refused_requests_do_not_spend_tokens():
    clock = Clock()
    bucket = TokenBucket(rate_per_s=1, burst=1, clock=clock)
    bucket.take("a")
    for _ in range(10):
        assert bucket.take("a") > 0
    clock.advance(1)
    assert bucket.take("a") == 0


def test_each_key_has_its_own_bucket():
    bucket = TokenBucket(rate_per_s=1, burst=1, clock=Clock())
    assert bucket.take("a") == 0
    assert bucket.take("a") > 0
    assert bucket.take("b") == 0


def test_the_number_of_buckets_is_bounded():
    bucket = TokenBucket(rate_per_s=1, burst=1, clock=Clock(), max_keys=10)
    for n in range(1000):
        bucket.take(f"ip-{n}")
    assert len(bucket._buckets) == 10


@pytest.fixture
def limited(verifier):
    clock = Clock()
    app = FastAPI()
    install(app, AccessControl(verifier=verifier, max_body_bytes=1024,
                               bucket=TokenBucket(rate_per_s=1, burst=2, clock=clock)))

    @app.get("/ping")
    def ping() -> dict:
        return {}

    @app.get("/healthz")
    def healthz() -> dict:
        return {}

    return TestClient(app), clock


def test_the_middleware_answers_429_with_retry_after(limited):
    client, clock = limited
    assert [client.get("/ping").status_code for _ in range(3)] == [200, 200, 429]
    refused = client.get("/ping")
    assert refused.headers["Retry-After"] == "1"
    assert reason(refused) == {"detail": "too many requests"}
    clock.advance(1)
    assert client.get("/ping").status_code == 200


def test_principals_are_limited_apart_from_anonymous_callers(limited, issuer):
    client, _ = limited
    alice = {"Authorization": "Bearer " + issuer.mint(sub="alice", tenant="acme",
                                                      roles=["agent"])}
    bob = {"Authorization": "Bearer " + issuer.mint(sub="bob", tenant="acme", roles=["agent"])}
    assert [client.get("/ping").status_code for _ in range(3)] == [200, 200, 429]
    assert [client.get("/ping", headers=alice).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/ping", headers=bob).status_code == 200


def test_a_forged_token_counts_against_the_ip_not_the_victim(limited, issuer, tmp_path):
    from runtime.auth.issuer import DevIssuer

    client, _ = limited
    forged = DevIssuer(tmp_path / "forger").mint(sub="alice", tenant="acme", roles=["agent"])
    for _ in range(3):
        client.get("/ping", headers={"Authorization": f"Bearer {forged}"})
    alice = issuer.mint(sub="alice", tenant="acme", roles=["agent"])
    assert client.get("/ping", headers={"Authorization": f"Bearer {alice}"}).status_code == 200
    assert client.get("/ping").status_code == 429  # the forger's IP bucket is empty


def test_operational_endpoints_are_not_limited(limited):
    client, _ = limited
    assert {client.get("/healthz").status_code for _ in range(10)} == {200}


def test_a_cost_of_n_takes_n_tokens_or_none():
    """Issue #21, point 6: a batch pays per item, all at once or not at all."""
    clock = Clock()
    bucket = TokenBucket(rate_per_s=2, burst=10, clock=clock)
    assert bucket.take("a", 6) == 0
    assert bucket.take("a", 5) == pytest.approx(0.5)  # 4 left: one more in half a second
    assert bucket.take("a", 4) == 0  # the refused cost spent nothing
    assert bucket.take("a") == pytest.approx(0.5)
    clock.advance(5)
    assert bucket.take("a", 10) == 0


@pytest.mark.parametrize("cost", [0, -1, 11])
def test_a_cost_the_bucket_could_never_pay_is_an_error(cost):
    with pytest.raises(ValueError):
        TokenBucket(rate_per_s=1, burst=10, clock=Clock()).take("a", cost)
