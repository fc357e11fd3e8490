"""A Chinese and an English complaint walked as a team lead would (issue #22): filed into a queue
whose agents are all at capacity, given to a named agent by a supervisor, worked, approved in two
steps, executed, surveyed, closed and reopened, with every service as its own process on the real
broker. At every stage intake, dispatch, SLA, resolution, audit and analytics say one status; the
SLA report's figures equal a count of the clock events; texts come in the complaint's language.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from audit.bootstrap import bootstrap as audit_bootstrap
from audit.config import AuditSettings
from contracts.topics import SLA_EVENTS
from tests.auth_tokens import bearer
from tests.processes import SERVICES, running
from tests.topic_reader import read_until

pytestmark = pytest.mark.e2e

TENANT = "walkbank"  # declared a Chinese bank in the SLA tenants file below
SHIPPED_TENANTS = Path(__file__).resolve().parents[2] / "services/sla/tenants.yaml"
DEPARTMENT = "customer_service"
BILLING_AGENTS = ("cs-ana", "cs-li")  # the billing queue's agents, both made full
WALKS = {
    "en": {"channel": "email", "agent": "cs-omar", "queue": "general", "region": "CA",
           "calendar": "us-federal", "subject": "Card charged twice",
           "text": "My credit card was charged twice for the same order and the bank will not "
                   "refund the second charge."},
    "zh": {"channel": "wechat", "agent": "cs-mei", "queue": "vip-care", "region": "上海",
           "calendar": "cn-mainland", "subject": "信用卡重复扣款",
           "text": "我的信用卡同一笔订单被重复扣款两次，银行一直不给退第二笔钱，请尽快处理。"},
}
EVERY_READER = ("intake", "dispatch", "sla", "resolution", "audit", "analytics")


@pytest.fixture(scope="module")
def platform(kafka_bootstrap, tmp_path_factory, e2e_tokens):
    workdir = tmp_path_factory.mktemp("walk")
    tenants = workdir / "tenants.yaml"
    tenants.write_text(SHIPPED_TENANTS.read_text().replace(
        "  default: {jurisdiction: CN, industry: retail}",
        f"  {TENANT}: {{jurisdiction: CN, industry: banking}}"))
    env = {"KAFKA_BOOTSTRAP": kafka_bootstrap, "TENANT": TENANT,
           "SLA_TENANTS_FILE": str(tenants), **e2e_tokens.env}
    with running(SERVICES, env=env, workdir=workdir) as services:
        urls = {name: service.url for name, service in services.items()}
        settings = AuditSettings(data_dir=workdir / "data", database_url="", tenant=TENANT,
                                 **e2e_tokens.settings)
        with TestClient(audit_bootstrap(settings)) as audit:
            yield urls, audit


class Walker:
    """The people of the walk, each with their own token, and what every service says."""

    def __init__(self, platform, tokens) -> None:
        self.urls, self.audit = platform
        person = {"tenant": TENANT, "departments": [DEPARTMENT]}
        self.supervisor = tokens.headers("supervisor", sub="sup-cs", **person)
        self.lead = tokens.headers("team_lead", sub="lead-cs", **person)
        self.finance = tokens.headers("finance", sub="fin-1", **person)
        self.lead_and_finance = tokens.headers("team_lead", "finance", sub="lead-cs", **person)
        # Reads every department's complaints, and those no department holds (a duplicate).
        self.auditor = tokens.headers("auditor", tenant=TENANT, sub="aud-1")
        self.analyst = tokens.headers("analyst", tenant=TENANT, sub="ana-1")
        self.adapter = bearer(tokens.client(tenant=TENANT, client_id="walk"))
        self.tokens = tokens

    def agent(self, agent_id: str) -> dict[str, str]:
        return self.tokens.headers("agent", tenant=TENANT, sub=agent_id,
                                   departments=[DEPARTMENT])

    def call(self, method: str, service: str, path: str, headers: dict, status: int = 200,
             **kwargs: Any) -> httpx.Response:
        response = httpx.request(method, f"{self.urls[service]}{path}", headers=headers,
                                 timeout=30, **kwargs)
        assert response.status_code == status, (service, path, response.text)
        return response

    def statuses(self, complaint_id: str, channel: str) -> dict[str, str | None]:
        """The complaint's status as each service answers it (None: it does not know it)."""
        said: dict[str, str | None] = {}
        for service, path in (("intake", f"/v1/complaints/{complaint_id}"),
                              ("dispatch", f"/v1/assignments/{complaint_id}"),
                              ("sla", f"/v1/clocks/{complaint_id}"),
                              ("resolution", f"/v1/cases/{complaint_id}")):
            answer = httpx.get(f"{self.urls[service]}{path}", headers=self.auditor,
                               timeout=30)
            said[service] = answer.json()["status"] if answer.status_code == 200 else None
        state = self.audit.get(f"/v1/audit/complaints/{complaint_id}/state",
                               headers=self.auditor)
        said["audit"] = state.json()["status"] if state.status_code == 200 else None
        volume = httpx.get(f"{self.urls['analytics']}/v1/analytics/volume", timeout=30,
                           params={"by": "status", "channel": channel}, headers=self.analyst)
        rows = volume.json()["rows"]
        said["analytics"] = rows[0]["status"] if len(rows) == 1 else repr(rows)
        return said


