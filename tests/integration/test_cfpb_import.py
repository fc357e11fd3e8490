"""The whole CFPB sample, imported over the real broker, is filed once with its history, and
analytics, projecting it from the broker, counts what pandas counts in the CSV (truth check)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from contracts.topics import DEAD_LETTER, INBOUND, INTAKE_EVENTS, TopicSpec
from services.analytics.bootstrap import bootstrap as analytics_bootstrap
from services.analytics.config import AnalyticsSettings
from services.intake.bootstrap import bootstrap
from services.intake.config import IntakeSettings
from services.intake.tools.importer import Tally, import_over_kafka
from tests.auth_tokens import Tokens
from tests.integration.test_analytics_projection import analyst, wait_for_count
from tests.unit.intake.cfpb_sample import CFPB_SAMPLE, cfpb_rows

pytestmark = pytest.mark.integration

RECEIVED, HISTORY = "complaint.received.v1", "complaint.history_recorded.v1"


async def read_to_end(bootstrap: str, topic: TopicSpec) -> list[dict]:
    """Every message on the topic, from the beginning to the end it has now."""
    async with Tail(bootstrap, topic) as tail:
        ends = await tail.consumer.end_offsets(tail.partitions)
        while [tp for tp, end in ends.items() if await tail.consumer.position(tp) < end]:
            await tail.poll()
        return tail.seen


class Tail:
    """Reads a topic from its beginning, keeping what it read, as long as the block lasts."""

    def __init__(self, bootstrap: str, topic: TopicSpec) -> None:
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False
        )
        self.partitions = [TopicPartition(topic.name, p) for p in range(topic.partitions)]
        self.seen: list[dict] = []

    async def __aenter__(self) -> Tail:
        await self.consumer.start()
        self.consumer.assign(self.partitions)
        await self.consumer.seek_to_beginning(*self.partitions)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.consumer.stop()

    async def poll(self) -> list[dict]:
        """What arrived since the last poll (also appended to `seen`)."""
        batches = await self.consumer.getmany(timeout_ms=200, max_records=5000)
        new = [json.loads(r.value) for records in batches.values() for r in records]
        self.seen.extend(new)
        return new

    async def until(self, done, timeout_s: float, what: str) -> None:
        """Poll until `done(seen)` holds; fail the test after the timeout."""
        deadline = time.monotonic() + timeout_s
        while not done(self.seen):
            if time.monotonic() > deadline:
                pytest.fail(f"timed out after {timeout_s} s waiting for {what}")
            await self.poll()


async def wait_for(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s} s waiting for {what}")
        await asyncio.sleep(0.2)


def duplicates_seen(service: str) -> float:
    labels = {"service": service, "topic": INBOUND.name, "outcome": "duplicate"}
    return REGISTRY.get_sample_value("consumer_events_total", labels) or 0.0


@dataclass(frozen=True)
class Imported:
    """The sample imported over the broker, then imported again."""

    tenant: str
    service: str
    events: list[dict]
    tally: Tally
    again: Tally


async def import_twice(kafka_bootstrap: str, data_dir: Path) -> Imported:
    """Import the whole sample through intake, wait until all is filed, then import it again
    and wait until intake has seen every row a second time."""
    rows = cfpb_rows()
    run = uuid.uuid4().hex[:8]
    tenant = f"cfpb-{run}"
    settings = IntakeSettings(
        kafka_bootstrap=kafka_bootstrap, data_dir=data_dir, service=f"intake-cfpb-{run}",
    )
    _, runtime = bootstrap(settings)

    def mine(seen: list[dict]) -> list[dict]:
        return [e for e in seen if e["tenant"] == tenant]

    def all_filed(seen: list[dict]) -> bool:
        types = Counter(e["type"] for e in mine(seen))
        return types[RECEIVED] >= len(rows) and types[HISTORY] >= len(rows)

    async with runtime.running(), Tail(kafka_bootstrap, INTAKE_EVENTS) as tail:
        started = time.monotonic()
        tally = await import_over_kafka(
            CFPB_SAMPLE, kafka_bootstrap, tenant=tenant, historical=True
        )
        published_s = time.monotonic() - started
        await tail.until(all_filed, 180, "every row's received and history events")
        filed_s = time.monotonic() - started

        duplicates_before = duplicates_seen(settings.service)
        again = await import_over_kafka(
            CFPB_SAMPLE, kafka_bootstrap, tenant=tenant, historical=True
        )
        await wait_for(
            lambda: duplicates_seen(settings.service) - duplicates_before >= len(rows), 180,
            "intake to see every re-imported row",
        )
        await asyncio.sleep(1)  # anything (wrongly) filed again would be relayed by now
        await tail.poll()
    print(f"published {len(rows)} rows in {published_s:.1f} s, all filed in {filed_s:.1f} s")
    return Imported(tenant=tenant, service=settings.service, events=mine(tail.seen),
                    tally=tally, again=again)


@pytest.fixture(scope="module")
def imported(
    private_kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Imported:
    # Its own broker: 4,134 events on intake.events.v1 would be replayed by every later
    # test's consumer that starts a new group from the beginning of the shared topics.
    return asyncio.run(import_twice(private_kafka_bootstrap, tmp_path_factory.mktemp("intake")))


@pytest.fixture(scope="module")
def csv() -> pd.DataFrame:
    # As exported: "N/A" is a value, an empty cell is "not given".
    return pd.read_csv(CFPB_SAMPLE, dtype=str, keep_default_na=False)


async def test_the_whole_cfpb_sample_is_filed_once_with_its_history(
    imported: Imported, private_kafka_bootstrap: str
) -> None:
    rows, events = cfpb_rows(), imported.events
    types = Counter(e["type"] for e in events)
    assert (types[RECEIVED], types[HISTORY]) == (2067, 2067)  # nothing filed twice
    assert len({e["id"] for e in events}) == len(events)
    assert (imported.tally.sent, imported.again.sent, sum(imported.tally.refused.values())) \
        == (2067, 2067, 0)
    received = [e["data"] for e in events if e["type"] == RECEIVED]
    history = [e["data"] for e in events if e["type"] == HISTORY]
    assert len(rows) == 2067
    assert (len(received), len(history)) == (2067, 2067)
    assert Counter(r["product"] for r in received) == Counter(r["Product"] for r in rows)
    assert Counter(r["channel_detail"] for r in received) == Counter(
        r["Submitted via"] for r in rows
    )
    assert {r["channel"] for r in received} == {"cfpb"}
    assert all(r["historical"] for r in received)
    by_reference = {r["external_reference"]: r for r in received}
    assert {f"cfpb:{row['Complaint ID']}": f"{row['Date received']}T00:00:00Z" for row in rows} \
        == {ref: r["received_at"] for ref, r in by_reference.items()}
    assert Counter(h["timely"] for h in history) == Counter(
        {"Yes": True, "No": False}[r["Timely response?"]] for r in rows
    )
    assert Counter(h["company_response"] for h in history) == Counter(
        r["Company response to consumer"] for r in rows
    )
    letters = [d for d in await read_to_end(private_kafka_bootstrap, DEAD_LETTER)
               if d.get("consumer") == imported.service and d["key"].startswith("cfpb-")]
    assert letters == []


@pytest.fixture(scope="module")
def analytics(
    imported: Imported, private_kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """The analytics service projecting the imported sample from the broker, as its analyst."""
    data_dir = tmp_path_factory.mktemp("analytics")
    tokens = Tokens(data_dir / "auth")
    settings = AnalyticsSettings(
        service=f"analytics-{imported.tenant}", kafka_bootstrap=private_kafka_bootstrap,
        data_dir=data_dir, **tokens.settings,
    )
    api, runtime = analytics_bootstrap(settings)
    with analyst(api, tokens, imported.tenant) as http:
        wait_for_count(http, imported.tenant, 2067, timeout_s=120)
        history = {"type": HISTORY}
        deadline = time.monotonic() + 60
        while http.get("/v1/analytics/events/count", params=history).json()["count"] < 2067:
            assert time.monotonic() < deadline, "the history events were not all projected"
            time.sleep(0.1)
        runtime.app.snapshot.refresh()  # rather than wait for the service's next one
        yield http


# Truth check: the API's counts of the imported sample are what pandas computes from the CSV.


def api_counts(http: TestClient, **params: str) -> dict:
    answer = http.get("/v1/analytics/volume", params={"historical": "true", **params})
    assert answer.status_code == 200, answer.text
    key = "period" if "interval" in params else params["by"]
    return {row[key]: row["complaints"] for row in answer.json()["rows"]}


def csv_counts(csv: pd.DataFrame, column: str) -> dict:
    counts = csv.groupby(column).size()
    return {(value or None): int(n) for value, n in counts.items()}


def test_analytics_counts_per_product_channel_and_state_equal_the_csvs(
    analytics: TestClient, csv: pd.DataFrame
) -> None:
    assert len(csv) == 2067
    assert api_counts(analytics, by="product") == csv_counts(csv, "Product")
    assert api_counts(analytics, by="channel_detail") == csv_counts(csv, "Submitted via")
    by_state = csv_counts(csv, "State")
    assert api_counts(analytics, by="region") == by_state
    assert None in by_state  # rows without a state are counted too, as an unknown region


def test_analytics_counts_per_month_equal_the_csvs(
    analytics: TestClient, csv: pd.DataFrame
) -> None:
    months = pd.to_datetime(csv["Date received"]).dt.to_period("M").dt.start_time
    expected = {f"{month:%Y-%m-%d}": int(n) for month, n in months.value_counts().items()}

    assert api_counts(analytics, interval="month") == expected


def test_analytics_timely_response_share_per_product_equals_the_csvs(
    analytics: TestClient, csv: pd.DataFrame
) -> None:
    answered = csv[csv["Timely response?"].isin(["Yes", "No"])]
    per_product = answered.groupby("Product")["Timely response?"]
    expected = {
        product: {"answered": len(answers), "timely": int((answers == "Yes").sum()),
                  "timely_share": round(float((answers == "Yes").mean()), 6)}
        for product, answers in per_product
    }

    rows = analytics.get("/v1/analytics/timely-response", params={"by": "product"}).json()["rows"]

    assert {r["product"]: {k: r[k] for k in ("answered", "timely", "timely_share")}
            for r in rows} == expected
    assert any(share["timely_share"] < 1 for share in expected.values())
