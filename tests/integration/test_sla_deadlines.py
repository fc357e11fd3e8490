"""SLA on the real broker with a controlled clock: every tier warns and breaches at exactly the
policy's instants, a pause shifts them by the pause, and a policy edit moves only re-based
clocks. The clock is moved by the test; nothing sleeps waiting for a deadline."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml
from aiokafka import AIOKafkaProducer

from contracts.envelope import DomainEvent, correlation_for, wrap
from contracts.intake import Channel, ComplaintClassified, ComplaintReceived
from contracts.resolution import CustomerReplied, CustomerWaitStarted
from contracts.topics import INTAKE_EVENTS, RESOLUTION_EVENTS, SLA_EVENTS
from services.sla.bootstrap import bootstrap
from services.sla.catalog import DEFAULT_POLICY_FILE
from services.sla.config import SlaSettings
from services.sla.domain import ComplaintSla
from tests.auth_tokens import Tokens
from tests.topic_reader import read_until

pytestmark = pytest.mark.integration

T0 = datetime(2024, 3, 4, 2, 0, tzinfo=UTC)  # Monday 10:00 in Beijing, before any real event
ALARMS = ("sla.warning_raised.v1", "sla.breached.v1", "sla.escalated.v1")


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 3, day, hour, minute, tzinfo=UTC)


def envelope(event: DomainEvent, at: datetime) -> tuple[bytes, bytes]:
    cid = event.complaint_id
    wrapped = wrap(event, source="/services/test", subject=cid, sequence=1, tenant="default",
                   correlation_id=correlation_for(cid), aggregate_id=f"{cid}/{uuid.uuid4()}",
                   time=at)
    return cid.encode(), wrapped.model_dump_json().encode()


def received(cid: str) -> tuple[bytes, bytes]:
    return envelope(ComplaintReceived(complaint_id=cid, channel=Channel.WEB, customer_id="c",
                                      subject="s", text="t", received_at=T0), T0)


def classified(cid: str, severity: str) -> tuple[bytes, bytes]:
    return envelope(ComplaintClassified(complaint_id=cid, category="general", severity=severity,
                                        confidence=0.9), T0 + timedelta(seconds=1))


async def publish(bootstrap_servers: str, topic, messages) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, acks="all")
    await producer.start()
    try:
        for key, value in messages:
            await producer.send_and_wait(topic.name, value=value, key=key)
    finally:
        await producer.stop()


async def until_true(check, timeout_s: float = 180) -> None:
    """Wait for consumption (not for a deadline): poll the store until `check` holds.

    Each test's service is a new consumer group: it reads the shared broker's whole history of
    intake's, resolution's and dispatch's topics (whatever earlier tests published) first.
    """
    async with asyncio.timeout(timeout_s):
        while not check():
            await asyncio.sleep(0.05)


class Service:
    """The SLA service in-process on the real broker, its manual clock moved by the test."""

    def __init__(self, kafka: str, tmp_path: Path, policy_file: Path | None = None) -> None:
        run = uuid.uuid4().hex[:8]
        tokens = Tokens(tmp_path / "auth")
        settings = SlaSettings(
            kafka_bootstrap=kafka, data_dir=tmp_path, service=f"sla-it-{run}",
            sla_test_clock=True, sla_test_clock_start=T0, sla_follow_interval_s=0.2,
            **({"sla_policy_file": policy_file} if policy_file else {}), **tokens.settings,
        )
        self.http, self.runtime = bootstrap(settings)
        self.sla = self.http.state.sla
        # The operator moving the test clock, reloading policies and re-basing clocks.
        operator = tokens.headers("administrator", tenant="default", sub="supervisor-3")
        self.api = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.http),
                                     base_url="http://sla", headers=operator)

    async def __aenter__(self) -> Service:
        self._running = self.runtime.running()
        await self._running.__aenter__()
        self._timer = asyncio.create_task(self.sla.timer.run())
        return self

    async def __aexit__(self, *exc) -> None:
        self._timer.cancel()
        await asyncio.gather(self._timer, return_exceptions=True)
        await self._running.__aexit__(*exc)

    async def at(self, instant: datetime) -> None:
        """Move the clock; return once every alarm due by then is stored."""
        response = await self.api.post("/v1/test-clock", json={"now": instant.isoformat()})
        assert response.status_code == 200, response.text

    def fired(self, cid: str) -> dict[tuple[str, str], datetime]:
        clocks = self.sla.app.get_sla(cid).clocks
        return {(key, alarm): at for key, c in clocks.items() for alarm, at in c.fired.items()}


def expected(p1: str, p2: str, p3: str, p2w: str) -> dict[tuple[str, str, str], datetime]:
    """Worked out by hand from the default policy: P1 around the clock from Monday 02:00 UTC;
    P2/P3 in Beijing office hours (09:00-18:00, UTC+8) from Monday 10:00."""
    fr, res = "first_response", "resolution"
    lvl = ("escalation:team_lead", "escalation:department_head", "escalation:executive")
    return {
        (p1, fr, "warning"): utc(4, 2, 24), (p1, fr, "breach"): utc(4, 2, 30),
        (p1, fr, lvl[0]): utc(4, 2, 30), (p1, fr, lvl[1]): utc(4, 2, 45),
        (p1, fr, lvl[2]): utc(4, 3, 0),
        (p1, res, "warning"): utc(4, 3, 36), (p1, res, "breach"): utc(4, 4, 0),
        (p1, res, lvl[0]): utc(4, 4, 0), (p1, res, lvl[1]): utc(4, 5, 0),
        (p1, res, lvl[2]): utc(4, 6, 0),
        # P2: 2 office hours -> 12:00 CST; 24 office hours -> Wednesday 16:00 CST.
        (p2, fr, "warning"): utc(4, 3, 36), (p2, fr, "breach"): utc(4, 4, 0),
        (p2, fr, lvl[0]): utc(4, 4, 0), (p2, fr, lvl[1]): utc(4, 5, 0),
        (p2, fr, lvl[2]): utc(4, 6, 0),
        (p2, res, "warning"): utc(6, 3, 12), (p2, res, "breach"): utc(6, 8, 0),
        (p2, res, lvl[0]): utc(6, 8, 0),
        # P3: 24 office hours -> Wednesday 16:00 CST; progress (72 h) is due next week.
        (p3, fr, "warning"): utc(6, 3, 12), (p3, fr, "breach"): utc(6, 8, 0),
        (p3, fr, lvl[0]): utc(6, 8, 0),
        # P2 that waited on the customer 10:30-13:30 CST: everything 3 office hours later.
        (p2w, fr, "warning"): utc(4, 6, 36), (p2w, fr, "breach"): utc(4, 7, 0),
        (p2w, fr, lvl[0]): utc(4, 7, 0), (p2w, fr, lvl[1]): utc(4, 8, 0),
        (p2w, fr, lvl[2]): utc(4, 9, 0),
        (p2w, res, "warning"): utc(6, 6, 12),
    }


async def test_each_tier_warns_and_breaches_at_the_policy_instants_and_a_pause_shifts_them(
    kafka_bootstrap, tmp_path,
):
    run = uuid.uuid4().hex[:8]
    p1, p2, p3, p2w = (f"{tier}-{run}" for tier in ("p1", "p2", "p3", "p2w"))
    want = expected(p1, p2, p3, p2w)
    async with Service(kafka_bootstrap, tmp_path) as sla:
        await publish(kafka_bootstrap, INTAKE_EVENTS, [
            m for cid, sev in ((p1, "P1"), (p2, "P2"), (p3, "P3"), (p2w, "P2"))
            for m in (received(cid), classified(cid, sev))
        ])
        await until_true(lambda: all(
            ComplaintSla.create_id(c) in sla.sla.app.repository
            and sla.sla.app.get_sla(c).severity == s
            for c, s in ((p1, "P1"), (p2, "P2"), (p3, "P3"), (p2w, "P2"))))
        waits = {utc(4, 2, 30): CustomerWaitStarted(complaint_id=p2w, actor="agent-1",
                                                    reason="statement", started_at=utc(4, 2, 30)),
                 utc(4, 5, 30): CustomerReplied(complaint_id=p2w, recorded_by="agent-1",
                                                replied_at=utc(4, 5, 30))}

        for instant in sorted({*want.values(), *waits}):
            await sla.at(instant - timedelta(microseconds=1))
            early = {k: v for k, v in want.items() if v == instant
                     and (k[1], k[2]) in sla.fired(k[0])}
            assert early == {}, f"fired before {instant}"
            await sla.at(instant)
            if instant in waits:
                event = waits[instant]
                await publish(kafka_bootstrap, RESOLUTION_EVENTS, [envelope(event, instant)])
                await until_true(lambda e=event: (sla.sla.app.get_sla(p2w).waiting_since is None)
                                 == isinstance(e, CustomerReplied))
            for (cid, key, alarm), at in want.items():
                if at <= instant:
                    assert sla.fired(cid).get((key, alarm)) == at, (cid, key, alarm)

        ours = {p1, p2, p3, p2w}
        count = len(want)
        published = await asyncio.to_thread(
            read_until, kafka_bootstrap, [SLA_EVENTS],
            lambda seen: sum(m.value["type"] in ALARMS and m.value["subject"] in ours
                             for m in seen) >= count)

    keys = {str(ComplaintSla.clock_id(c, k)): (c, k) for c, k, _ in want}
    got = Counter()
    instants = {}
    for m in published:
        value = m.value
        if value["type"] not in ALARMS or value["subject"] not in ours:
            continue
        cid, key = keys[value["data"]["clock_id"]]
        alarm = {"sla.warning_raised.v1": "warning", "sla.breached.v1": "breach"}.get(
            value["type"], f"escalation:{value['data'].get('level')}")
        got[cid, key, alarm] += 1
        instants[cid, key, alarm] = (value["data"].get("warned_at")
                                     or value["data"].get("breached_at")
                                     or value["data"].get("escalated_at"))
    assert got == Counter(dict.fromkeys(want, 1))
    assert instants == {k: v.isoformat().replace("+00:00", "Z") for k, v in want.items()}


def policy_version(tmp_path: Path, version: str, first_response: str) -> Path:
    policy = yaml.safe_load(DEFAULT_POLICY_FILE.read_text())
    policy["version"] = version
    policy["tiers"]["P1"]["targets"]["first_response"] = {"within": first_response}
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(policy, allow_unicode=True))
    return path


async def test_a_policy_edit_leaves_running_clocks_until_a_recorded_rebase_moves_them(
    kafka_bootstrap, tmp_path,
):
    run = uuid.uuid4().hex[:8]
    old, new = f"old-{run}", f"new-{run}"
    shutil.copy(DEFAULT_POLICY_FILE, tmp_path / "policy.yaml")
    async with Service(kafka_bootstrap, tmp_path, policy_file=tmp_path / "policy.yaml") as sla:
        app = sla.sla.app
        await publish(kafka_bootstrap, INTAKE_EVENTS, [received(old), classified(old, "P1")])
        await until_true(lambda: ComplaintSla.create_id(old) in app.repository
                         and app.get_sla(old).severity == "P1")

        policy_version(tmp_path, "2", "15m")
        reloaded = await sla.api.post("/v1/policies/reload")
        await publish(kafka_bootstrap, INTAKE_EVENTS, [received(new), classified(new, "P1")])
        await until_true(lambda: ComplaintSla.create_id(new) in app.repository
                         and app.get_sla(new).severity == "P1")
        assert reloaded.json()["version"] == "2"

        def first_response(cid: str) -> tuple[str, datetime]:
            c = app.get_sla(cid).clocks["first_response"]
            return c.policy_version, c.deadline_at

        assert first_response(old) == ("1.1", T0 + timedelta(minutes=30))
        assert first_response(new) == ("2", T0 + timedelta(minutes=15))

        await sla.at(T0 + timedelta(minutes=5))
        rebased = await sla.api.post(f"/v1/clocks/{old}/rebase", json={
            "reason": "new P1 first-response target"})
        assert rebased.status_code == 200, rebased.text
        assert first_response(old) == ("2", T0 + timedelta(minutes=15))
        await sla.at(T0 + timedelta(minutes=15))
        assert sla.fired(old)["first_response", "breach"] == T0 + timedelta(minutes=15)

        published = await asyncio.to_thread(
            read_until, kafka_bootstrap, [SLA_EVENTS],
            lambda seen: {m.value["subject"] for m in seen
                          if m.value["type"] == "sla.breached.v1"} >= {old, new})

    [rebase] = [m.value for m in published if m.value["type"] == "sla.clock_rebased.v1"
                and m.value["subject"] == old and m.value["data"]["trigger"] == "policy"
                and m.value["data"]["target"] == "first_response"]
    assert {k: rebase["data"][k] for k in ("actor", "policy_version", "previous_deadline_at",
                                           "deadline_at", "rebased_at")} == {
        "actor": "supervisor-3", "policy_version": "2",
        "previous_deadline_at": "2024-03-04T02:30:00Z", "deadline_at": "2024-03-04T02:15:00Z",
        "rebased_at": "2024-03-04T02:05:00Z",
    }
    new_breaches = [m.value["data"]["breached_at"] for m in published
                    if m.value["type"] == "sla.breached.v1" and m.value["subject"] == new]
    assert new_breaches == ["2024-03-04T02:15:00Z"]