def eventually(read: Callable[[], Any], expected: Any, timeout_s: float = 120) -> Any:
    """What `read` answers once it answers `expected`, or its last answer when time is up."""
    deadline = time.monotonic() + timeout_s
    answer = read()
    while answer != expected and time.monotonic() < deadline:
        time.sleep(0.5)
        answer = read()
    return answer


def everyone_says(status: str, *, but: dict[str, str | None] | None = None) -> dict:
    return {service: status for service in EVERY_READER} | (but or {})


def test_two_complaints_walked_from_a_full_queue_to_a_reopen_say_one_status_everywhere(
    platform, e2e_tokens, kafka_bootstrap
):
    walker = Walker(platform, e2e_tokens)
    for agent_id in BILLING_AGENTS:  # the billing queue is full
        walker.call("PATCH", "dispatch", f"/v1/roster/agents/{agent_id}", walker.supervisor,
                    json={"capacity": 0})

    filed = {}
    for language, walk in WALKS.items():
        answer = walker.call("POST", "intake", "/v1/complaints", walker.adapter, 202, json={
            "channel": walk["channel"], "subject": walk["subject"], "text": walk["text"],
            "customer": {"id": f"walk-{language}", "region": walk["region"]}}).json()
        filed[language] = cid = answer["complaint_id"]
        assert answer["status_url"].startswith("http")
        assert (answer["category"], answer["severity"]) == ("billing_charges", "P3")
        # Nobody of the billing queue is free: it waits there; resolution has no case yet.
        assert eventually(lambda cid=cid, w=walk: walker.statuses(cid, w["channel"]),
                          everyone_says("queued", but={"resolution": None})) == everyone_says(
            "queued", but={"resolution": None})
        clocks = walker.call("GET", "sla", f"/v1/clocks/{cid}", walker.supervisor).json()
        keys = {c["key"]: c for c in clocks["clocks"]}
        assert "cn_banking.decision" in keys, keys  # the tenant is a declared Chinese bank
        # Service clocks run on the customer's calendar, the regulator's on its own country's.
        assert {c["calendar_id"] for c in keys.values() if c["regime"] is None} == {
            walk["calendar"]}
        assert keys["cn_banking.decision"]["calendar_id"] == "cn-mainland"

    # The English customer writes again, the same words on the web form: a duplicate, whose
    # clocks are cancelled (neither met nor breached) and which nobody is given.
    again = walker.call("POST", "intake", "/v1/complaints", walker.adapter, 202, json={
        "channel": "web", "subject": WALKS["en"]["subject"], "text": WALKS["en"]["text"],
        "customer": {"id": "walk-en", "region": "CA"}}).json()
    assert again["duplicate_of"] == filed["en"]
    duplicate = everyone_says("duplicate", but={"dispatch": None, "resolution": None})
    assert eventually(lambda: walker.statuses(again["complaint_id"], "web"),
                      duplicate) == duplicate

    for language, walk in WALKS.items():
        cid = filed[language]
        # The supervisor gives it to a named agent of another queue: its first owner.
        moved = walker.call("POST", "dispatch", f"/v1/assignments/{cid}/transfer",
                            walker.supervisor, json={
                                "to_queue": walk["queue"], "to_agent_id": walk["agent"],
                                "reason": "billing is full"}).json()
        assert (moved["outcome"], moved["transfer_count"]) == ("assigned", 0)
        assert eventually(lambda cid=cid, w=walk: walker.statuses(cid, w["channel"]),
                          everyone_says("assigned")) == everyone_says("assigned")
        case = walker.call("GET", "resolution", f"/v1/cases/{cid}", walker.supervisor).json()
        assert (case["owner_agent_id"], case["language"]) == (walk["agent"], language)

    for language, walk in WALKS.items():
        work_to_resolution(walker, filed[language], walk, language)

    for language, walk in WALKS.items():
        cid = filed[language]
        walker.call("POST", "resolution", f"/v1/cases/{cid}/reopening", walker.supervisor,
                    204, json={"reason": "charged a third time"})
        assert eventually(lambda cid=cid, w=walk: walker.statuses(cid, w["channel"]),
                          everyone_says("reopened")) == everyone_says("reopened")

    compare_sla_report_with_the_clock_events(walker, kafka_bootstrap)


