"""Transfers with a reason (capped: past the cap the supervisor takes it) and collaborators."""

from __future__ import annotations

import pytest

from services.dispatch.handovers import (
    AgentUnavailable,
    NoSuchAssignment,
    NotOpen,
    UnknownTarget,
)
from services.dispatch.ruleset import Facts

from .conftest import classified, make_app, owners, published_envelopes, sample


def transfer(app, complaint="c0", to_queue="fraud", to_agent_id=None, reason="why"):
    return app.transfer(
        complaint_id=complaint, to_queue=to_queue, to_agent_id=to_agent_id, reason=reason,
        actor="ana",
    )


def test_a_transfer_moves_the_complaint_frees_the_slot_and_publishes_the_hand_over(app, inbox):
    inbox.process(*classified("c0", "billing_charges"))

    handover = transfer(app, reason="Card was stolen: fraud operations owns it")

    assert (handover.queue, handover.department, handover.agent_id, handover.transfer_count,
            handover.escalated) == ("fraud", "fraud", "fay", 1, False)
    assert app.seat("ana").load == 0
    assert app.seat("fay").load == 1
    moved = published_envelopes(app)[-1]
    assert (moved.type, moved.causationid) == ("complaint.transferred.v1", None)
    assert moved.data == {
        "complaint_id": "c0", "from_queue": "billing", "to_queue": "fraud",
        "from_department": "service", "to_department": "fraud", "from_agent_id": "ana",
        "to_agent_id": "fay", "reason": "Card was stolen: fraud operations owns it",
        "transfer_count": 1, "actor": "ana",
    }


def test_a_transfer_to_a_full_queue_waits_there_and_the_freed_slot_serves_the_old_queue(
    app, inbox
):
    app.update_agent(agent_id="bo", on_shift=False)
    for complaint in ["c0", "c1", "c2"]:
        inbox.process(*classified(complaint, "billing_charges"))
    inbox.process(*classified("f0", "fraud_card"))

    transfer(app, "c0", "fraud")

    assert owners(app)[-3:] == [
        ("transferred", "c0", "fraud"), ("queued", "c0", "fraud"), ("assigned", "c2", "ana"),
    ]
    assert app.get_assignment("c0").status == "queued"


def test_a_transfer_to_a_named_agent_needs_that_agent_free_and_in_the_queue(app, inbox):
    inbox.process(*classified("c0", "other"))  # round robin: ana
    inbox.process(*classified("f0", "fraud_card"))

    with pytest.raises(AgentUnavailable, match="fay is at capacity \\(1 of 1\\)"):
        transfer(app, "c0", "fraud", to_agent_id="fay")
    with pytest.raises(AgentUnavailable, match="cy does not serve queue billing"):
        transfer(app, "c0", "billing", to_agent_id="cy")
    handover = transfer(app, "c0", "billing", to_agent_id="bo")

    assert (handover.agent_id, app.get_assignment("c0").strategy) == ("bo", "manual")
    assert [app.seat(a).load for a in ("ana", "bo")] == [0, 1]


def test_past_the_transfer_cap_the_supervisor_takes_it_instead_and_the_event_says_why(
    app, inbox
):
    inbox.process(*classified("c0", "billing_charges"))
    transfer(app, "c0", "fraud")
    transfer(app, "c0", "billing")
    transfer(app, "c0", "fraud")

    handover = transfer(app, "c0", "general", reason="not ours either")

    assert (handover.escalated, handover.agent_id, handover.queue, handover.transfer_count) == (
        True, "sup-fraud", "fraud", 3
    )
    assert app.seat("fay").load == 0
    escalated = published_envelopes(app)[-1]
    assert (escalated.type, escalated.data["agent_id"], escalated.data["trigger"],
            escalated.data["strategy"], escalated.data["rule_id"]) == (
        "complaint.assigned.v1", "sup-fraud", "transfer_cap", "manual", "billing"
    )
    assert escalated.data["reason"] == (
        "Transfer cap of 3 reached: ana asked to move it to general (not ours either); "
        "escalated to the fraud supervisor sup-fraud instead"
    )
    assert [o[0] for o in owners(app)].count("transferred") == 3
    published = len(published_envelopes(app))
    assert transfer(app, "c0", "billing").agent_id == "sup-fraud"
    assert len(published_envelopes(app)) == published  # the supervisor already owns it


def test_the_transfer_cap_is_configurable(tmp_path, files, clock):
    app = make_app(tmp_path / "d.sqlite", files, clock, transfer_cap=1)
    app.route(complaint_id="c0", tenant="default", facts=Facts(category="other"),
              arrived_at=clock())
    transfer(app, "c0", "fraud")

    assert transfer(app, "c0", "billing").escalated is True
    app.close()


def test_a_transfer_of_an_unknown_closed_or_misnamed_target_is_refused(app, inbox):
    inbox.process(*classified("c0", "other"))

    with pytest.raises(NoSuchAssignment):
        transfer(app, "nope")
    with pytest.raises(UnknownTarget, match="queue 'nowhere' is not on the roster"):
        transfer(app, "c0", "nowhere")
    with pytest.raises(UnknownTarget, match="agent 'zed' is not on the roster"):
        transfer(app, "c0", "fraud", to_agent_id="zed")
    inbox.process(*sample("complaint.closed.v1", complaint_id="c0"))
    with pytest.raises(NotOpen, match="complaint c0 is closed"):
        transfer(app, "c0", "fraud")


