"""On the real broker: resolution learns a complaint's language from intake's classification
and renders the agent's 5 Whys note with Chinese labels for a Chinese complaint; the SLA
service's alerts reach the case and read in the agent's language."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path

import httpx
import pytest

from contracts.envelope import correlation_for, event_id
from contracts.topics import DISPATCH_EVENTS, INTAKE_EVENTS, SLA_EVENTS
from services.resolution.bootstrap import bootstrap
from services.resolution.config import ResolutionSettings
from tests.auth_tokens import Tokens, bearer
from tests.integration.test_resolution_lifecycle import AGENT, assignment, publish, wait_for_case

pytestmark = pytest.mark.integration

SAMPLES = Path(__file__).resolve().parents[2] / "contracts/samples"


def classification(complaint_id: str, language: str) -> dict:
    raw = json.loads((SAMPLES / "complaint.classified.v1.json").read_text())
    raw.update(id=str(event_id("/services/intake", complaint_id, 2)), subject=complaint_id,
               correlationid=str(correlation_for(complaint_id)))
    raw["data"].update(complaint_id=complaint_id, language=language)
    return raw


def sla_alert(complaint_id: str, event_type: str, sequence: int) -> dict:
    raw = json.loads((SAMPLES / f"{event_type}.json").read_text())
    raw.update(id=str(event_id("/services/sla", complaint_id, sequence)), subject=complaint_id,
               correlationid=str(correlation_for(complaint_id)), sequence=sequence)
    raw["data"].update(complaint_id=complaint_id)
    return raw


async def wait_for_alerts(app, complaint_id: str, count: int, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while len(app.get_case(complaint_id).sla_alerts) < count:
        assert time.monotonic() < deadline, "the SLA alerts did not reach the case"
        await asyncio.sleep(0.2)


async def wait_for_language(app, complaint_id: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while app.language_of(complaint_id) is None:
        assert time.monotonic() < deadline, "the complaint's language was not learnt"
        await asyncio.sleep(0.2)


async def test_a_chinese_complaints_note_is_rendered_with_chinese_labels(
    kafka_bootstrap: str, tmp_path: Path, tokens: Tokens
) -> None:
    run = uuid.uuid4().hex[:8]
    settings = ResolutionSettings(
        kafka_bootstrap=kafka_bootstrap, data_dir=tmp_path, service=f"resolution-zh-{run}",
        **tokens.settings,
    )
    http, runtime = bootstrap(settings)
    complaint_id = str(uuid.uuid4())
    assigned = assignment(complaint_id)
    token = tokens.token("supervisor", tenant=assigned["tenant"], sub=AGENT,
                         departments=[assigned["data"]["department"]])

    async with runtime.running():
        await publish(kafka_bootstrap, INTAKE_EVENTS.name, complaint_id,
                      classification(complaint_id, "zh"))
        await publish(kafka_bootstrap, DISPATCH_EVENTS.name, complaint_id, assigned)
        await wait_for_case(runtime.app, complaint_id)
        await wait_for_language(runtime.app, complaint_id)
        transport = httpx.ASGITransport(app=http)
        async with httpx.AsyncClient(transport=transport, base_url="http://resolution") as api:
            note = await api.post(f"/v1/cases/{complaint_id}/notes", headers=bearer(token),
                                  json={"template": "five_whys", "fields": {
                                      "problem": "重复扣款", "why_1": "网关发送了两次扣款",
                                      "why_2": "超时后自动重试", "why_3": "重试没有幂等键",
                                      "root_cause": "扣款重试不幂等"}})
            case = (await api.get(f"/v1/cases/{complaint_id}", headers=bearer(token))).json()

    assert note.status_code == 201, note.text
    assert case["language"] == "zh"
    assert case["notes"][0]["text"] == (
        "问题：重复扣款\n为什么 1：网关发送了两次扣款\n为什么 2：超时后自动重试\n"
        "为什么 3：重试没有幂等键\n根本原因：扣款重试不幂等"
    )


async def test_sla_alerts_reach_the_case_and_read_in_the_agents_language(
    kafka_bootstrap: str, tmp_path: Path, tokens: Tokens
) -> None:
    run = uuid.uuid4().hex[:8]
    settings = ResolutionSettings(
        kafka_bootstrap=kafka_bootstrap, data_dir=tmp_path, service=f"resolution-sla-{run}",
        **tokens.settings,
    )
    http, runtime = bootstrap(settings)
    complaint_id = str(uuid.uuid4())
    assigned = assignment(complaint_id)
    token = tokens.token("supervisor", tenant=assigned["tenant"], sub=AGENT,
                         departments=[assigned["data"]["department"]])

    async with runtime.running():
        await publish(kafka_bootstrap, DISPATCH_EVENTS.name, complaint_id, assigned)
        await wait_for_case(runtime.app, complaint_id)
        for sequence, event_type in enumerate(("sla.warning_raised.v1", "sla.escalated.v1"), 2):
            await publish(kafka_bootstrap, SLA_EVENTS.name, complaint_id,
                          sla_alert(complaint_id, event_type, sequence))
        await wait_for_alerts(runtime.app, complaint_id, 2)
        transport = httpx.ASGITransport(app=http)
        async with httpx.AsyncClient(transport=transport, base_url="http://resolution") as api:
            chinese, english = [
                (await api.get(f"/v1/cases/{complaint_id}",
                               headers={**bearer(token), **language})).json()["sla_alerts"]
                for language in ({"Accept-Language": "zh-CN"}, {})]

    reason = "Resolution deadline breached; first step of the escalation chain"
    assert [a["detail"] for a in chinese] == [
        "已用时限的 80%；截止 2023-07-21T17:27:53+00:00", f"已升级至 team_lead：{reason}"]
    assert [a["detail"] for a in english] == [
        "80% of the time used; due 2023-07-21T17:27:53+00:00",
        f"escalated to team_lead: {reason}"]
    assert [a["facts"] for a in english] == [
        {"share_elapsed": 0.8, "deadline_at": "2023-07-21T17:27:53Z"},
        {"level": "team_lead", "reason": reason}]
