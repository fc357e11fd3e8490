"""On the real broker, issue #22 point 1: a complaint that queued because every agent of its
queue was at capacity, then given by a supervisor to a named agent of another queue, is
assigned (not transferred) by dispatch, and resolution opens its case."""

from __future__ import annotations

import asyncio
import textwrap
import uuid
from pathlib import Path

import httpx
import pytest

from contracts.topics import DISPATCH_EVENTS
from services.dispatch.bootstrap import bootstrap as dispatch_bootstrap
from services.dispatch.config import DispatchSettings
from services.resolution.bootstrap import bootstrap as resolution_bootstrap
from services.resolution.config import ResolutionSettings
from tests.auth_tokens import Tokens, bearer
from tests.integration.test_dispatch_routing import Tail, classified, intake, of_run, publish

pytestmark = pytest.mark.integration

# Other tests publish on intake.events.v1 too: only this run's region reaches `general`.
ROSTER = """\
    executive: exec
    departments:
      service: {supervisor: sup-s, team_lead: lead-s, head: head-s}
    queues:
      sink: {department: service, strategy: round_robin}
      general: {department: service, strategy: round_robin}
      callbacks: {department: service, strategy: round_robin}
    agents:
      - {id: gen-1, queues: [general], capacity: 1}
      - {id: cb-1, queues: [callbacks], capacity: 1}
"""

RULES = """\
    version: "it-1"
    default: {queue: sink}
    rules:
      - {id: general, priority: 10, when: {region: [REGION]}, queue: general}
"""


def dispatch_settings(tmp_path: Path, kafka_bootstrap: str, run: str,
                      tokens: Tokens) -> DispatchSettings:
    tmp_path.mkdir()
    (tmp_path / "roster.yaml").write_text(textwrap.dedent(ROSTER))
    (tmp_path / "routing.yaml").write_text(textwrap.dedent(RULES).replace("REGION", run))
    return DispatchSettings(
        kafka_bootstrap=kafka_bootstrap, data_dir=tmp_path, service=f"dispatch-it-{run}",
        roster_path=tmp_path / "roster.yaml", routing_rules_path=tmp_path / "routing.yaml",
        tenant="it",  # the tenant of the envelopes these tests publish
        consumer_retry_backoff_s=0.05, **tokens.settings,
    )


async def case_status(api: httpx.AsyncClient, complaint_id: str, headers: dict,
                      timeout_s: float = 60) -> int:
    """GET the case until it answers other than 404; TimeoutError while it stays missing."""
    async with asyncio.timeout(timeout_s):
        while True:
            answer = await api.get(f"/v1/cases/{complaint_id}", headers=headers)
            if answer.status_code != 404:
                return answer.status_code
            await asyncio.sleep(0.2)


async def test_queued_complaint_assigned_by_hand_gets_a_case(
    kafka_bootstrap: str, tmp_path: Path, tokens: Tokens
) -> None:
    run = uuid.uuid4().hex[:8]
    dispatch_http, dispatch = dispatch_bootstrap(
        dispatch_settings(tmp_path / "dispatch", kafka_bootstrap, run, tokens)
    )
    resolution_http, resolution = resolution_bootstrap(ResolutionSettings(
        kafka_bootstrap=kafka_bootstrap, data_dir=tmp_path / "resolution",
        service=f"resolution-it-{run}", survey_base_url="https://complaints.example/v1/surveys",
        **tokens.settings,
    ))
    holder, waiting = f"holder-{run}", f"waiting-{run}"
    supervisor = bearer(tokens.token("supervisor", tenant="it", sub="sup-s",
                                     departments=["service"]))

    async with (dispatch.running(), resolution.running(),
                Tail(kafka_bootstrap, DISPATCH_EVENTS, of_run(run)) as tail,
                httpx.AsyncClient(transport=httpx.ASGITransport(app=dispatch_http),
                                  base_url="http://dispatch") as dispatch_api,
                httpx.AsyncClient(transport=httpx.ASGITransport(app=resolution_http),
                                  base_url="http://resolution") as resolution_api):
        # gen-1, general's only agent, takes the first complaint; the second has to wait.
        await publish(kafka_bootstrap, [intake(holder, classified(holder, "billing_charges"))])
        await tail.until(lambda seen: len(seen) == 1)
        await publish(kafka_bootstrap, [intake(waiting, classified(waiting, "billing_charges"))])
        await tail.until(lambda seen: len(seen) == 2)

        named = await dispatch_api.post(
            f"/v1/assignments/{waiting}/transfer", headers=supervisor,
            json={"to_queue": "callbacks", "to_agent_id": "cb-1", "reason": "cb-1 is free"},
        )
        seen = await tail.until(lambda seen: len(seen) == 3)
        case = await case_status(resolution_api, waiting, supervisor)
        assignment = (await dispatch_api.get(f"/v1/assignments/{waiting}",
                                             headers=supervisor)).json()

    assert [(e["type"], e["subject"], e["data"]["queue"], e["data"].get("agent_id"))
            for e in seen] == [
        ("complaint.assigned.v1", holder, "general", "gen-1"),
        ("complaint.queued.v1", waiting, "general", None),
        ("complaint.assigned.v1", waiting, "callbacks", "cb-1"),
    ]
    why = "Assigned by name by sup-s to cb-1 (0 of 1 slots in use): cb-1 is free"
    assert (seen[2]["data"]["trigger"], seen[2]["data"]["strategy"], seen[2]["data"]["reason"],
            seen[2]["data"]["rule_id"]) == ("manual", "manual", why, "general")
    assert (named.status_code, named.json()["outcome"], named.json()["transfer_count"]) == (
        200, "assigned", 0
    )
    assert case == 200
    assert [assignment[k] for k in ("assignment_status", "agent_id", "transfer_count")] == [
        "assigned", "cb-1", 0
    ]
