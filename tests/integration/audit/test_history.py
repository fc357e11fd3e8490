"""An auditor's replay: a complaint's history across the services' stores, and its state as of
any instant, read from the stores opened read-only."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from audit.config import AuditSettings
from audit.history import UnknownComplaint
from audit.stores import StoreMissing, close_stores, open_stores
from contracts.envelope import Envelope
from tests.integration.audit.world import (
    TYPES,
    iso,
    runtimes,
)
from tests.integration.platform_world import published

pytestmark = pytest.mark.integration


def test_history_is_every_services_events_in_order(trail, flow):
    history = trail.history(flow.complaint_id)
    assert [e.type for e in history] == TYPES
    assert [e.source for e in history] == [
        "/services/intake", "/services/intake", "/services/dispatch", "/services/sla",
        "/services/sla", "/services/resolution",
    ]
    assert {e.subject for e in history} == {flow.complaint_id}
    assert [e.time for e in history] == sorted(e.time for e in history)
    # Each effect names the event that caused it.
    received, classified, assigned, *started, opened = history
    assert (assigned.causationid, opened.causationid) == (classified.id, assigned.id)
    assert {e.causationid for e in started} <= {received.id, classified.id}


def test_history_is_exactly_what_the_services_published(trail, flow):
    services = runtimes(flow)
    try:
        published_by = [e for name in ("intake", "dispatch", "sla", "resolution")
                        for e in published(services[name]) if e.subject == flow.complaint_id]
    finally:
        for service in services.values():
            service.app.close()
    assert trail.history(flow.complaint_id) == published_by


def test_history_envelopes_are_the_published_ones(trail, flow):
    received = trail.history(flow.complaint_id)[0]
    assert received.data["customer_id"] == "cust-958-20417"
    # Personal data stays as stored: sealed, never opened by the audit trail.
    assert received.data["customer_name"].startswith("pii:v1:")


def test_unknown_complaint(trail):
    with pytest.raises(UnknownComplaint):
        trail.history("00000000-0000-4000-8000-000000000000")


def last(envelope: Envelope) -> dict:
    return {"id": str(envelope.id), "type": envelope.type, "source": envelope.source,
            "time": iso(envelope.time), "sequence": envelope.sequence}


def test_state_as_of_before_and_after_each_step(trail, flow):
    received, classified, assigned, *started, opened = trail.history(flow.complaint_id)
    at = {
        "before": flow.before, "intake": flow.after_intake, "dispatch": flow.after_dispatch,
        "sla": flow.after_sla, "resolution": flow.after_resolution,
    }
    states = {step: trail.state_as_of(flow.complaint_id, instant) for step, instant in at.items()}
    empty = {
        "complaint_id": flow.complaint_id, "as_of": iso(flow.before), "status": None,
        "channel": None, "customer_id": None, "personal_data_erased_at": None,
        "customer_tier": None, "region": None,
        "historical": None, "received_at": None, "category": None, "severity": None,
        "duplicate_of": None, "recorded_outcome": None, "owner": None, "transfers": 0,
        "collaborators": [], "collaborations_done": [], "sla": {},
        "escalation_level": None, "case_id": None, "investigator": None,
        "first_response_at": None, "waiting_on_customer_since": None, "notes": 0,
        "progress_updates": 0, "evidence": 0, "recused": [], "refused_actions": 0,
        "proposal": None, "tasks": {}, "follow_ups": {}, "customer_notifications": 0,
        "notifications_sent": 0, "notifications_failed": 0, "tags": [], "csat": None, "nps": None,
        "closed_by": None, "root_cause_category": None, "reopen_count": 0, "event_count": 0,
        "last_event": None,
    }
    assert states["before"] == empty
    after_intake = {
        **empty, "as_of": iso(flow.after_intake), "status": "received", "channel": "web",
        "customer_id": "cust-958-20417", "customer_tier": "standard", "region": "CA",
        "historical": False, "received_at": received.data["received_at"],
        "category": classified.data["category"], "severity": classified.data["severity"],
        "event_count": 2, "last_event": last(classified),
    }
    assert states["intake"] == after_intake
    after_dispatch = {
        **after_intake, "as_of": iso(flow.after_dispatch), "status": "assigned",
        "owner": {key: assigned.data[key] for key in ("queue", "department", "agent_id")},
        "event_count": 3, "last_event": last(assigned),
    }
    assert states["dispatch"] == after_dispatch
    clocks = {
        clock.data["target"]: {
            **{key: clock.data[key] for key in (
                "clock_id", "severity", "policy_id", "policy_version", "started_at", "warn_at",
                "deadline_at",
            )},
            "status": "running", "rebased": 0, "warned": False, "breached_at": None,
            "stopped_at": None, "met": None, "outcome": None,
        }
        for clock in started
    }
    assert len(clocks) == len(started)  # one clock per target; which ones is the SLA's policy
    after_sla = {
        **after_dispatch, "as_of": iso(flow.after_sla), "sla": clocks,
        "event_count": 3 + len(started), "last_event": last(started[-1]),
    }
    assert states["sla"] == after_sla
    assert states["resolution"] == {
        **after_sla, "as_of": iso(flow.after_resolution), "status": "assigned",
        "case_id": opened.data["case_id"], "event_count": 4 + len(started),
        "last_event": last(opened),
    }


def test_state_at_the_exact_instant_of_an_event_includes_it(trail, flow):
    assigned = trail.history(flow.complaint_id)[2]
    just_before = assigned.time - timedelta(microseconds=1)
    assert trail.state_as_of(flow.complaint_id, just_before)["status"] == "received"
    assert trail.state_as_of(flow.complaint_id, assigned.time)["status"] == "assigned"


def test_state_needs_a_time_zone(trail, flow):
    with pytest.raises(ValueError, match="time zone"):
        trail.state_as_of(flow.complaint_id, datetime(2026, 1, 1))


def test_stores_are_opened_read_only(settings, flow):
    stores = open_stores(settings)
    try:
        intake = stores[0]
        with (pytest.raises(Exception, match=r"read-?only"),
              intake.app.recorder.datastore.transaction(commit=True) as c):
            c.execute("CREATE TABLE intruder (x INTEGER)")
    finally:
        close_stores(stores)


def test_a_missing_store_is_named(tmp_path):
    with pytest.raises(StoreMissing, match=str(tmp_path / "intake.sqlite")):
        open_stores(AuditSettings(data_dir=tmp_path, database_url=""))
    assert list(tmp_path.iterdir()) == []
