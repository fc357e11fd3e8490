"""Issue #13, point 6, on the real broker: the same person files over two raw channels (an
email whose From the mail gateway authenticated, then a web form whose address was checked with
a one-time code) and intake publishes both complaints under one customer id."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from contracts.topics import INTAKE_EVENTS
from services.intake.bootstrap import bootstrap
from services.intake.config import IntakeSettings
from tests.auth_tokens import Tokens, bearer

pytestmark = pytest.mark.integration

EMAIL = (Path(__file__).resolve().parents[1] / "unit/intake/samples/email_html_only.eml"
         ).read_bytes()  # From: "Maria Hernandez" <Maria.Hernandez@example.com>


async def received(bootstrap_servers: str, complaint_ids: set[str]) -> dict[str, dict]:
    """The complaint.received.v1 envelopes of these complaints, by complaint id."""
    consumer = AIOKafkaConsumer(INTAKE_EVENTS.name, bootstrap_servers=bootstrap_servers,
                                group_id=f"reader-{uuid.uuid4()}", auto_offset_reset="earliest")
    await consumer.start()
    found: dict[str, dict] = {}
    try:
        async with asyncio.timeout(120):
            while set(found) != complaint_ids:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    for record in records:
                        envelope = json.loads(record.value)
                        if (envelope["type"] == "complaint.received.v1"
                                and envelope["subject"] in complaint_ids):
                            found[envelope["subject"]] = envelope
    finally:
        await consumer.stop()
    return found


async def test_one_person_over_two_raw_channels_is_one_customer(
    kafka_bootstrap: str, tmp_path: Path, tokens: Tokens
) -> None:
    run = uuid.uuid4().hex[:8]
    http, runtime = bootstrap(IntakeSettings(
        kafka_bootstrap=kafka_bootstrap, data_dir=tmp_path, service=f"intake-raw-id-{run}",
        tenant=f"raw-id-{run}", contact_index_key=f"index-key-{run}", **tokens.settings))
    adapter = bearer(tokens.client(tenant=f"raw-id-{run}"))
    account = f"acct-{run}"

    async with runtime.running():
        transport = httpx.ASGITransport(app=http)
        async with httpx.AsyncClient(transport=transport, base_url="http://intake",
                                     headers=adapter) as api:
            mailed = await api.post("/v1/channels/email", content=EMAIL, headers={
                "content-type": "message/rfc822", "Verified-By": "sender_address"})
            formed = await api.post("/v1/channels/web", headers={"Verified-By": "one_time_code"},
                                    json={"account_id": account,
                                          "email": "maria.hernandez@EXAMPLE.com",
                                          "message": "Still nobody has answered about the "
                                                     "charge on my card ending 4432."})
        ids = {mailed.json()["complaint_id"], formed.json()["complaint_id"]}
        events = await received(kafka_bootstrap, ids)

    assert (mailed.status_code, formed.status_code) == (202, 202)
    by_channel = {e["data"]["channel"]: e["data"]["customer_id"] for e in events.values()}
    assert by_channel["web"] == by_channel["email"]
    assert by_channel["email"].startswith("email:")
    assert {e["tenant"] for e in events.values()} == {f"raw-id-{run}"}
