"""notify's delivery records and work's tags in a complaint's history, read from their stores;
without those stores audit still answers, and says which records it lacks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from audit.bootstrap import bootstrap
from audit.config import AuditSettings
from audit.history import AuditTrail
from audit.stores import close_stores, open_stores
from services.notify.bootstrap import bootstrap as notify_bootstrap
from services.notify.config import NotifySettings
from services.notify.domain import Notification
from services.work.bootstrap import bootstrap as work_bootstrap
from services.work.config import WorkSettings
from tests.integration.audit.world import (
    TENANT,
    Flow,
    export_of,
    flow_one_complaint,
    run_verifier,
)
from tests.integration.event_stores import fresh_postgres_database

SENT_AT = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def flow(request, tmp_path):
    """intake, dispatch, sla and resolution only: no notify or work store exists."""
    if request.param == "sqlite":
        yield flow_one_complaint(Flow(tmp_path, ""))
        return
    with fresh_postgres_database(request.getfixturevalue("postgres_url")) as database_url:
        yield flow_one_complaint(Flow(tmp_path, database_url))


def message(complaint_id: str, channel: str) -> Notification:
    return Notification(
        tenant=TENANT, complaint_id=complaint_id, customer_id=None, cause_event_id="ev-1",
        cause_event_type="sla.breached.v1", rule_id="sla-breach-lead", rules_version="7",
        recipient="lead-billing", role="department_lead", channel=channel,
        template="sla_breach", language="en", facts={"reference": "R-1"}, not_before=SENT_AT,
        after=[],
    )


def notify_and_tag(flow: Flow) -> None:
    """A message sent by email, one dead-lettered on SMS, and a tag, stored as each service
    stores them."""
    own = {"data_dir": flow.data_dir, "database_url": flow.database_url, "tenant": TENANT}
    notify = notify_bootstrap(NotifySettings(**own))[1].app
    sent, failed = message(flow.complaint_id, "email"), message(flow.complaint_id, "sms")
    sent.record_sent(SENT_AT, reference="<m1@local>")
    failed.record_failure(SENT_AT, "gateway said 503", retry_at=None)
    notify.save(sent, failed)
    notify.close()
    work = work_bootstrap(WorkSettings(**own))[1].app
    work.tag(complaint_id=flow.complaint_id, tenant=TENANT, tag="vip", actor="agent-7")
    work.close()


def test_without_notify_and_work_the_history_says_what_it_lacks(flow, auditor_tokens):
    settings = AuditSettings(data_dir=flow.data_dir, database_url=flow.database_url,
                             tenant=TENANT, **auditor_tokens.settings)
    auditor = auditor_tokens.headers("auditor", tenant=TENANT, sub="ann")
    with TestClient(bootstrap(settings), headers=auditor) as client:
        answer = client.get(f"/v1/audit/complaints/{flow.complaint_id}/history").json()

    assert answer["missing_services"] == ["notify", "work"]
    assert len(answer["events"]) == 6


def test_deliveries_and_tags_join_the_history_without_bodies(flow, auditor_tokens):
    notify_and_tag(flow)
    settings = AuditSettings(data_dir=flow.data_dir, database_url=flow.database_url,
                             tenant=TENANT, **auditor_tokens.settings)
    stores = open_stores(settings)
    try:
        trail = AuditTrail(stores)
        history = trail.history(flow.complaint_id)
        state = trail.state_as_of(flow.complaint_id, datetime.now(UTC))
    finally:
        close_stores(stores)

    assert trail.missing == []
    deliveries = [e for e in history if e.source == "/services/notify"]
    assert sorted((e.type, e.data["channel"], e.data["recipient"]) for e in deliveries) == [
        ("notification.failed.v1", "sms", "lead-billing"),
        ("notification.sent.v1", "email", "lead-billing"),
    ]
    sent = next(e for e in deliveries if e.type == "notification.sent.v1")
    assert (sent.data["sent_at"], sent.data["cause_event_type"], sent.data["attempts"]) == (
        "2026-01-05T09:30:00Z", "sla.breached.v1", 1)
    assert not {"facts", "text", "body", "reference"} & set(sent.data)
    assert [(e.type, e.data["tag"]) for e in history if e.source == "/services/work"] == [
        ("complaint.tagged.v1", "vip")]
    assert (state["notifications_sent"], state["notifications_failed"], state["tags"]) == (
        1, 1, ["vip"])


def test_a_bundle_with_deliveries_and_tags_verifies(flow, tmp_path):
    notify_and_tag(flow)
    bundle = export_of(flow, tmp_path / "bundle")

    assert sorted(p.name for p in bundle.iterdir() if p.is_dir()) == [
        "dispatch", "intake", "notify", "resolution", "sla", "work"]
    assert run_verifier(bundle).stdout == "OK\n"
