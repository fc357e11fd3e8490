"""On the real broker: complaints walk through their lifecycle on the four stage topics; the work
service's lists, search and customer 360 answer with exactly these ids in this order, its tags
are published on work.events.v1, and an erased customer can no longer be found. Then a cursor
walks 1,000 complaints (fed to the projection directly) while more arrive: each once."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from fastapi.testclient import TestClient

from contracts.topics import WORK_EVENTS
from runtime.auth.principal import Principal
from runtime.auth.roles import Role, scopes_for
from runtime.vault import KeyVault
from services.work.bootstrap import bootstrap, read_model
from services.work.config import WorkSettings
from services.work.queries import SearchTerms, WorkQueries
from services.work.query import Filters, View
from services.work.tools.rebuild import rebuild
from tests.auth_tokens import Tokens, bearer
from tests.unit.work.script import Script

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def kafka_bootstrap(private_kafka_bootstrap: str) -> str:
    """A broker of this module's own: the script publishes made-up complaints of its own
    tenants straight onto the stage topics, and the rebuild replays them from offset 0."""
    return private_kafka_bootstrap


def settings(tmp_path: Path, tokens: Tokens, tenant: str, **more) -> WorkSettings:
    return WorkSettings(data_dir=tmp_path, service=f"work-it-{uuid.uuid4().hex[:8]}",
                        tenant=tenant, work_search_key="integration",
                        work_customer_keys_url=f"sqlite:///{tmp_path}/intake.sqlite",
                        **tokens.settings, **more)


async def publish(bootstrap_servers: str, script: Script) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, acks="all")
    await producer.start()
    try:
        for topic, envelope, _ in script.sent:
            await producer.send_and_wait(topic.name, key=envelope.subject.encode(),
                                         value=envelope.model_dump_json().encode())
    finally:
        await producer.stop()


async def projected(store, script: Script, timeout_s: float = 90) -> None:
    wanted = {str(envelope.id) for _, envelope, _ in script.sent}
    deadline = time.monotonic() + timeout_s
    while True:
        seen = await asyncio.to_thread(store.select, "SELECT event_id FROM work_seen_events")
        if wanted <= {row["event_id"] for row in seen}:
            return
        assert time.monotonic() < deadline, f"{len(wanted - {r['event_id'] for r in seen})} " \
            "events were not projected"
        await asyncio.sleep(0.2)


async def tags_published(bootstrap_servers: str, complaint_id: str) -> list[dict]:
    consumer = AIOKafkaConsumer(WORK_EVENTS.name, bootstrap_servers=bootstrap_servers,
                                group_id=f"reader-{uuid.uuid4()}", auto_offset_reset="earliest")
    await consumer.start()
    found: list[dict] = []
    try:
        async with asyncio.timeout(60):
            while len(found) < 2:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    found += [json.loads(r.value) for r in records
                              if r.key == complaint_id.encode()]
    finally:
        await consumer.stop()
    return found


def scenario(tenant: str, now: datetime, vault: KeyVault) -> tuple[Script, dict[str, str]]:
    """Four complaints of two customers in two departments; times relative to now."""
    ids = {name: str(uuid.uuid4()) for name in ("c1", "c2", "c3", "c4")}
    s = Script(tenant, t0=now - timedelta(minutes=120),
               seal=lambda customer, text: vault.seal(tenant, customer, text))
    c1, c2, c3, c4 = ids["c1"], ids["c2"], ids["c3"], ids["c4"]
    s.received(c1, customer="cust-1", minute=0, contact="+86 138 1234 5678",
               subject="重复扣款", text="我的信用卡被重复扣款，请尽快退款", reference="ORD-1")
    s.classified(c1, category="billing", severity="P2", minute=1)
    s.assigned(c1, department="billing", queue="billing-l1", agent="alice", minute=2)
    s.clock(c1, warn=60, due=240, minute=2)
    s.investigating(c1, minute=10)
    s.resolved(c1, minute=60)
    s.stopped(c1, met=True, minute=60)
    s.feedback(c1, csat=2, minute=70)
    s.closed(c1, minute=71)
    s.received(c2, customer="cust-1", minute=30, channel="phone", contact="ana@example.com",
               subject="Parcel missing", text="The parcel for order ORD-2 never arrived.",
               reference="ORD-2")
    s.classified(c2, category="delivery", severity="P1", minute=31)
    s.assigned(c2, department="billing", queue="billing-l1", agent=None, minute=32)
    s.clock(c2, warn=110, due=135, minute=32)  # warned, due in 15 minutes
    s.warned(c2, minute=110)
    s.received(c3, customer="cust-2", minute=40, subject="Card charged twice",
               text="Charged twice for one order.")
    s.classified(c3, category="billing", severity="P3", minute=41)
    s.assigned(c3, department="claims", queue="claims-l1", agent="carl", minute=42)
    s.clock(c3, warn=60, due=100, minute=42)
    s.breached(c3, minute=100)
    s.received(c4, customer="cust-2", minute=50, subject="Fee", text="An unexpected fee.")
    s.classified(c4, category="fees", severity="P3", minute=51)
    s.assigned(c4, department="billing", queue="billing-l1", agent="alice", minute=52)
    s.clock(c4, warn=150, due=300, minute=52)  # warns in 30 minutes
    s.investigating(c4, minute=60)
    s.reopened(c1, minute=115)
    return s, ids


async def test_lists_search_360_and_tags_after_the_lifecycle_on_the_broker(
        kafka_bootstrap: str, tmp_path: Path, tokens: Tokens) -> None:
    tenant = f"acme-{uuid.uuid4().hex[:8]}"
    config = settings(tmp_path, tokens, tenant, kafka_bootstrap=kafka_bootstrap)
    vault = KeyVault.from_url(config.customer_keys_url)
    script, ids = scenario(tenant, datetime.now(UTC), vault)
    name = {v: k for k, v in ids.items()}
    http, runtime = bootstrap(config)
    store = http.state.work.store
    alice = bearer(tokens.token("agent", tenant=tenant, sub="alice", departments=["billing"]))
    sue = bearer(tokens.token("supervisor", tenant=tenant, sub="sue",
                              departments=["billing", "claims"]))
    auditor = bearer(tokens.token("auditor", tenant=tenant, sub="audrey"))

    async with runtime.running():
        await publish(kafka_bootstrap, script)
        await projected(store, script)
        transport = httpx.ASGITransport(app=http)
        async with httpx.AsyncClient(transport=transport, base_url="http://work") as api:
            async def listed(path: str, headers: dict, **params) -> list[str]:
                response = await api.get(path, headers=headers, params=params)
                assert response.status_code == 200, response.text
                return [name[item["complaint_id"]] for item in response.json()["items"]]

            assert await listed("/v1/work/complaints", alice, view="mine") == ["c4", "c1"]
            assert await listed("/v1/work/complaints", alice, view="queue") == ["c2"]
            assert await listed("/v1/work/complaints", alice, view="department",
                                sort="received_at", direction="asc") == ["c1", "c2", "c4"]
            assert await listed("/v1/work/complaints", sue, view="all",
                                sla_state=["warning", "breached"], sort="due_at",
                                direction="asc") == ["c3", "c2"]
            assert await listed("/v1/work/complaints", sue, status="reopened") == ["c1"]
            assert await listed("/v1/work/complaints", sue, stage="resolution",
                                severity=["P2", "P3"]) == ["c4", "c1"]
            assert await listed("/v1/work/complaints", auditor, channel="phone") == ["c2"]
            assert await listed("/v1/work/about-to-breach", sue, minutes=20) == ["c2"]
            assert await listed("/v1/work/about-to-breach", sue, minutes=45) == ["c2", "c4"]
            assert await listed("/v1/work/about-to-breach", alice, minutes=45) == ["c2", "c4"]

            assert await listed("/v1/work/search", sue, reference="ORD-2") == ["c2"]
            assert await listed("/v1/work/search", sue, reference=ids["c3"]) == ["c3"]
            assert await listed("/v1/work/search", sue, customer_id="cust-2") == ["c4", "c3"]
            assert await listed("/v1/work/search", alice, phone="13812345678") == []
            assert await listed("/v1/work/search", alice, phone="+86 138 1234 5678") == ["c1"]
            assert await listed("/v1/work/search", alice, email="Ana@Example.com") == ["c2"]
            assert await listed("/v1/work/search", alice, q="退款") == ["c1"]
            assert await listed("/v1/work/search", sue, q="charged twice") == ["c3"]
            assert await listed("/v1/work/search", alice, q="charged twice") == []
            assert (await api.get("/v1/work/search", headers=auditor,
                                  params={"q": "退款"})).status_code == 403  # no pii:read

            customer = (await api.get(f"/v1/work/complaints/{ids['c2']}/customer",
                                      headers=alice)).json()
            assert {k: customer[k] for k in ("customer_id", "vip", "recurrent",
                                             "complaints_before", "average_csat")} == {
                "customer_id": "cust-1", "vip": False, "recurrent": True,
                "complaints_before": 1, "average_csat": 2.0}
            assert [(name[c["complaint_id"]], c["status"], c["csat"], c["outcome"])
                    for c in customer["complaints"]] == [
                ("c1", "reopened", 2, "explanation_apology")]

            tagged = await api.post(f"/v1/work/complaints/{ids['c4']}/tags", headers=alice,
                                    json={"tag": "callback-promised"})
            assert tagged.json() == {"complaint_id": ids["c4"], "tags": ["callback-promised"]}
            assert await listed("/v1/work/complaints", sue, tag="callback-promised") == ["c4"]
            untagged = await api.delete(
                f"/v1/work/complaints/{ids['c4']}/tags/callback-promised", headers=alice)
            assert untagged.json()["tags"] == []
            assert await listed("/v1/work/complaints", sue, tag="callback-promised") == []
            published = await tags_published(kafka_bootstrap, ids["c4"])
            assert [(e["type"], e["data"]["tag"], e["data"]["actor"], e["tenant"])
                    for e in published] == [
                ("complaint.tagged.v1", "callback-promised", "alice", tenant),
                ("complaint.untagged.v1", "callback-promised", "alice", tenant)]

            erasure = Script(tenant)
            erasure.erased("cust-1", minute=0)
            await publish(kafka_bootstrap, erasure)
            await projected(store, erasure)
            assert await listed("/v1/work/search", alice, phone="+86 138 1234 5678") == []
            assert await listed("/v1/work/search", alice, q="退款") == []
            assert await listed("/v1/work/search", sue, customer_id="cust-1") == ["c2", "c1"]
    vault.close()


def test_a_cursor_walks_1000_complaints_once_each_while_more_arrive(
        tmp_path: Path, tokens: Tokens) -> None:
    tenant = "acme"
    http, runtime = bootstrap(settings(tmp_path, tokens, tenant))
    projection = runtime.app.projection
    start = datetime(2026, 1, 5, 8, tzinfo=UTC)
    first = Script(tenant, t0=start)
    for n in range(1000):  # ten at each minute: the sort ties are broken by id
        cid = str(uuid.uuid4())
        first.received(cid, customer=f"cust-{n}", minute=n // 10)
        first.assigned(cid, department="billing", queue="billing-l1", agent=None, minute=n // 10)
    for _, envelope, event in first.sent:
        projection.apply(envelope, event)
    wanted = {e.subject for _, e, _ in first.sent}
    sue = bearer(tokens.token("supervisor", tenant=tenant, sub="sue", departments=["billing"]))
    client = TestClient(http)
    seen: list[str] = []
    cursor, pages = None, 0
    while True:
        params = {"view": "department", "limit": 37, **({"cursor": cursor} if cursor else {})}
        response = client.get("/v1/work/complaints", headers=sue, params=params)
        assert response.status_code == 200, response.text
        seen += [item["complaint_id"] for item in response.json()["items"]]
        cursor, pages = response.json()["next_cursor"], pages + 1
        if cursor is None:
            break
        more = Script(tenant, t0=start)  # newer, older and tied with what was read
        for minute in (pages % 100, 200, -5):
            cid = str(uuid.uuid4())
            more.received(cid, customer="late", minute=minute)
            more.assigned(cid, department="billing", queue="billing-l1", agent=None,
                          minute=minute)
        for _, envelope, event in more.sent:
            projection.apply(envelope, event)
    assert len(seen) == len(set(seen))  # no complaint twice
    assert wanted <= set(seen)  # every one of the thousand
    assert pages >= 1000 // 37
    assert client.get("/v1/work/complaints", headers=sue, params={
        "view": "mine", "cursor": params["cursor"]}).status_code == 400  # another list's
    runtime.app.close()


async def test_the_rebuild_replays_the_topics_into_empty_tables(
        kafka_bootstrap: str, tmp_path: Path, tokens: Tokens) -> None:
    tenant = f"acme-{uuid.uuid4().hex[:8]}"
    config = settings(tmp_path, tokens, tenant, kafka_bootstrap=kafka_bootstrap)
    vault = KeyVault.from_url(config.customer_keys_url)
    script, ids = scenario(tenant, datetime.now(UTC), vault)
    script.event("complaint.tagged.v1", ids["c4"], script.at(121), tag="press", actor="sue")
    await publish(kafka_bootstrap, script)
    store, projection = read_model(config)
    stray = Script(tenant)  # in the tables, on no topic: the rebuild forgets it
    stray.received(str(uuid.uuid4()), customer="cust-9", minute=0)
    for _, envelope, event in stray.sent:
        projection.apply(envelope, event)
    store.close()

    counts = await rebuild(config)

    assert counts["projected"] >= len(script.sent), counts
    store, _ = read_model(config)
    queries = WorkQueries(store, search_key=b"integration")
    sue = Principal(sub="sue", tenant=tenant, roles=frozenset({Role.SUPERVISOR}),
                    scopes=scopes_for({Role.SUPERVISOR}), departments=frozenset({"billing"}))
    name = {v: k for k, v in ids.items()}
    rows = queries.complaints(sue, view=View.ALL, filters=Filters()).rows
    assert [(name[r["complaint_id"]], r["status"], r["tags"]) for r in rows] == [
        ("c4", "investigating", ["press"]), ("c2", "queued", []), ("c1", "reopened", [])]
    assert [name[r["complaint_id"]] for r in queries.search(
        sue, SearchTerms(text="退款")).rows] == ["c1"]
    store.close()
    vault.close()
