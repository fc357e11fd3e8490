"""On the real broker and PostgreSQL: a complaint whose every free-text field and file holds a
unique marker is filed (over HTTP and through a channel's inbound topic, with refused and
unparseable submissions too), worked through resolution and a survey, projected by analytics,
searchable in work (digests of its words) and told by notify (the customer's addresses), and its
customer erased; then no topic (from offset 0), no table of the event stores, no
analytics table, no file under the data folder and no log record holds the marker, in
plaintext, hex or base64."""

from __future__ import annotations

import asyncio
import base64
import logging
import time
import uuid
from pathlib import Path

import httpx
import psycopg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from contracts.envelope import wrap
from contracts.inbound import ComplaintSubmitted
from contracts.topics import ALL_TOPICS, DISPATCH_EVENTS, DOMAIN_TOPICS, INBOUND
from runtime.logs import JsonFormatter
from runtime.redrive import read_letters
from services.analytics.bootstrap import bootstrap as analytics_bootstrap
from services.analytics.config import AnalyticsSettings
from services.intake.bootstrap import bootstrap as intake_bootstrap
from services.intake.config import IntakeSettings
from services.intake.domain import Submission
from services.notify.bootstrap import bootstrap as notify_bootstrap
from services.notify.config import NotifySettings
from services.resolution.bootstrap import bootstrap as resolution_bootstrap
from services.resolution.config import ResolutionSettings
from services.work.bootstrap import bootstrap as work_bootstrap
from services.work.config import WorkSettings
from tests.auth_tokens import Tokens, bearer
from tests.integration.test_resolution_lifecycle import assignment, publish, wait_for_case

pytestmark = pytest.mark.integration

AGENT = "agent-0142"


def spellings(marker: str) -> list[bytes]:
    """The marker as bytes, hex, and base64 at each of the three alignments."""
    raw = marker.encode()
    aligned = [base64.b64encode(b"\0" * k + raw)[4:-4] for k in range(3)]
    return [raw, raw.hex().encode(), *aligned]


def hits(blob: bytes, marker: str) -> int:
    return sum(blob.count(s) for s in spellings(marker))


async def scan_topics(bootstrap: str, marker: str) -> tuple[int, int]:
    """(places, hits) over every registry topic, each read from offset 0 to its end."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                group_id=f"erasure-scan-{uuid.uuid4()}",
                                auto_offset_reset="earliest")
    await consumer.start()
    found = 0
    try:
        names = [t.name for t in ALL_TOPICS if t.name in await consumer.topics()]
        consumer.subscribe(names)
        async with asyncio.timeout(120):
            ends: dict = {}
            while not ends or await _behind(consumer, ends):
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    found += sum(hits((r.key or b"") + (r.value or b""), marker)
                                 for r in records)
                if not ends and consumer.assignment():
                    ends = await consumer.end_offsets(list(consumer.assignment()))
    finally:
        await consumer.stop()
    assert len(names) >= len(ALL_TOPICS) - 1, names  # analytics' alerts may not exist yet
    return len(names), found


async def _behind(consumer: AIOKafkaConsumer, ends: dict) -> bool:
    return any([await consumer.position(tp) < end for tp, end in ends.items()])


def scan_postgres(url: str, marker: str) -> tuple[int, int]:
    """(places, hits) over every table of the database, each row as text."""
    found = 0
    with psycopg.connect(url) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT quote_ident(table_name) FROM information_schema.tables"
            " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")]
        for table in tables:
            for (row,) in conn.execute(f"SELECT t::text FROM {table} t"):
                found += hits(row.encode(), marker)
    return len(tables), found


def scan_analytics(store, marker: str) -> tuple[int, int]:
    """(places, hits) over every table of analytics' ClickHouse database, as TSV."""
    tables = [name for (name,) in store.select(
        "SELECT name FROM system.tables WHERE database = currentDatabase()")]
    found = 0
    for table in tables:
        rows = store.select(f"SELECT * FROM `{table}`")
        found += hits("\n".join("\t".join(map(str, row)) for row in rows).encode(), marker)
    return len(tables), found


