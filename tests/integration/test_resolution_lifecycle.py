"""On the real broker: a complaint assigned by dispatch is worked by resolution from its case
opening to closure, then reopened; resolution.events.v1 carries exactly these events."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from contracts.envelope import correlation_for, event_id
from contracts.topics import DISPATCH_EVENTS, RESOLUTION_EVENTS
from runtime.tracking import TrackingTokens
from services.resolution.bootstrap import bootstrap
from services.resolution.config import ResolutionSettings
from services.resolution.domain import Case
from tests.auth_tokens import Tokens, bearer

pytestmark = pytest.mark.integration

SAMPLES = Path(__file__).resolve().parents[2] / "contracts/samples"
AGENT = "agent-0142"

EXPECTED = [
    "resolution.case_opened.v1",
    "resolution.investigation_started.v1",
    "resolution.progress_updated.v1",
    "resolution.customer_notified.v1",
    "resolution.first_response_sent.v1",
    "resolution.investigation_note_added.v1",
    "resolution.customer_wait_started.v1",
    "resolution.customer_replied.v1",
    "resolution.evidence_attached.v1",
    "resolution.resolution_proposed.v1",
    "resolution.approval_requested.v1",
    "resolution.action_refused.v1",
    "resolution.proposal_approved.v1",
    "resolution.approval_requested.v1",
    "resolution.proposal_approved.v1",
    "resolution.task_assigned.v1",
    "resolution.task_completed.v1",
    "resolution.resolution_executed.v1",
    "resolution.customer_notified.v1",
    "resolution.customer_notified.v1",
    "resolution.survey_revoked.v1",
    "resolution.customer_notified.v1",
    "resolution.feedback_received.v1",
    "complaint.closed.v1",
    "complaint.reopened.v1",
]


def assignment(complaint_id: str) -> dict:
    raw = json.loads((SAMPLES / "complaint.assigned.v1.json").read_text())
    raw.update(id=str(event_id("/services/dispatch", complaint_id, 1)), subject=complaint_id,
               correlationid=str(correlation_for(complaint_id)))
    raw["data"].update(complaint_id=complaint_id, agent_id=AGENT)
    return raw


async def publish(bootstrap_servers: str, topic: str, key: str, value: dict) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, value=json.dumps(value).encode(), key=key.encode())
    finally:
        await producer.stop()


async def read_until_reopened(bootstrap_servers: str, complaint_id: str) -> list:
    consumer = AIOKafkaConsumer(
        RESOLUTION_EVENTS.name, bootstrap_servers=bootstrap_servers,
        group_id=f"reader-{uuid.uuid4()}", auto_offset_reset="earliest",
    )
    await consumer.start()
    found = []
    try:
        async with asyncio.timeout(60):
            while not found or found[-1][1]["type"] != "complaint.reopened.v1":
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    found += [(r.key.decode(), json.loads(r.value)) for r in records
                              if r.key == complaint_id.encode()]
    finally:
        await consumer.stop()
    return found


async def progress_once(api: httpx.AsyncClient, token: str, stage: str,
                        timeout_s: float = 60) -> dict:
    """The progress answer once it shows `stage` (the status comes back over the broker)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        answer = (await api.get(f"/v1/progress/{token}")).json()
        if answer.get("stage") == stage or asyncio.get_running_loop().time() > deadline:
            return {**answer, "updates": [(u["kind"], u["text"])
                                          for u in answer.get("updates", [])]}
        await asyncio.sleep(0.2)