def work_to_resolution(walker: Walker, cid: str, walk: dict, language: str) -> None:
    """Accept, note the 5 Whys, propose a refund, two approvals, execute, survey, close."""
    agent = walker.agent(walk["agent"])
    c = f"/v1/cases/{cid}"
    walker.call("POST", "resolution", f"{c}/accept", agent, 204)
    assert eventually(lambda: walker.statuses(cid, walk["channel"]),
                      everyone_says("investigating")) == everyone_says("investigating")

    walker.call("POST", "resolution", f"{c}/notes", agent, 201, json={
        "template": "five_whys", "fields": {
            "problem": "charged twice", "why_1": "two captures", "why_2": "a retry",
            "why_3": "no idempotency key",
            "root_cause": "retries without an idempotency key"}})
    note = walker.call("GET", "resolution", c, walker.supervisor).json()["notes"][-1]["text"]
    assert ("为什么 1" in note) == (language == "zh")
    assert ("Why 1" in note) == (language == "en")

    proposal = walker.call("POST", "resolution", f"{c}/proposals", agent, 201, json={
        "solution_id": "refund", "amount": "1500.00"}).json()["id"]
    p = f"{c}/proposals/{proposal}"
    walker.call("POST", "resolution", f"{p}/approvals", walker.lead, 204,
                json={"comment": "checked the two captures"})
    # Four eyes: the lead may not take the second step too, and says why in Chinese if asked.
    refused = walker.call("POST", "resolution", f"{p}/approvals", walker.lead_and_finance | {
        "Accept-Language": "zh-CN"}, 403)
    assert "四眼原则" in refused.json()["detail"]
    walker.call("POST", "resolution", f"{p}/approvals", walker.finance, 204)
    walker.call("POST", "resolution", f"{p}/execution", agent, 204, json={"evidence_ids": []})
    assert eventually(lambda: walker.statuses(cid, walk["channel"]),
                      everyone_says("resolved")) == everyone_says("resolved")

    walker.call("POST", "resolution", f"{c}/root-cause", agent, 204, json={
        "category": "payment_retry", "why_chain": ["two captures", "a retry"]})
    walker.call("POST", "resolution", f"{c}/notifications", agent, 204, json={
        "channel": walk["channel"], "kind": "resolution", "message": "refunded"})
    link = walker.call("POST", "resolution", f"{c}/survey", agent, 201,
                       json={"channel": walk["channel"]}).json()["link"]
    token = link.rsplit("/", 1)[1]
    survey = walker.call("GET", "resolution", f"/v1/surveys/{token}", {}).json()
    questions = " ".join(survey["questions"].values())
    assert survey["language"] == language
    assert any("\u4e00" <= ch <= "\u9fff" for ch in questions) == (language == "zh")
    walker.call("POST", "resolution", f"/v1/surveys/{token}", {}, 204,
                json={"csat": 4, "nps": 9, "comment": "fixed"})
    assert eventually(lambda: walker.statuses(cid, walk["channel"]),
                      everyone_says("closed")) == everyone_says("closed")


def compare_sla_report_with_the_clock_events(walker: Walker, kafka_bootstrap: str) -> None:
    """The analytics SLA report by severity equals a count made here from sla.events.v1."""

    def counted() -> dict[str, dict[str, Any]]:
        published = read_until(kafka_bootstrap, [SLA_EVENTS], lambda seen: False, timeout_s=5)
        severity, outcome, breached = {}, {}, set()
        for message in published:
            event = message.value
            if event["tenant"] != TENANT:
                continue
            data = event["data"]
            kind = event["type"]
            if kind == "sla.clock_started.v1":
                severity.setdefault(data["clock_id"], data["severity"])
            elif kind == "sla.breached.v1":
                breached.add(data["clock_id"])
            elif kind == "sla.clock_stopped.v1":
                outcome[data["clock_id"]] = data["outcome"]
                severity[data["clock_id"]] = data.get("severity") or severity[data["clock_id"]]
        tally: dict[str, Counter] = {}
        for clock, sev in severity.items():
            kind = ("breached" if clock in breached or outcome.get(clock) == "breached"
                    else outcome.get(clock, "running"))
            tally.setdefault(sev, Counter())[kind] += 1
        return {sev: {
            "clocks": sum(t.values()), "met": t["met"], "breached": t["breached"],
            "cancelled": t["cancelled"],
            "compliance": (round(t["met"] / (t["met"] + t["breached"]), 6)
                           if t["met"] + t["breached"] else None),
        } for sev, t in tally.items()}

    def reported() -> dict[str, dict[str, Any]]:
        rows = walker.call("GET", "analytics", "/v1/analytics/sla", walker.analyst,
                           params={"by": "severity"}).json()["rows"]
        return {row["severity"]: {k: row[k] for k in (
            "clocks", "met", "breached", "cancelled", "compliance")} for row in rows}

    deadline = time.monotonic() + 120
    expected, report = counted(), reported()
    while report != expected and time.monotonic() < deadline:
        expected, report = counted(), reported()
    assert report == expected
    assert sum(t["met"] for t in expected.values()) >= 2  # each walk met some clock
    assert sum(t["cancelled"] for t in expected.values()) >= 1  # the duplicate's