class Records(logging.Handler):
    """Every log record of the services, as the JSON line they would write."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter("erasure-scan"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # httpx's lines are this test's clients' (the services' servers log no access lines).
        if record.name != "httpx":
            self.lines.append(self.format(record))

    def scan(self, marker: str) -> tuple[int, int]:
        return 1, hits("\n".join(self.lines).encode(), marker)


async def wait_for_analytics(analytics, bootstrap: str) -> None:
    """Until analytics has projected every domain topic to its end as of now."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer.topics()  # the metadata partitions_for_topic answers from
        partitions = [tp for t in DOMAIN_TOPICS
                      for tp in consumer_partitions(consumer, t.name)]
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
    finally:
        await consumer.stop()
    behind = {(tp.topic, tp.partition): end - 1 for tp, end in ends.items() if end > 0}

    def caught_up() -> bool:
        done = analytics.app.positions()
        return all(done.get(position, -1) >= last for position, last in behind.items())
    await wait_until(caught_up, "analytics did not project the topics", timeout_s=120)


def search_digests(url: str, complaint_id: str) -> int:
    """How many keyed digests of the complaint's words and contact points work keeps."""
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM work_search_keys WHERE complaint_id = %s",
                            (complaint_id,)).fetchone()[0]


def consumer_partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    return [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]


def scan_files(root: Path, marker: str) -> tuple[int, int]:
    """(places, hits) over every file under root, as raw bytes."""
    files = [p for p in root.rglob("*") if p.is_file()]
    return len(files), sum(hits(p.read_bytes(), marker) for p in files)


async def submit_through_the_channel(bootstrap: str, customer: str, marker: str) -> set[str]:
    """A channel adapter's submission with the marker, one intake refuses and one that is not
    JSON (both dead-lettered); the keys of the two that become dead letters."""
    run = marker[2:-2]
    submission = ComplaintSubmitted(
        submission_id=f"wx-{run}", channel="wechat", customer_id=customer,
        customer_name=f"Name {marker}", subject=f"Parcel {marker}",
        text=f"Parcel lost, {marker} again", idempotency_key=f"wx-{run}")
    envelope = wrap(submission, source="/adapters/wechat", subject=f"wx-{run}", sequence=1,
                    tenant="experian-us", correlation_id=uuid.uuid4())
    refused = envelope.model_dump(mode="json")
    refused["data"].update(submission_id=f"bad-{run}", channel=f"fax {marker}",
                           idempotency_key=f"bad-{run}")
    await publish(bootstrap, INBOUND.name, f"wx-{run}", envelope.model_dump(mode="json"))
    await publish(bootstrap, INBOUND.name, f"bad-{run}", refused)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(INBOUND.name, key=f"junk-{run}".encode(),
                                     value=f"not json, {marker}".encode())
    finally:
        await producer.stop()
    return {f"bad-{run}", f"junk-{run}"}


async def wait_for_letters(bootstrap: str, keys: set[str]) -> None:
    """Until a dead letter of each key is on the topic."""
    deadline = time.monotonic() + 60
    while not keys <= {letter.key for letter in await read_letters(bootstrap, None)}:
        assert time.monotonic() < deadline, f"no dead letters for {keys}"
        await asyncio.sleep(0.5)


async def wait_until(check, what: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.2)


