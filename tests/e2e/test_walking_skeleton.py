"""All five services as separate processes pass real events through a real broker."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections import defaultdict
from pathlib import Path

import httpx
import jsonschema
import pytest

from contracts.envelope import wrap
from contracts.inbound import ComplaintSubmitted
from contracts.topics import DEAD_LETTER, DOMAIN_TOPICS, INBOUND
from runtime.deadletters import WITHHELD
from tests.auth_tokens import bearer
from tests.processes import SERVICES, running
from tests.topic_reader import produce, read_until

pytestmark = pytest.mark.e2e

SCHEMAS = Path(__file__).resolve().parents[2] / "contracts" / "schemas"
EXPECTED = {
    "intake.events.v1": ["complaint.received.v1", "complaint.classified.v1"],
    "dispatch.events.v1": ["complaint.assigned.v1"],
    "resolution.events.v1": ["resolution.case_opened.v1"],
}


@pytest.fixture(scope="module")
def platform(kafka_bootstrap, tmp_path_factory, e2e_tokens):
    workdir = tmp_path_factory.mktemp("platform")
    env = {"KAFKA_BOOTSTRAP": kafka_bootstrap, **e2e_tokens.env}
    with running(SERVICES, env=env, workdir=workdir) as services:
        yield services


@pytest.fixture(scope="module")
def adapter(e2e_tokens) -> dict[str, str]:
    """A web channel adapter of the default tenant files the complaints."""
    return bearer(e2e_tokens.client(tenant="default", client_id="web"))


@pytest.fixture(scope="module")
def analyst(e2e_tokens) -> dict[str, str]:
    return e2e_tokens.headers("analyst", tenant="default", sub="ana")


def complaint(n: int) -> dict:
    return {
        "channel": "web",
        "customer": {"id": f"cust-{n}", "name": "Dana Smith", "contact": "dana@example.com"},
        "subject": f"Card charged twice #{n}",
        "text": "My card was charged twice for a single purchase and the bank will not refund.",
    }


def analytics_count(platform, analyst: dict[str, str]) -> int:
    response = httpx.get(f"{platform['analytics'].url}/v1/analytics/complaints/count",
                         headers=analyst)
    response.raise_for_status()
    return response.json()["received"]


def wait_for_count(platform, analyst: dict[str, str], expected: int,
                   timeout_s: float = 30) -> int:
    deadline = time.monotonic() + timeout_s
    count = analytics_count(platform, analyst)
    while count != expected and time.monotonic() < deadline:
        time.sleep(0.1)
        count = analytics_count(platform, analyst)
    return count


def by_complaint(published) -> dict[str, dict[str, list[str]]]:
    """Event types per complaint and topic; SLA clocks by clock key (one clock per target)."""
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for message in published:
        event = message.value
        if event["type"] == "sla.clock_started.v1":
            found[event["subject"]]["sla clocks"].append(event["data"]["clock_key"])
        else:
            found[event["subject"]][message.topic].append(event["type"])
    return found


def complete(found: dict[str, list[str]]) -> bool:
    other = {topic: types for topic, types in found.items() if topic != "sla clocks"}
    return other == EXPECTED and "first_response" in found.get("sla clocks", [])


def test_posted_complaints_reach_every_service_and_the_analytics_count(
    platform, kafka_bootstrap, adapter, analyst
):
    before = analytics_count(platform, analyst)
    intake = platform["intake"].url
    ids = []
    for n in range(3):
        response = httpx.post(f"{intake}/v1/complaints", json=complaint(n), headers=adapter)
        assert response.status_code == 202, response.text
        ids.append(response.json()["complaint_id"])

    assert wait_for_count(platform, analyst, before + 3) == before + 3

    def all_arrived(published) -> bool:
        found = by_complaint(published)
        return all(complete(found[cid]) for cid in ids)

    published = read_until(kafka_bootstrap, DOMAIN_TOPICS, all_arrived)
    found = by_complaint(published)
    for cid in ids:
        assert {t: v for t, v in found[cid].items() if t != "sla clocks"} == EXPECTED
        clocks = found[cid]["sla clocks"]
        assert "first_response" in clocks
        assert len(clocks) == len(set(clocks))  # one clock per target, each started once
    for message in published:
        schema = json.loads((SCHEMAS / f"{message.value['type']}.json").read_text())
        jsonschema.validate(message.value, schema)
        assert message.key == message.value["subject"].encode()


def test_idempotency_key_files_once(platform, adapter):
    intake = platform["intake"].url
    key = str(uuid.uuid4())
    answers = [
        httpx.post(f"{intake}/v1/complaints", json=complaint(99),
                   headers={**adapter, "Idempotency-Key": key})
        for _ in range(5)
    ]
    assert [a.status_code for a in answers] == [202] * 5
    assert len({a.json()["complaint_id"] for a in answers}) == 1
    assert [a.json()["created"] for a in answers] == [True, False, False, False, False]


def test_invalid_http_input_is_refused_with_field_reasons(platform, adapter):
    response = httpx.post(
        f"{platform['intake'].url}/v1/complaints", headers=adapter,
        json={"channel": "fax", "customer": {"id": ""}, "subject": "x", "text": "y"},
    )
    assert response.status_code == 422
    locations = {tuple(error["loc"]) for error in response.json()["errors"]}
    assert locations == {("body", "channel"), ("body", "customer", "id")}


def test_channel_adapter_submission_is_filed_and_garbage_is_dead_lettered(
    platform, kafka_bootstrap
):
    submission = ComplaintSubmitted(
        submission_id="wx-1", channel="wechat", customer_id="openid-42",
        subject="快递丢失", text="我的包裹显示已签收但我没有收到", idempotency_key="wx-1",
    )
    envelope = wrap(
        submission, source="/adapters/wechat", subject="wx-1", sequence=1, tenant="default",
        correlation_id=uuid.uuid4(),
    )
    produce(kafka_bootstrap, INBOUND, [
        (b"wx-1", envelope.model_dump_json().encode()),
        (b"junk", b"this is not json"),
    ])

    def arrived(published) -> bool:
        texts = [m.value for m in published if m.topic == "intake.events.v1"]
        dead = [m.value for m in published if m.topic == DEAD_LETTER.name]
        return any(v["data"].get("external_reference") is None and v["data"].get("customer_id")
                   == "openid-42" for v in texts) and any(d["key"] == "junk" for d in dead)

    published = read_until(kafka_bootstrap, [*DOMAIN_TOPICS, DEAD_LETTER], arrived)
    received = [m.value for m in published
                if m.topic == "intake.events.v1" and m.value["type"] == "complaint.received.v1"
                and m.value["data"]["customer_id"] == "openid-42"]
    assert len(received) == 1
    assert received[0]["data"]["channel"] == "wechat"
    dead = [m.value for m in published if m.topic == DEAD_LETTER.name and m.value["key"] == "junk"]
    assert len(dead) == 1
    assert dead[0]["reason"] == "unparseable"
    assert dead[0]["source_topic"] == INBOUND.name
    # A raw submission naming no customer is withheld from the 90-day letter (erasure).
    assert dead[0]["value"] == WITHHELD + hashlib.sha256(b"this is not json").hexdigest()
