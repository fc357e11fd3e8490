"""SLA warnings, breaches and escalations kept on the case as facts, and shown to whoever works
it in their language (`Accept-Language`)."""

from __future__ import annotations

from datetime import UTC, datetime

from eventsourcing.persistence import StoredEvent
from fastapi.testclient import TestClient

from contracts.topics import SLA_EVENTS
from runtime.inbox import Inbox, Outcome
from services.resolution.application import ResolutionApplication
from services.resolution.handlers import SUBSCRIPTIONS
from tests.unit.resolution.conftest import as_, sample
from tests.unit.resolution.walk import AGENT

DUE = datetime(2023, 7, 21, 17, 27, 53, tzinfo=UTC)  # the golden SLA samples' deadline
REASON = "Resolution deadline breached; first step of the escalation chain"


def alerted(app: ResolutionApplication, *event_types: str) -> None:
    inbox = Inbox(app=app, consumer="resolution", handlers=SUBSCRIPTIONS[SLA_EVENTS])
    for event_type in event_types:
        assert inbox.process(*sample(event_type)) is Outcome.HANDLED


def alerts(client: TestClient, cid: str, **headers: str) -> list[dict]:
    return client.get(f"/v1/cases/{cid}", headers={**as_(AGENT), **headers}).json()["sla_alerts"]


def test_sla_alerts_keep_their_facts_and_read_in_the_callers_language(
    app: ResolutionApplication, client: TestClient, opened: str
) -> None:
    alerted(app, "sla.warning_raised.v1", "sla.breached.v1", "sla.escalated.v1")

    chinese = alerts(client, opened, **{"Accept-Language": "zh-CN,en;q=0.5"})
    english = alerts(client, opened)

    assert [a["detail"] for a in chinese] == [
        "已用时限的 80%；截止 2023-07-21T17:27:53+00:00",
        "截止时间 2023-07-21T17:27:53+00:00 已过",
        f"已升级至 team_lead：{REASON}",
    ]
    assert [a["detail"] for a in english] == [
        "80% of the time used; due 2023-07-21T17:27:53+00:00",
        "deadline 2023-07-21T17:27:53+00:00 passed",
        f"escalated to team_lead: {REASON}",
    ]
    assert [(a["kind"], a["facts"]) for a in english] == [
        ("warning", {"share_elapsed": 0.8, "deadline_at": "2023-07-21T17:27:53Z"}),
        ("breach", {"deadline_at": "2023-07-21T17:27:53Z"}),
        ("escalation", {"level": "team_lead", "reason": REASON}),
    ]
    case = app.get_case(opened)
    assert case.sla_alerts[0]["facts"] == {"share_elapsed": 0.8, "deadline_at": DUE}
    assert case.sla_alerts[2]["detail"] == f"escalated to team_lead: {REASON}"  # as stored


def test_an_alert_stored_before_its_facts_were_kept_replays_with_its_english_detail(
    app: ResolutionApplication, client: TestClient, opened: str
) -> None:
    alerted(app, "sla.breached.v1")
    current = [n for n in app.recorder.select_notifications(None, 1000)
               if n.topic.endswith("Case.SlaAlertRecorded")][-1]
    state = app.mapper.transcoder.decode(current.state)
    for added in ("share_elapsed", "deadline_at", "level", "reason", "class_version"):
        del state[added]  # as version 1 stored it
    state["detail"] = "deadline 2023-07-20T09:00:00+00:00 passed"
    app.recorder.insert_events([StoredEvent(
        originator_id=current.originator_id, topic=current.topic,
        originator_version=current.originator_version + 1,
        state=app.mapper.transcoder.encode(state))])

    shown = alerts(client, opened, **{"Accept-Language": "zh"})

    assert [(a["detail"], a["facts"]) for a in shown] == [
        ("截止时间 2023-07-21T17:27:53+00:00 已过", {"deadline_at": "2023-07-21T17:27:53Z"}),
        ("deadline 2023-07-20T09:00:00+00:00 passed", None),
    ]
