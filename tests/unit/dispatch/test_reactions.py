"""Reactions: an SLA escalation moves the complaint up; a reopened one goes back to its owner."""

from __future__ import annotations

import pytest

from .conftest import classified, owners, published_envelopes, sample


def escalated(complaint_id, level):
    return sample("sla.escalated.v1", complaint_id=complaint_id, level=level)


def reopened(complaint_id, **data):
    return sample("complaint.reopened.v1", complaint_id=complaint_id, **data)


@pytest.mark.parametrize(("level", "owner"), [
    ("team_lead", "lead-fraud"), ("department_head", "head-fraud"), ("executive", "exec-1"),
])
def test_an_sla_escalation_gives_the_complaint_to_that_levels_owner(app, inbox, level, owner):
    inbox.process(*classified("c0", "fraud_card"))
    event = escalated("c0", level)

    inbox.process(*event)

    assignment = app.get_assignment("c0")
    assert (assignment.agent_id, assignment.escalation_level, app.seat("fay").load) == (
        owner, level, 0
    )
    last = published_envelopes(app)[-1]
    assert (last.type, last.causationid, last.data["agent_id"], last.data["trigger"]) == (
        "complaint.assigned.v1", event[0].id, owner, "sla_escalation"
    )
    assert last.data["reason"] == (
        f"SLA escalation to {level}: {owner} owns it now "
        "(Resolution deadline breached; first step of the escalation chain)"
    )


def test_an_escalation_frees_the_agents_slot_for_the_next_waiting_complaint(app, inbox):
    inbox.process(*classified("c0", "fraud_card"))
    inbox.process(*classified("c1", "fraud_card"))

    inbox.process(*escalated("c0", "team_lead"))
    inbox.process(*escalated("c0", "team_lead"))  # already there: nothing more

    assert owners(app)[2:] == [("assigned", "c0", "lead-fraud"), ("assigned", "c1", "fay")]


def test_an_escalation_of_a_closed_or_unknown_complaint_changes_nothing(app, inbox):
    inbox.process(*classified("c0", "fraud_card"))
    inbox.process(*sample("complaint.closed.v1", complaint_id="c0"))

    inbox.process(*escalated("c0", "executive"))
    inbox.process(*escalated("unknown", "executive"))

    assert owners(app) == [("assigned", "c0", "fay")]


def test_a_reopened_complaint_goes_back_to_its_previous_owner_when_they_can_take_it(
    app, inbox
):
    inbox.process(*classified("c0", "fraud_card"))
    inbox.process(*sample("complaint.closed.v1", complaint_id="c0"))

    inbox.process(*reopened("c0", previous_owner_agent_id=None))

    last = published_envelopes(app)[-1]
    assert (last.data["agent_id"], last.data["strategy"], last.data["trigger"]) == (
        "fay", "sticky", "reopened"
    )
    assert last.data["reason"] == "Reopened: back to its previous owner fay (0 of 1 slots in use)"
    assert app.seat("fay").load == 1


def test_a_reopened_complaint_whose_owner_is_busy_goes_through_its_queue(app, inbox):
    app.update_agent(agent_id="fay", capacity=2)
    inbox.process(*classified("c0", "fraud_card"))
    inbox.process(*sample("complaint.closed.v1", complaint_id="c0"))
    inbox.process(*classified("c1", "fraud_card"))
    inbox.process(*classified("c2", "fraud_card"))

    inbox.process(*reopened("c0", previous_owner_agent_id="fay"))

    last = published_envelopes(app)[-1]
    assert (last.type, last.data["queue"], last.data["reason"]) == (
        "complaint.queued.v1", "fraud",
        "Reopened, previous owner fay is at capacity; All 1 agents with skill fraud, "
        "language en are at capacity or off shift",
    )
    inbox.process(*sample("complaint.closed.v1", complaint_id="c1"))
    assert app.get_assignment("c0").agent_id == "fay"


def test_a_reopened_complaint_whose_owner_is_off_shift_goes_to_whoever_is_free(app, inbox):
    inbox.process(*classified("c0", "other"))  # round robin: ana
    inbox.process(*sample("complaint.closed.v1", complaint_id="c0"))
    app.update_agent(agent_id="ana", on_shift=False)

    inbox.process(*reopened("c0", previous_owner_agent_id="ana"))

    assignment = app.get_assignment("c0")
    assert (assignment.agent_id, assignment.strategy) == ("bo", "round_robin")
    assert published_envelopes(app)[-1].data["reason"] == (
        "Reopened, previous owner ana is off shift; Round robin: bo is next, 0 of 2 slots in use"
    )


def test_a_reopening_of_an_open_complaint_changes_nothing(app, inbox):
    inbox.process(*classified("c0", "fraud_card"))

    inbox.process(*reopened("c0"))

    assert owners(app) == [("assigned", "c0", "fay")]