async def test_after_erasure_no_byte_of_the_customers_text_is_readable_anywhere(
    kafka_bootstrap: str, postgres_url: str, tmp_path: Path, tokens: Tokens
) -> None:
    run = uuid.uuid4().hex[:8]
    marker = f"Mk{run}Zq"
    common = {"kafka_bootstrap": kafka_bootstrap, "database_url": postgres_url,
              "data_dir": tmp_path, **tokens.settings}
    intake_http, intake = intake_bootstrap(IntakeSettings(
        **common, service=f"intake_erase_{run}", tenant="experian-us",
        tracking_secret="erasure"))
    http, resolution = resolution_bootstrap(ResolutionSettings(
        **common, service=f"resolution_erase_{run}", tenant="experian-us",
        survey_base_url="https://complaints.example/v1/surveys"))
    _, analytics = analytics_bootstrap(AnalyticsSettings(
        **common, service=f"analytics_erase_{run}"))
    # Each erases on its own (services/notify, services/work READMEs): notify destroys the key
    # of the addresses it sealed, work deletes the digests of the customer's complaints.
    notify_http, notify = notify_bootstrap(NotifySettings(
        **common, service=f"notify_erase_{run}", tenant="experian-us"))
    _, work = work_bootstrap(WorkSettings(
        **common, service=f"work_erase_{run}", tenant="experian-us"))
    customer = f"cust-{run}"
    records = Records()  # after the bootstraps: each one configures the root logger anew
    logging.getLogger().addHandler(records)

    async with (intake.running(), resolution.running(), analytics.running(), notify.running(),
                work.running()):
        intake_api = httpx.AsyncClient(transport=httpx.ASGITransport(app=intake_http),
                                       base_url="http://intake")
        notify_api = httpx.AsyncClient(transport=httpx.ASGITransport(app=notify_http),
                                       base_url="http://notify")
        api = httpx.AsyncClient(transport=httpx.ASGITransport(app=http),
                                base_url="http://resolution")
        adapter = bearer(tokens.client(tenant="experian-us"))
        filed = await intake_api.post("/v1/complaints", headers=adapter, json={
            "channel": "web", "subject": f"Subject {marker}",
            "text": f"My card was charged twice, {marker} here.",
            "customer": {"id": customer, "name": f"Name {marker}",
                         "contact": f"{marker}@example.com"},
            "attachments": [{"filename": f"{marker} statement.pdf",
                             "content_type": "application/pdf", "size_bytes": 2048}],
        })
        assert filed.status_code == 202, filed.text
        complaint_id = filed.json()["complaint_id"]
        contact = await notify_api.put(
            f"/v1/customers/{customer}/contact", headers=adapter,
            json={"email": f"{marker}@example.com", "wechat": f"openid-{marker}", "language": "en"})
        assert contact.status_code == 204, contact.text
        assigned = assignment(complaint_id)
        assigned["tenant"] = "experian-us"
        await publish(kafka_bootstrap, DISPATCH_EVENTS.name, complaint_id, assigned)
        await wait_for_case(resolution.app, complaint_id)
        letters = await submit_through_the_channel(kafka_bootstrap, customer, marker)

        async def do(method: str, path: str, status: int = 204, actor: str = AGENT,
                     roles: str = "", **kwargs) -> httpx.Response:
            token = tokens.token("supervisor", *filter(None, roles.split(",")),
                                 tenant="experian-us", sub=actor,
                                 departments=[assigned["data"]["department"]])
            headers = {**bearer(token), **kwargs.pop("headers", {})}
            response = await api.request(method, path, headers=headers, **kwargs)
            assert response.status_code == status, response.text
            return response

        c = f"/v1/cases/{complaint_id}"
        await do("POST", f"{c}/accept")
        await do("POST", f"{c}/conflicts", json={"person": "agent-0999",
                                                 "reason": f"Related to {marker}"})
        await do("POST", f"{c}/updates", 201, json={
            "text": f"Update for {marker}", "visibility": "customer", "channel": "email"})
        await do("POST", f"{c}/notes", 201, json={"text": f"Note on {marker}"})
        await do("POST", f"{c}/notes", 201, json={"template": "five_whys", "fields": {
            "problem": f"{marker} charged twice", "why_1": "Two captures",
            "why_2": "Retry", "why_3": "No idempotency key", "root_cause": "Retries"}})
        await do("POST", f"{c}/waiting", json={"reason": f"{marker} sends a statement"})
        await do("POST", f"{c}/customer-replies", json={"channel": "email"})
        evidence = (await do("PUT", f"{c}/evidence", 201,
                             params={"filename": f"{marker}.pdf"},
                             headers={"content-type": "application/pdf"},
                             content=f"%PDF-1.7 statement of {marker}".encode())).json()
        turned_down = (await do("POST", f"{c}/proposals", 201, json={
            "solution_id": "refund", "amount": "1500.00",
            "description": f"Refund twice to {marker}"})).json()["id"]
        await do("POST", f"{c}/proposals/{turned_down}/rejection", actor="lead-7",
                 roles="team_lead", json={"reason": f"{marker} was charged once",
                                          "comment": f"Ask {marker} again"})
        proposal = (await do("POST", f"{c}/proposals", 201, json={
            "solution_id": "refund", "amount": "1500.00",
            "description": f"Refund {marker}"})).json()["id"]
        p = f"{c}/proposals/{proposal}"
        await do("POST", f"{p}/approvals", actor="lead-7", roles="team_lead",
                 json={"comment": f"Matches {marker}'s statement"})
        await do("POST", f"{p}/approvals", actor="fin-3", roles="finance",
                 json={"comment": f"Paid to {marker}"})
        task = (await do("POST", f"{p}/tasks", 201, json={
            "title": "Refund to the card", "assignee": "ops-2",
            "due_at": "2099-01-01T00:00:00Z"})).json()["id"]
        await do("POST", f"{p}/tasks/{task}/completion", actor="ops-2", json={
            "evidence_ids": [evidence["evidence_id"]], "note": f"Refunded {marker}"})
        await do("POST", f"{p}/execution", json={"evidence_ids": [evidence["evidence_id"]]})
        await do("POST", f"{c}/notifications", json={
            "channel": "email", "kind": "resolution", "message": f"Refunded, {marker}"})
        await do("POST", f"/v1/cases/{complaint_id}/root-cause", json={
            "category": "payment_retry", "why_chain": [f"Two captures for {marker}"],
            "detail": f"The gateway charged {marker} twice"})
        revoked = (await do("POST", f"{c}/survey", 201, json={"channel": "email"})).json()
        await do("POST", f"/v1/cases/{complaint_id}/surveys/{revoked['survey_id']}/revocation",
                 json={"reason": f"Sent to {marker}'s old address"})
        link = (await do("POST", f"{c}/survey", 201, json={"channel": "email"})).json()
        await do("POST", f"/v1/surveys/{link['link'].rsplit('/', 1)[1]}", actor="", json={
            "csat": 4, "nps": 8, "comment": f"Fine, says {marker}"})  # closes the case
        await do("POST", f"/v1/cases/{complaint_id}/reopening", json={
            "reason": f"{marker} was charged again"})
        await do("POST", f"/v1/cases/{complaint_id}/closure", json={
            "root_cause_category": "payment_retry",
            "exception_reason": f"{marker} no longer answers"})

        await wait_for_letters(kafka_bootstrap, letters)
        await wait_until(lambda: search_digests(postgres_url, complaint_id) > 0,
                         "work did not index the complaint's words", timeout_s=120)
        await wait_until(lambda: intake.app.filed_before(Submission(
            channel="wechat", customer={"id": customer}, subject="-", text="-"),
            tenant="experian-us", idempotency_key=f"wx-{run}"), "the channel's submission")
        erased = await intake_api.post(
            f"/v1/customers/{customer}/erasure", headers=bearer(tokens.token(
                "administrator", tenant="experian-us")),
            json={"reason": "customer_request"})
        assert erased.status_code == 200, erased.text
        intake.relay.wake()
        await wait_until(lambda: (resolution.app.get_case(complaint_id) and _erased(
            resolution.app, complaint_id)), "resolution did not erase the customer")
        await wait_for_analytics(analytics, kafka_bootstrap)
        await wait_until(lambda: notify.app.contact("experian-us", customer).erased,
                         "notify did not erase the customer's addresses", timeout_s=120)
        await wait_until(lambda: search_digests(postgres_url, complaint_id) == 0,
                         "work did not delete the complaint's digests", timeout_s=120)
        in_analytics = await asyncio.to_thread(scan_analytics, analytics.store, marker)
    logging.getLogger().removeHandler(records)

    scans = {"topics": await scan_topics(kafka_bootstrap, marker),
             "postgres": scan_postgres(postgres_url, marker),
             "files": scan_files(tmp_path, marker), "analytics": in_analytics,
             "logs": records.scan(marker)}
    places = sum(n for n, _ in scans.values())
    found = sum(h for _, h in scans.values())
    print(f"places={places} hits={found}")
    assert places > len(ALL_TOPICS)
    assert found == 0, {name: h for name, (_, h) in scans.items() if h}


def _erased(app, complaint_id: str) -> bool:
    case = app.get_case(complaint_id)
    return app.personal.open(case, case.updates[0]["text"]) == "[erased]"
