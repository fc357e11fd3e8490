"""Issue #21, point 6: a batch of N items costs N tokens of the caller's rate limit, and a caller
runs at most MAX_CONCURRENT_BATCHES batches at once, on intake's own router."""

from __future__ import annotations

import threading

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from runtime.auth.db import SqliteDatabase
from runtime.auth.pii_log import PiiAccessLog
from runtime.auth.ratelimit import TokenBucket
from runtime.auth.wiring import install
from runtime.eventstore import persistence_env
from runtime.vault import KeyVault
from services.intake.api import build_router
from services.intake.application import IntakeApplication
from tests.auth_tokens import bearer
from tests.unit.auth.conftest import Clock

BURST = 10
TEXTS = ["The blender {n} sparks.", "Parcel {n} never arrived.", "Billed twice for {n}.",
         "Card {n} charged without consent.", "The app {n} logs me out.", "Refund {n} missing."]


def items(count: int, start: int = 0) -> dict:
    return {"items": [{"idempotency_key": f"k{n}", "submission": {
        "channel": "web", "customer": {"id": f"cust-{n}"}, "subject": f"Complaint {n}",
        "text": TEXTS[n % len(TEXTS)].format(n=n)}} for n in range(start, start + count)]}


class Intake:
    """Intake's router behind access control with a bucket on a clock the test holds."""

    def __init__(self, tmp_path, tokens, on_saved=lambda: None) -> None:
        url = f"sqlite:///{tmp_path / 'intake.sqlite'}"
        self.app = IntakeApplication(env=persistence_env(url), vault=KeyVault.from_url(url))
        self.clock = Clock()
        access = tokens.access()
        access.bucket = TokenBucket(rate_per_s=1, burst=BURST, clock=self.clock)
        self.http = FastAPI()
        install(self.http, access)
        self.http.include_router(build_router(
            self.app, on_saved=on_saved, public_url="https://complaints.example",
            pii_log=PiiAccessLog(SqliteDatabase(str(tmp_path / "pii.sqlite"))),
            max_batch_items=500, max_concurrent_batches=2))

    def filed(self) -> int:
        return sum(1 for n in self.app.recorder.select_notifications(None, 1000)
                   if n.topic.endswith("Complaint.Received"))


@pytest.fixture
def intake(tmp_path, tokens):
    intake = Intake(tmp_path, tokens)
    yield intake
    intake.app.close()


def test_a_batch_pays_one_token_per_item(intake, tokens):
    client = TestClient(intake.http, headers=bearer(tokens.client()))

    first = client.post("/v1/complaints:batch", json=items(6))
    second = client.post("/v1/complaints:batch", json=items(6, start=6))

    assert (first.status_code, first.json()["accepted"]) == (200, 6)
    # 4 tokens left: the request takes one, its other 5 items find 3, two seconds short.
    assert second.status_code == 429
    assert second.json() == {"detail": "a batch of 6 items costs 6 requests of the rate limit, "
                                       "more than are left"}
    assert second.headers["retry-after"] == "2"
    assert intake.filed() == 6
    # The refused batch spent its request's token, not its items': three single items pass.
    answers = [client.post("/v1/complaints:batch", json=items(1, start=20 + n)).status_code
               for n in range(4)]
    assert answers == [200, 200, 200, 429]
    intake.clock.advance(6)
    assert client.post("/v1/complaints:batch", json=items(6, start=6)).status_code == 200
    assert intake.filed() == 15


def test_other_callers_have_their_own_tokens(intake, tokens):
    web = TestClient(intake.http, headers=bearer(tokens.client(client_id="web")))
    app = TestClient(intake.http, headers=bearer(tokens.client(client_id="app")))
    assert web.post("/v1/complaints:batch", json=items(BURST)).status_code == 200
    assert web.post("/v1/complaints:batch", json=items(1, start=50)).status_code == 429
    assert app.post("/v1/complaints:batch", json=items(BURST, start=100)).status_code == 200


def test_a_batch_larger_than_the_burst_is_refused_as_too_large(intake, tokens):
    client = TestClient(intake.http, headers=bearer(tokens.client()))
    answer = client.post("/v1/complaints:batch", json=items(BURST + 1))
    assert answer.status_code == 422
    assert answer.json()["detail"] == [{"loc": ["body", "items"], "type": "batch_too_large",
                                        "msg": f"at most {BURST} items per batch"}]
    assert intake.filed() == 0


def test_a_caller_runs_at_most_two_batches_at_once(tmp_path, tokens):
    inside, release = threading.Semaphore(0), threading.Event()

    def on_saved() -> None:  # each batch's first filing waits here until released
        inside.release()
        assert release.wait(timeout=30)

    intake = Intake(tmp_path, tokens, on_saved=on_saved)
    adapter = bearer(tokens.client(client_id="web"))
    answers: list[int] = []

    def batch(start: int) -> None:
        client = TestClient(intake.http, headers=adapter)
        answers.append(client.post("/v1/complaints:batch", json=items(1, start=start)).status_code)

    running = [threading.Thread(target=batch, args=(n,)) for n in (0, 1)]
    try:
        for thread in running:
            thread.start()
        assert inside.acquire(timeout=30) and inside.acquire(timeout=30)  # both are filing

        third = TestClient(intake.http, headers=adapter).post("/v1/complaints:batch",
                                                               json=items(1, start=2))
        other = TestClient(intake.http, headers=bearer(tokens.client(client_id="app")))
        release.set()  # the other caller's batch files without waiting
        assert other.post("/v1/complaints:batch", json=items(1, start=3)).status_code == 200
    finally:
        release.set()
        for thread in running:
            thread.join(timeout=30)
    assert third.status_code == 429
    assert third.json() == {"detail": "at most 2 batches of one caller at a time"}
    assert third.headers["retry-after"] == "1"
    assert answers == [200, 200]
    fourth = TestClient(intake.http, headers=adapter).post("/v1/complaints:batch",
                                                            json=items(1, start=4))
    assert fourth.status_code == 200  # the slots came back
    assert intake.filed() == 4
    intake.app.close()
