"""The survey link notify sends is the one resolution answers: its token is derived from the
survey id under the SURVEY_SECRET both services share (runtime.survey_links)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from contracts.intake import Channel
from contracts.notify import NotifyChannel
from contracts.resolution import CustomerNotified
from services.notify.delivery import Policy
from services.resolution.application import ResolutionApplication
from tests.unit.notify.conftest import COMPLAINT, NOON, TENANT, Harness
from tests.unit.notify.test_application import CUSTOMER, filed
from tests.unit.notify.test_delivery import Clock, Outbox, deliverer, run_once
from tests.unit.resolution.conftest import (  # noqa: F401  (resolution's fixtures)
    app,
    as_,
    client,
    clock,
    inbox,
    opened,
    pii_log,
    projections,
)
from tests.unit.resolution.walk import AGENT, ok, resolve

BASE = "https://complaints.example/v1/surveys"  # resolution's survey route in its fixture


def test_the_sent_survey_link_opens_the_survey_resolution_issued(
    harness: Harness, app: ResolutionApplication, client: TestClient, opened: str,  # noqa: F811
) -> None:
    resolve(client, opened)
    issued = ok(client.post(f"/v1/cases/{opened}/survey", headers=as_(AGENT),
                            json={"channel": "email"}), 201).json()
    harness.app.register_contact(tenant=TENANT, customer_id=CUSTOMER,
                                 addresses={NotifyChannel.EMAIL: "li.lei@example.cn"},
                                 language="en")
    filed(harness)
    harness.deliver(CustomerNotified(complaint_id=COMPLAINT, channel=Channel.EMAIL,
                                     message_kind="resolution"))
    harness.deliver(CustomerNotified(complaint_id=COMPLAINT, channel=Channel.EMAIL,
                                     message_kind="survey", survey_id=issued["survey_id"]))
    email, clock_ = Outbox(), Clock(NOON)
    d = deliverer(harness, clock_, email=email)
    d.policy = Policy(survey_key=app.survey_key, survey_base_url=BASE)  # resolution's key

    run_once(d)
    clock_.now += timedelta(seconds=1)
    run_once(d)

    [survey] = [m for _, m in email.sent if m.template == "survey"]
    link = survey.text.split()[-1]
    assert link == issued["link"]
    token = link.removeprefix(f"{BASE}/")
    answer = ok(client.get(f"/v1/surveys/{token}"), 200)
    assert (answer.json()["status"], answer.json()["expires_at"]) == ("open", issued["expires_at"])
