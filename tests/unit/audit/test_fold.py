"""A complaint's state folded from its published events: exact, step by step."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit.fold import APPLY, fold
from contracts import dispatch, intake, notify, resolution, sla, work
from contracts.envelope import Envelope

SAMPLES = Path(__file__).resolve().parents[3] / "contracts" / "samples"
COMPLAINT = "201e730e-1186-5080-a083-198a2bc06e90"

# The golden samples tell one complaint's story; queued is left out (it is the alternative to
# assigned) and so is the duplicate mark (it is about another complaint).
STORY = [
    "complaint.received.v1", "complaint.classified.v1", "complaint.assigned.v1",
    "resolution.case_opened.v1", "sla.clock_started.v1", "complaint.transferred.v1",
    "resolution.investigation_started.v1", "resolution.first_response_sent.v1",
    "resolution.progress_updated.v1", "resolution.investigation_note_added.v1",
    "complaint.collaborator_added.v1", "sla.clock_rebased.v1",
    "resolution.customer_wait_started.v1",
    "sla.clock_paused.v1", "resolution.customer_replied.v1", "resolution.evidence_attached.v1",
    "sla.clock_resumed.v1", "resolution.conflict_declared.v1", "sla.warning_raised.v1",
    "resolution.resolution_proposed.v1", "resolution.approval_requested.v1", "sla.breached.v1",
    "sla.escalated.v1", "resolution.action_refused.v1", "resolution.proposal_approved.v1",
    "resolution.proposal_rejected.v1", "resolution.task_assigned.v1",
    "resolution.task_completed.v1", "resolution.resolution_executed.v1",
    "resolution.customer_notified.v1", "complaint.closed.v1", "sla.clock_stopped.v1",
    "resolution.feedback_received.v1", "complaint.reopened.v1",
]


def sample(event_type: str) -> Envelope:
    return Envelope.model_validate_json((SAMPLES / f"{event_type}.json").read_text())


def story(until: str | None = None) -> list[Envelope]:
    names = STORY if until is None else STORY[: STORY.index(until) + 1]
    return [sample(name) for name in names]


def last(name: str, sequence: int) -> dict:
    envelope = sample(name)
    return {
        "id": str(envelope.id), "type": name, "source": envelope.source,
        "time": envelope.time.isoformat().replace("+00:00", "Z"), "sequence": sequence,
    }


EMPTY = {
    "complaint_id": COMPLAINT, "as_of": None, "status": None, "channel": None,
    "customer_id": None, "personal_data_erased_at": None, "customer_tier": None, "region": None,
    "historical": None, "received_at": None,
    "category": None, "severity": None, "duplicate_of": None, "recorded_outcome": None,
    "owner": None, "transfers": 0,
    "collaborators": [], "collaborations_done": [], "sla": {}, "escalation_level": None,
    "case_id": None,
    "investigator": None, "first_response_at": None, "waiting_on_customer_since": None,
    "notes": 0, "progress_updates": 0, "evidence": 0, "recused": [], "refused_actions": 0,
    "proposal": None, "tasks": {}, "follow_ups": {},
    "customer_notifications": 0, "notifications_sent": 0, "notifications_failed": 0, "tags": [],
    "csat": None, "nps": None, "closed_by": None,
    "root_cause_category": None, "reopen_count": 0, "event_count": 0, "last_event": None,
}
RECEIVED = {
    **EMPTY, "status": "received", "channel": "web", "customer_id": "cust-958-20417",
    "customer_tier": "standard", "region": "CA", "historical": False,
    "received_at": "2023-06-27T16:02:43Z", "event_count": 1,
    "last_event": last("complaint.received.v1", 1),
}
CLOCK = {
    "clock_id": "clk-201e730e-resolution", "severity": "P2", "policy_id": "cfpb-credit-reporting",
    "policy_version": "3", "status": "running", "started_at": "2023-06-27T16:02:43Z",
    "warn_at": "2023-07-18T16:51:02Z", "deadline_at": "2023-07-12T16:02:43Z", "rebased": 0,
    "warned": False,
    "breached_at": None, "stopped_at": None, "met": None, "outcome": None,
}


def test_no_events_is_the_empty_state():
    assert fold(COMPLAINT, []).model_dump(mode="json") == EMPTY


def test_received_complaint():
    assert fold(COMPLAINT, story("complaint.received.v1")).model_dump(mode="json") == RECEIVED


def test_assigned_case_opened_and_clock_running():
    state = fold(COMPLAINT, story("sla.clock_started.v1")).model_dump(mode="json")
    started = sample("sla.clock_started.v1").data
    assert state == {
        **RECEIVED, "status": "assigned", "category": "credit_reporting.incorrect_information",
        "severity": "P2",
        "owner": {"queue": "credit-report-disputes", "department": "consumer-disputes",
                  "agent_id": "agent-0142"},
        "case_id": "case-2023-061944",
        "sla": {"resolution": {**CLOCK, "started_at": started["started_at"],
                               "warn_at": started["warn_at"],
                               "deadline_at": started["deadline_at"]}},
        "event_count": 5, "last_event": last("sla.clock_started.v1", 1),
    }


def test_rebased_clock_takes_the_new_policy_and_deadline():
    clock = fold(COMPLAINT, story("sla.clock_rebased.v1")).model_dump(mode="json")["sla"]
    assert {k: clock["resolution"][k] for k in ("policy_version", "deadline_at", "warn_at",
                                                "rebased")} == {
        "policy_version": "4", "deadline_at": "2023-07-12T16:02:43Z",
        "warn_at": "2023-07-10T16:02:43Z", "rebased": 1,
    }


def test_paused_clock_then_resumed_with_the_new_deadline():
    paused = fold(COMPLAINT, story("sla.clock_paused.v1")).sla["resolution"]
    assert paused.status == "paused"
    resumed = fold(COMPLAINT, story("sla.clock_resumed.v1")).sla["resolution"]
    assert (resumed.status, resumed.deadline_at.isoformat()) == (
        "running", "2023-07-21T17:27:53+00:00"
    )


def test_whole_story_ends_reopened():
    state = fold(COMPLAINT, story()).model_dump(mode="json")
    started = sample("sla.clock_started.v1").data
    assert state == {
        **RECEIVED, "status": "reopened", "category": "credit_reporting.incorrect_information",
        "severity": "P2",
        "owner": {"queue": "identity-theft", "department": "fraud-operations",
                  "agent_id": "agent-0387"},
        "transfers": 1, "collaborators": ["data-furnisher-relations"],
        "sla": {"resolution": {
            **CLOCK, "started_at": started["started_at"], "policy_version": "4",
            "warn_at": "2023-07-10T16:02:43Z", "rebased": 1,
            "status": "stopped", "deadline_at": "2023-07-21T17:27:53Z", "warned": True,
            "breached_at": "2023-07-21T17:27:54Z", "stopped_at": "2023-07-24T10:12:30Z",
            "met": False, "outcome": "breached",
        }},
        "escalation_level": "team_lead", "case_id": "case-2023-061944",
        "investigator": "agent-0387", "first_response_at": "2023-06-28T10:52:40Z",
        "notes": 1, "progress_updates": 1, "evidence": 1, "recused": ["sup-0044"],
        "refused_actions": 1,
        "proposal": {"proposal_id": "prop-0001", "kind": "compensation", "amount": "25.00",
                     "currency": "USD", "approvals": 1, "fully_approved": True,
                     "executed": True, "rejected": True},
        "tasks": {"task-0001": {
            "proposal_id": "prop-0001", "title": "Send the deletion request to the three bureaus",
            "assignee": "agent-0512", "due_at": "2023-07-24T18:00:00Z",
            "completed_by": "agent-0512", "deadline_missed": False,
        }},
        "customer_notifications": 1, "csat": 4, "nps": 8, "closed_by": "agent-0387",
        "root_cause_category": "data_furnisher_error", "reopen_count": 1,
        "event_count": len(STORY), "last_event": last("complaint.reopened.v1", 13),
    }


@pytest.mark.parametrize(
    ("until", "status"),
    [
        ("resolution.investigation_started.v1", "investigating"),
        # A proposal's progress is the proposal's, not the complaint's (contracts.lifecycle).
        ("resolution.resolution_proposed.v1", "investigating"),
        ("resolution.approval_requested.v1", "investigating"),
        ("resolution.proposal_approved.v1", "investigating"),
        ("resolution.proposal_rejected.v1", "investigating"),
        ("resolution.resolution_executed.v1", "resolved"),
        ("complaint.closed.v1", "closed"),
    ],
)
def test_status_along_the_story(until, status):
    assert fold(COMPLAINT, story(until)).status == status


def test_waiting_on_the_customer_until_they_reply():
    waiting = fold(COMPLAINT, story("resolution.customer_wait_started.v1"))
    assert waiting.model_dump(mode="json")["waiting_on_customer_since"] == "2023-06-29T09:15:00Z"
    replied = fold(COMPLAINT, story("resolution.customer_replied.v1"))
    assert replied.waiting_on_customer_since is None


def test_assigned_task_is_open_until_completed():
    task = fold(COMPLAINT, story("resolution.task_assigned.v1")).tasks["task-0001"]
    assert (task.assignee, task.completed_by) == ("agent-0512", None)


def test_queued_complaint_waits_in_its_queue_without_agent():
    state = fold(COMPLAINT, [sample("complaint.received.v1"), sample("complaint.queued.v1")])
    assert state.status == "queued"
    assert state.owner.model_dump() == {
        "queue": "credit-report-disputes", "department": "consumer-disputes", "agent_id": None
    }


def test_duplicate_points_at_the_original():
    state = fold("9e8fba4d-317e-5b33-8935-590fb12e0689", [sample("complaint.duplicate_marked.v1")])
    assert (state.status, state.duplicate_of) == ("duplicate", COMPLAINT)


def test_event_without_a_fold_still_counts_as_the_last_event():
    spike = sample("analytics.spike_detected.v1")
    state = fold(COMPLAINT, [sample("complaint.received.v1"), spike])
    assert state.model_dump(mode="json") == {
        **RECEIVED, "event_count": 2, "last_event": last("analytics.spike_detected.v1", 1),
    }


def test_imported_history_keeps_the_outcome_another_system_recorded():
    recorded = sample("complaint.history_recorded.v1")
    state = fold(recorded.subject, [recorded])
    assert state.model_dump(mode="json")["recorded_outcome"] == {
        "company_response": "Closed with explanation", "sent_to_company_at": "2013-01-17T00:00:00Z",
        "timely": True, "consumer_disputed": True,
    }


def test_erasing_the_customer_is_part_of_the_complaints_state():
    erased = sample("customer.erased.v1")
    state = fold(COMPLAINT, [sample("complaint.received.v1"), erased])
    assert state.model_dump(mode="json") == {
        **RECEIVED, "personal_data_erased_at": "2024-02-12T09:30:00Z", "event_count": 2,
        "last_event": last("customer.erased.v1", 2),
    }


def test_every_event_type_about_complaints_and_their_customers_has_a_fold():
    assert set(APPLY) == {*intake.EVENTS, *dispatch.EVENTS, *sla.EVENTS, *resolution.EVENTS,
                          *notify.EVENTS, *work.EVENTS}


def test_an_open_follow_up_is_work_pending_until_it_has_an_outcome():
    opened = sample("resolution.follow_up_opened.v1")
    missed = sample("resolution.task_deadline_missed.v1")
    late = missed.model_copy(update={"data": {
        **missed.data, "task_id": "follow-up-0001", "proposal_id": None}})
    follow_up = {"survey_id": "survey-0001", "assignee": "agent-0387",
                 "owner_queue": "disputes-tier1", "due_at": "2023-08-03T10:00:00Z",
                 "deadline_missed": False, "outcome": None, "completed_by": None}

    assert fold(COMPLAINT, [opened]).model_dump(mode="json")["follow_ups"] == {
        "follow-up-0001": follow_up}
    assert fold(COMPLAINT, [opened, late, sample("resolution.follow_up_completed.v1")]
                ).model_dump(mode="json")["follow_ups"] == {"follow-up-0001": {
        **follow_up, "deadline_missed": True, "outcome": "done", "completed_by": "agent-0387"}}


def test_a_completed_collaboration_names_its_department_beside_the_collaborators():
    added = sample("complaint.collaborator_added.v1")
    state = fold(COMPLAINT, [added, sample("resolution.collaboration_completed.v1")])
    assert (state.collaborators, state.collaborations_done) == (
        ("data-furnisher-relations",), ("data-furnisher-relations",))
    assert fold(COMPLAINT, [added]).collaborations_done == ()


def test_a_missed_task_deadline_marks_the_task_and_stays_in_the_history():
    events = [*story("resolution.task_assigned.v1"), sample("resolution.task_deadline_missed.v1")]
    state = fold(COMPLAINT, events)
    assert {task_id: task.deadline_missed for task_id, task in state.tasks.items()} == {
        "task-0001": True}
    assert state.last_event.type == "resolution.task_deadline_missed.v1"
    assert state.status == fold(COMPLAINT, events[:-1]).status


def test_deliveries_and_tags_are_counted_beside_the_lifecycle():
    sent, failed = sample("notification.sent.v1"), sample("notification.failed.v1")
    tagged, untagged = sample("complaint.tagged.v1"), sample("complaint.untagged.v1")
    other = tagged.model_copy(update={"data": {**tagged.data, "tag": "vip"}})
    state = fold(COMPLAINT, [sample("complaint.received.v1"), tagged, other, sent, sent, failed])

    assert (state.notifications_sent, state.notifications_failed, state.tags) == (
        2, 1, ("callback-promised", "vip"))
    assert state.status == "received"
    assert fold(COMPLAINT, [tagged, other, untagged]).tags == ("vip",)


def test_a_cancelled_clock_is_neither_met_nor_breached_for_the_auditor():
    stopped = sample("sla.clock_stopped.v1")
    cancelled = stopped.model_copy(update={"data": {
        **stopped.data, "met": False, "outcome": "cancelled"}})
    clock = fold(COMPLAINT, [sample("sla.clock_started.v1"), cancelled]).sla["resolution"]
    assert (clock.status, clock.met, clock.outcome) == ("stopped", False, "cancelled")