def test_a_collaborating_department_gets_its_own_task_once(app, inbox):
    inbox.process(*classified("c0", "billing_charges"))

    added = app.add_collaborator(
        complaint_id="c0", department="fraud", task="Check the card for skimming", actor="ana"
    )
    again = app.add_collaborator(
        complaint_id="c0", department="fraud", task="Check the card for skimming", actor="bo"
    )

    assert (added, again) == (True, False)
    assert app.get_assignment("c0").collaborators == [
        {"department": "fraud", "task": "Check the card for skimming", "actor": "ana"}
    ]
    [event] = [e for e in published_envelopes(app) if e.type.endswith("collaborator_added.v1")]
    assert event.data == {
        "complaint_id": "c0", "department": "fraud", "task": "Check the card for skimming",
        "actor": "ana",
    }
    with pytest.raises(UnknownTarget, match="department 'legal' is not on the roster"):
        app.add_collaborator(complaint_id="c0", department="legal", task="x", actor="ana")


def fill_fraud_and_queue_f1(app, inbox):
    """fay, fraud's only agent, holds f0; f1 waits in the fraud queue with nobody to take it."""
    inbox.process(*classified("f0", "fraud_card"))
    inbox.process(*classified("f1", "fraud_card"))
    assert app.get_assignment("f1").status == "queued"


def test_a_waiting_complaint_given_to_a_named_agent_is_its_first_assignment_not_a_transfer(
    app, inbox
):
    fill_fraud_and_queue_f1(app, inbox)

    handover = app.transfer(complaint_id="f1", to_queue="general", to_agent_id="cy",
                            reason="cy reads card disputes", actor="sup-service")

    why = "Assigned by name by sup-service to cy (0 of 2 slots in use): cy reads card disputes"
    assert (handover.outcome, handover.queue, handover.department, handover.agent_id,
            handover.transfer_count, handover.reason) == (
        "assigned", "general", "service", "cy", 0, why
    )
    assigned = published_envelopes(app)[-1]
    assert (assigned.type, assigned.causationid) == ("complaint.assigned.v1", None)
    assert assigned.data == {
        "complaint_id": "f1", "queue": "general", "agent_id": "cy", "department": "service",
        "rule_id": "fraud", "rule_set_version": "2025.1", "strategy": "manual",
        "reason": why, "trigger": "manual", "rule_set_hash": app.rules.current().content_hash,
    }
    assert [o[0] for o in owners(app)].count("transferred") == 0
    f1 = app.get_assignment("f1")
    assert (f1.status, f1.transfer_count, f1.skills) == ("assigned", 0, [])
    assert [app.seat(agent).load for agent in ("fay", "cy")] == [1, 1]
    assert app.desks()["fraud"].waiting == {"fraud": []}


def test_a_first_assignment_by_name_leaves_the_whole_transfer_cap_to_real_transfers(
    tmp_path, files, clock
):
    app = make_app(tmp_path / "d.sqlite", files, clock, transfer_cap=1)
    for complaint in ("f0", "f1"):
        app.route(complaint_id=complaint, tenant="default", facts=Facts(category="fraud_card"),
                  arrived_at=clock())

    first = transfer(app, "f1", "general", to_agent_id="cy")
    moved = transfer(app, "f1", "billing")
    capped = transfer(app, "f1", "general")

    assert [(h.outcome, h.agent_id, h.transfer_count) for h in (first, moved, capped)] == [
        ("assigned", "cy", 0), ("transferred", "ana", 1), ("escalated", "sup-service", 1),
    ]
    app.close()


def test_a_complaint_that_had_an_owner_is_still_transferred_when_an_agent_is_named(app, inbox):
    inbox.process(*classified("f0", "fraud_card"))
    inbox.process(*classified("c0", "billing_charges"))
    transfer(app, "c0", "fraud")  # fay is full: c0 waits in fraud, having been ana's

    handover = transfer(app, "c0", "general", to_agent_id="cy")

    assert (handover.outcome, handover.agent_id, handover.transfer_count) == (
        "transferred", "cy", 2
    )
    assert owners(app)[-1] == ("transferred", "c0", "cy")


def test_a_waiting_complaint_sent_to_a_queue_whose_agent_takes_it_is_assigned_not_transferred(
    app, inbox
):
    fill_fraud_and_queue_f1(app, inbox)

    handover = app.transfer(complaint_id="f1", to_queue="general", to_agent_id=None,
                            reason="general can help", actor="sup-service")

    why = ("Sent to general by sup-service (general can help); Round robin: ana is next, "
           "0 of 2 slots in use")
    assert (handover.outcome, handover.queue, handover.agent_id, handover.transfer_count,
            handover.reason) == ("assigned", "general", "ana", 0, why)
    assigned = published_envelopes(app)[-1]
    assert (assigned.type, assigned.data["agent_id"], assigned.data["strategy"],
            assigned.data["trigger"], assigned.data["reason"]) == (
        "complaint.assigned.v1", "ana", "round_robin", "manual", why
    )
    assert [o[0] for o in owners(app)].count("transferred") == 0


def test_a_waiting_complaint_sent_to_a_full_queue_waits_there_without_a_transfer(app, inbox):
    fill_fraud_and_queue_f1(app, inbox)
    for agent in ("ana", "bo", "cy"):
        app.update_agent(agent_id=agent, on_shift=False)
    published = len(published_envelopes(app))

    handover = app.transfer(complaint_id="f1", to_queue="general", to_agent_id=None,
                            reason="general can help", actor="sup-service")

    assert (handover.outcome, handover.queue, handover.agent_id, handover.transfer_count) == (
        "queued", "general", None, 0
    )
    assert owners(app)[published:] == [("queued", "f1", "general")]
    assert app.desks()["fraud"].waiting == {"fraud": []}
    assert [t["complaint_id"] for t in app.desks()["service"].waiting["general"]] == ["f1"]
    app.update_agent(agent_id="cy", on_shift=True)
    assert owners(app)[-1] == ("assigned", "f1", "cy")