async def wait_for_case(app, complaint_id: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while Case.create_id(complaint_id) not in app.repository:
        assert time.monotonic() < deadline, "the case was not opened"
        await asyncio.sleep(0.2)


async def test_assignment_to_closure_then_reopen_publishes_exactly_this_sequence(
    kafka_bootstrap: str, tmp_path: Path, tokens: Tokens
) -> None:
    run = uuid.uuid4().hex[:8]
    complaint_id = str(uuid.uuid4())
    assigned = assignment(complaint_id)
    settings = ResolutionSettings(
        kafka_bootstrap=kafka_bootstrap, data_dir=tmp_path, service=f"resolution-it-{run}",
        survey_base_url="https://complaints.example/v1/surveys", tenant=assigned["tenant"],
        tracking_secret="it-tracking", **tokens.settings,
    )
    http, runtime = bootstrap(settings)
    c = f"/v1/cases/{complaint_id}"

    async with runtime.running():
        await publish(kafka_bootstrap, DISPATCH_EVENTS.name, complaint_id, assigned)
        await wait_for_case(runtime.app, complaint_id)
        transport = httpx.ASGITransport(app=http)
        async with httpx.AsyncClient(transport=transport, base_url="http://resolution") as api:
            async def do(method: str, path: str, status: int = 204, actor: str = AGENT,
                         roles: str = "", **kwargs) -> httpx.Response:
                # A supervisor of the sample's department, who may hold the approval
                # policy's roles too.
                token = tokens.token("supervisor", *filter(None, roles.split(",")),
                                     tenant=assigned["tenant"], sub=actor,
                                     departments=[assigned["data"]["department"]])
                headers = {**bearer(token), **kwargs.pop("headers", {})}
                response = await api.request(method, path, headers=headers, **kwargs)
                assert response.status_code == status, response.text
                return response

            await do("POST", f"{c}/accept")
            await do("POST", f"{c}/updates", 201, json={
                "text": "We are checking the payment with the bank", "visibility": "customer",
                "channel": "email"})
            await do("POST", f"{c}/notes", 201, json={"template": "five_whys", "fields": {
                "problem": "Charged twice for one order", "why_1": "Two captures were sent",
                "why_2": "The gateway retried after a timeout",
                "why_3": "Retries carry no idempotency key",
                "root_cause": "Non-idempotent capture retries"}})
            await do("POST", f"{c}/waiting", json={"reason": "Need the bank statement"})
            await do("POST", f"{c}/customer-replies", json={"channel": "email"})
            evidence = (await do("PUT", f"{c}/evidence", 201, params={"filename": "st.pdf"},
                                 headers={"content-type": "application/pdf"},
                                 content=b"%PDF-1.7 statement")).json()["evidence_id"]
            proposal = (await do("POST", f"{c}/proposals", 201, json={
                "solution_id": "refund", "amount": "1500.00"})).json()["id"]
            p = f"{c}/proposals/{proposal}"
            await do("POST", f"{p}/approvals", 403, roles="team_lead")  # four eyes
            await do("POST", f"{p}/approvals", actor="lead-7", roles="team_lead")
            await do("POST", f"{p}/approvals", actor="fin-3", roles="finance")
            task = (await do("POST", f"{p}/tasks", 201, json={
                "title": "Refund 1500.00 to the card", "assignee": "ops-2",
                "due_at": "2099-01-01T00:00:00Z"})).json()["id"]
            await do("POST", f"{p}/tasks/{task}/completion", actor="ops-2",
                     json={"evidence_ids": [evidence], "note": "Refund reference R-88"})
            await do("POST", f"{p}/execution", json={"evidence_ids": [evidence]})
            await do("POST", f"{c}/root-cause", json={"category": "payment_retry", "why_chain": [
                "Two captures were sent", "The gateway retried after a timeout"]})
            await do("POST", f"{c}/notifications", json={
                "channel": "email", "kind": "resolution", "message": "We refunded 1500.00"})
            astray = (await do("POST", f"{c}/survey", 201, json={"channel": "email"})).json()
            await do("POST", f"{c}/surveys/{astray['survey_id']}/revocation", json={
                "reason": "Sent to an old address"})
            link = (await do("POST", f"{c}/survey", 201, json={"channel": "email"})).json()
            token = link["link"].rsplit("/", 1)[1]
            await do("POST", f"/v1/surveys/{astray['link'].rsplit('/', 1)[1]}", 410, actor="",
                     json={"csat": 1})
            await do("POST", f"/v1/surveys/{token}", actor="", json={
                "csat": 4, "nps": 8, "comment": "Took a while, but fixed"})
            await do("POST", f"{c}/reopening", json={"reason": "Charged a third time"})
            # The customer's tracking answer, once resolution heard its own reopening back from
            # the topic: the stage and what they were told, nothing else (#14, point 3).
            tracking = TrackingTokens(b"it-tracking").issue(uuid.UUID(complaint_id),
                                                             filed_at=datetime.now(UTC))
            progress = await progress_once(api, tracking, "reopened")
        assert progress == {"stage": "reopened", "survey": None, "updates": [
            ("progress_update", "We are checking the payment with the bank"),
            ("resolution", "We refunded 1500.00")]}
        published = await read_until_reopened(kafka_bootstrap, complaint_id)

    keys = {key for key, _ in published}
    events = [event for _, event in published]
    assert [e["type"] for e in events] == EXPECTED
    assert keys == {complaint_id}
    assert {e["subject"] for e in events} == {complaint_id}
    assert events[0]["causationid"] == assigned["id"]
    assert events[0]["data"]["owner_agent_id"] == AGENT
    assert {e["correlationid"] for e in events} == {str(correlation_for(complaint_id))}
    assert {e["tenant"] for e in events} == {"experian-us"}
    sequences = [e["sequence"] for e in events]
    assert sequences == sorted(set(sequences))
    by_type = {e["type"]: e["data"] for e in events}
    # The survey links are credentials: the topic names the surveys, never their tokens.
    surveys = [e["data"] for e in events if e["type"] == "resolution.customer_notified.v1"
               and e["data"]["message_kind"] == "survey"]
    assert [(s["survey_id"], s["link"]) for s in surveys] == [
        (astray["survey_id"], None), (link["survey_id"], None)]
    published_text = json.dumps(events)
    assert token not in published_text
    assert astray["link"].rsplit("/", 1)[1] not in published_text
    revoked = by_type["resolution.survey_revoked.v1"]
    assert revoked["reason"].startswith("pii:v1:")  # free text: sealed with the complaint's key
    assert {**revoked, "reason": None} == {
        "complaint_id": complaint_id, "survey_id": astray["survey_id"], "revoked_by": AGENT,
        "reason": None}
    assert by_type["resolution.action_refused.v1"]["rule"] == "four_eyes"
    closed = by_type["complaint.closed.v1"]
    assert [why[:7] for why in closed["why_chain"]] == ["pii:v1:"] * 2  # sealed answers
    assert {**closed, "why_chain": None} == {
        "complaint_id": complaint_id, "closed_by": "system",
        "root_cause_category": "payment_retry",
        "why_chain": None,
        "exception_reason": None, "resolution_kind": "refund", "automatic": True,
        "root_cause_taxonomy_version": "2026.11.1", "root_cause_detail": None,
    }
    assert by_type["complaint.reopened.v1"]["previous_owner_agent_id"] == AGENT
    feedback = by_type["resolution.feedback_received.v1"]
    assert {**feedback, "comment": None} == {
        "complaint_id": complaint_id, "csat": 4, "nps": 8, "comment": None}
    assert feedback["comment"].startswith("pii:v1:")  # sealed with the complaint's key
    assert "Took a while" not in published_text
