"""#13 point 7, fragile command lines: the importer waits and resends a batch that intake turned
away for now (honouring Retry-After), files nothing twice, and stops cleanly when it must."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from fastapi.testclient import TestClient

from services.intake.bootstrap import bootstrap
from services.intake.config import IntakeSettings
from services.intake.tools import importer
from services.intake.tools.importer_retries import Backoff, retry_after
from tests.auth_tokens import bearer
from tests.unit.intake.test_importer import ROWS, complaints, write_csv

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TEN_ROWS = ROWS[:10]


@pytest.fixture
def intake(tmp_path, tokens):
    http, runtime = bootstrap(IntakeSettings(data_dir=tmp_path, service="intake-retry-test",
                                             **tokens.settings))
    yield TestClient(http, headers=bearer(tokens.client(client_id="cfpb"))), runtime.app
    runtime.app.close()


class Intake(httpx.BaseTransport):
    """Intake in this process behind a gateway that answers some requests itself.

    Each planned answer is None (intake answers), an exception (the connection fails), or
    (status, headers, filed): with filed, intake did file the batch before the gateway lost its
    answer; without, the request never reached intake.
    """

    def __init__(self, client: TestClient, plan: list) -> None:
        self.inner, self.plan, self.requests = client._transport, list(plan), 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if not self.plan:
            return self.inner.handle_request(request)
        planned = self.plan.pop(0)
        if planned is None:
            return self.inner.handle_request(request)
        if isinstance(planned, Exception):
            raise planned
        status, headers, filed = planned
        if filed:
            self.inner.handle_request(request).read()
        return httpx.Response(status, headers=headers)


def through(client: TestClient, plan: list) -> tuple[httpx.Client, Intake]:
    gateway = Intake(client, plan)
    return httpx.Client(transport=gateway, base_url=client.base_url,
                        headers=dict(client.headers)), gateway


def backoff(waits: list[float], attempts: int = 6) -> Backoff:
    return Backoff(attempts=attempts, sleep=waits.append, now=lambda: NOW)


@pytest.fixture
def window_tops(monkeypatch) -> list[tuple[float, float]]:
    """Full jitter draws uniform(0, window): draw the top of the window, and note each window."""
    windows = []

    def uniform(low: float, high: float) -> float:
        windows.append((low, high))
        return high

    monkeypatch.setattr("tenacity.wait.random.uniform", uniform)
    return windows


def test_a_batch_turned_away_is_sent_again_after_the_wait_retry_after_asks(intake, tmp_path):
    client, app = intake
    path = write_csv(tmp_path / "ten.csv", TEN_ROWS)
    http, gateway = through(client, [
        (503, {"Retry-After": "7"}, False),
        (429, {"Retry-After": format_datetime(NOW + timedelta(seconds=30), usegmt=True)}, False),
    ])
    waits: list[float] = []

    tally = importer.import_over_http(path, http, historical=True, batch_items=5,
                                      backoff=backoff(waits))

    assert waits == [7.0, 30.0]
    assert gateway.requests == 4  # the first batch thrice, the second once
    assert (tally.filed, tally.repeated, sum(tally.refused.values())) == (10, 0, 0)
    assert len(complaints(app)) == 10


def test_a_batch_filed_before_its_answer_was_lost_is_not_filed_twice(
    intake, tmp_path, window_tops
):
    client, app = intake
    path = write_csv(tmp_path / "ten.csv", TEN_ROWS)
    http, _ = through(client, [(502, {}, True), (504, {}, True)])
    waits: list[float] = []

    tally = importer.import_over_http(path, http, historical=True, batch_items=5,
                                      backoff=backoff(waits))

    assert (waits, window_tops) == ([1.0, 2.0], [(0, 1.0), (0, 2.0)])
    assert (tally.filed, tally.repeated) == (5, 5)  # the first batch answers "already filed"
    references = sorted(c.external_reference for c in complaints(app))
    assert references == sorted(f"cfpb:{r['Complaint ID']}" for r in TEN_ROWS)


def test_lost_connections_are_retried_with_growing_jittered_waits(intake, tmp_path, window_tops):
    client, _ = intake
    path = write_csv(tmp_path / "ten.csv", TEN_ROWS)
    lost = [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.ConnectError("gone")]
    http, _ = through(client, lost)
    waits: list[float] = []

    tally = importer.import_over_http(path, http, historical=True, backoff=backoff(waits))

    assert window_tops == [(0, 1.0), (0, 2.0), (0, 4.0)]
    assert waits == [1.0, 2.0, 4.0]
    assert tally.filed == 10


def test_a_batch_still_turned_away_after_every_attempt_stops_the_import(intake, tmp_path):
    client, app = intake
    path = write_csv(tmp_path / "ten.csv", TEN_ROWS)
    busy = (503, {"Retry-After": "2"}, False)
    http, gateway = through(client, [None, busy, busy, busy])
    waits: list[float] = []

    with pytest.raises(importer.ImportStopped) as stopped:
        importer.import_over_http(path, http, historical=True, batch_items=5,
                                  backoff=backoff(waits, attempts=3))

    assert str(stopped.value) == (
        "intake did not take a batch of 5 rows after 3 attempts (HTTP 503 Service Unavailable);"
        " before it: 5 filed, 0 already filed, 0 refused. Importing again files nothing twice."
    )
    assert (waits, gateway.requests, len(complaints(app))) == ([2.0, 2.0], 4, 5)


def test_the_command_exits_3_in_one_line_when_intake_stays_unavailable(
    tmp_path, monkeypatch, capsys
):
    path = write_csv(tmp_path / "ten.csv", TEN_ROWS)
    requests = []

    def unavailable(request: httpx.Request) -> httpx.Response:
        requests.append(request.url.path)
        return httpx.Response(503, headers={"Retry-After": "0"})

    client = httpx.Client
    monkeypatch.setattr(importer.httpx, "Client", lambda base_url, timeout, headers: client(
        transport=httpx.MockTransport(unavailable), base_url=base_url, headers=headers))

    code = importer.main([str(path), "--url", "http://intake.test", "--token", "t",
                          "--attempts", "2"])

    out, err = capsys.readouterr()
    assert (code, out, requests) == (3, "", ["/v1/complaints:batch"] * 2)
    assert err.split("\n")[-2] == (
        "python -m services.intake.tools.importer: error: intake did not take a batch of 10 rows"
        " after 2 attempts (HTTP 503 Service Unavailable); before it: 0 filed, 0 already"
        " filed, 0 refused. Importing again files nothing twice."
    )


@pytest.mark.parametrize(("header", "seconds"), [
    ("120", 120.0),
    ("Mon, 02 Mar 2026 09:01:30 GMT", 90.0),
    ("Mon, 02 Mar 2026 08:59:00 GMT", 0.0),  # already past: send now
    ("soon", None),  # unreadable: the jittered wait instead
    (None, None),
])
def test_retry_after_is_read_as_seconds_or_an_http_date(header, seconds):
    answer = httpx.Response(503, headers={"Retry-After": header} if header else {})

    assert retry_after(answer, NOW) == seconds
