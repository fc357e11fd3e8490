"""Truth check: the CFPB sample imported through intake with its history, then projected, gives
the same counts as pandas computes from the CSV itself.

The path is the real one short of the broker: services.intake.importer files every row through
intake's batch API (in process, SQLite event store), intake's outbox relay publishes the
stored events (captured instead of sent to Kafka), and analytics projects what was published.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from contracts.registry import parse
from services.analytics.application import AnalyticsApplication
from services.analytics.domain import Consumed
from services.analytics.store import ChdbStore
from services.intake import importer
from services.intake.bootstrap import bootstrap
from services.intake.config import IntakeSettings
from tests.auth_tokens import Tokens, bearer
from tests.unit.analytics.conftest import analyst_client
from tests.unit.intake.cfpb_sample import CFPB_SAMPLE


class CapturingProducer:
    """Takes what intake's relay would send to Kafka, acknowledging at once."""

    def __init__(self) -> None:
        self.values: list[bytes] = []

    async def send(self, topic: str, value: bytes, key: bytes) -> asyncio.Future:
        self.values.append(value)
        acked = asyncio.get_running_loop().create_future()
        acked.set_result(None)
        return acked


def published_by_intake(path: Path, data_dir: Path, tokens: Tokens) -> list[Consumed]:
    """Import the CSV with history through intake; every event its relay publishes."""
    http, runtime = bootstrap(IntakeSettings(data_dir=data_dir, service="intake-truth",
                                             **tokens.settings))
    # The importer files as a channel adapter would: only adapters may file history.
    client = TestClient(http, headers=bearer(tokens.client(client_id="cfpb")))
    try:
        tally = importer.import_over_http(path, client, historical=True)
        assert (sum(tally.refused.values()), tally.repeated) == (0, 0)
        producer = runtime.relay.producer = CapturingProducer()

        async def drain() -> None:
            while await runtime.relay.publish_pending():
                pass

        asyncio.run(drain())
    finally:
        runtime.app.close()
    return [Consumed(*parse(value)) for value in producer.values]


@pytest.fixture(scope="module")
def http(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    tokens = Tokens(tmp_path_factory.mktemp("auth"))
    events = published_by_intake(CFPB_SAMPLE, tmp_path_factory.mktemp("intake"), tokens)
    store = ChdbStore(tmp_path_factory.mktemp("analytics") / "chdb")
    store.open()
    app = AnalyticsApplication(store)
    for start in range(0, len(events), 1000):
        app.project(events[start:start + 1000])
    app.snapshot.refresh()
    # Intake filed the rows for the importer's tenant; an analyst of it reads them back.
    yield analyst_client(app, tokens, "default")
    store.close()


@pytest.fixture(scope="module")
def csv() -> pd.DataFrame:
    # As exported: "N/A" is a value, an empty cell is "not given".
    return pd.read_csv(CFPB_SAMPLE, dtype=str, keep_default_na=False)


def api_counts(http: TestClient, **params) -> dict:
    answer = http.get("/v1/analytics/volume", params={"historical": "true", **params})
    assert answer.status_code == 200, answer.text
    key = "period" if "interval" in params else params["by"]
    return {row[key]: row["complaints"] for row in answer.json()["rows"]}


def csv_counts(csv: pd.DataFrame, column: str) -> dict:
    counts = csv.groupby(column).size()
    return {(value or None): int(n) for value, n in counts.items()}


def test_the_sample_is_all_there(http: TestClient, csv: pd.DataFrame) -> None:
    assert len(csv) == 2067
    assert http.get("/v1/analytics/complaints/count").json() == {"received": 2067}


def test_counts_per_product_equal_the_csvs(http: TestClient, csv: pd.DataFrame) -> None:
    assert api_counts(http, by="product") == csv_counts(csv, "Product")


def test_counts_per_channel_submitted_via_equal_the_csvs(
    http: TestClient, csv: pd.DataFrame
) -> None:
    assert api_counts(http, by="channel_detail") == csv_counts(csv, "Submitted via")


def test_counts_per_state_equal_the_csvs(http: TestClient, csv: pd.DataFrame) -> None:
    expected = csv_counts(csv, "State")
    assert api_counts(http, by="region") == expected
    assert None in expected  # rows without a state are counted too, as an unknown region


def test_counts_per_month_equal_the_csvs(http: TestClient, csv: pd.DataFrame) -> None:
    months = pd.to_datetime(csv["Date received"]).dt.to_period("M").dt.start_time
    expected = {f"{month:%Y-%m-%d}": int(n) for month, n in months.value_counts().items()}

    assert api_counts(http, interval="month") == expected


def test_timely_response_share_per_product_equals_the_csvs(
    http: TestClient, csv: pd.DataFrame
) -> None:
    answered = csv[csv["Timely response?"].isin(["Yes", "No"])]
    per_product = answered.groupby("Product")["Timely response?"]
    expected = {
        product: {"answered": len(answers), "timely": int((answers == "Yes").sum()),
                  "timely_share": round(float((answers == "Yes").mean()), 6)}
        for product, answers in per_product
    }

    rows = http.get("/v1/analytics/timely-response", params={"by": "product"}).json()["rows"]

    assert {r["product"]: {k: r[k] for k in ("answered", "timely", "timely_share")}
            for r in rows} == expected
    assert any(share["timely_share"] < 1 for share in expected.values())
