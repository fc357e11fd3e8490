"""Capacity is respected; complaints wait and are assigned as soon as capacity frees."""

from __future__ import annotations

from runtime.inbox import Outcome
from services.dispatch.desk import Desk

from .conftest import classified, make_app, owners, published_envelopes, sample


def closed(complaint_id):
    return sample("complaint.closed.v1", complaint_id=complaint_id)


def test_a_burst_beyond_capacity_waits_and_each_close_assigns_p1_first_then_by_arrival(
    app, inbox
):
    for complaint, severity in [("c0", "P2"), ("c1", "P3"), ("c2", "P1"), ("c3", "P2"),
                                ("c4", "P1")]:
        inbox.process(*classified(complaint, "fraud_card", severity))

    assert owners(app) == [
        ("assigned", "c0", "fay"), ("queued", "c1", "fraud"), ("queued", "c2", "fraud"),
        ("queued", "c3", "fraud"), ("queued", "c4", "fraud"),
    ]
    assert app.seat("fay").load == 1

    for complaint in ["c0", "c2", "c4", "c3"]:
        inbox.process(*closed(complaint))

    assert owners(app)[5:] == [
        ("assigned", "c2", "fay"), ("assigned", "c4", "fay"), ("assigned", "c3", "fay"),
        ("assigned", "c1", "fay"),
    ]
    assert app.seat("fay").load == 1
    assert app.get_assignment("c1").strategy == "skill_based"


def test_the_assignment_from_a_freed_slot_is_caused_by_the_close_and_says_why(app, inbox):
    inbox.process(*classified("c0", "fraud_card"))
    inbox.process(*classified("c1", "fraud_card"))
    close = closed("c0")

    inbox.process(*close)

    last = published_envelopes(app)[-1]
    assert (last.type, last.subject, last.causationid) == (
        "complaint.assigned.v1", "c1", close[0].id
    )
    assert (last.data["trigger"], last.data["rule_id"], last.data["reason"]) == (
        "capacity_freed", "fraud", "fay has skill fraud, language en and 0 of 1 slots in use"
    )


def test_a_redelivered_close_frees_the_slot_once(app, inbox):
    for complaint in ["c0", "c1", "c2"]:
        inbox.process(*classified(complaint, "fraud_card"))
    close = closed("c0")

    assert inbox.process(*close) is Outcome.HANDLED
    assert inbox.process(*close) is Outcome.DUPLICATE
    assert inbox.process(*closed("c0")) is Outcome.HANDLED  # another close of a closed one

    assert [o for o in owners(app) if o[0] == "assigned"] == [
        ("assigned", "c0", "fay"), ("assigned", "c1", "fay")
    ]
    assert app.get_assignment("c2").status == "queued"


def test_raising_capacity_or_coming_on_shift_assigns_the_waiting_at_once(app, inbox):
    for complaint in ["c0", "c1", "c2", "c3"]:
        inbox.process(*classified(complaint, "fraud_card"))

    assert app.update_agent(agent_id="fay", capacity=3) is True
    assert app.seat("fay").load == 3
    assert app.update_agent(agent_id="fay", on_shift=False) is True
    assert app.update_agent(agent_id="fay", capacity=4) is True
    assert app.seat("fay").load == 3  # off shift: takes nothing new
    assert app.update_agent(agent_id="fay", on_shift=True) is True

    assert [o for o in owners(app) if o[0] == "assigned"] == [
        ("assigned", "c0", "fay"), ("assigned", "c1", "fay"), ("assigned", "c2", "fay"),
        ("assigned", "c3", "fay"),
    ]
    assert app.update_agent(agent_id="fay", on_shift=True) is False


def test_lowering_capacity_below_the_load_keeps_what_is_held_and_takes_nothing_new(
    app, inbox
):
    app.update_agent(agent_id="fay", capacity=2)
    for complaint in ["c0", "c1"]:
        inbox.process(*classified(complaint, "fraud_card"))

    app.update_agent(agent_id="fay", capacity=1)
    inbox.process(*classified("c2", "fraud_card"))
    inbox.process(*closed("c0"))

    assert app.seat("fay").load == 1
    assert app.get_assignment("c1").agent_id == "fay"
    assert app.get_assignment("c2").status == "queued"
    inbox.process(*closed("c1"))
    assert app.get_assignment("c2").agent_id == "fay"


def test_round_robin_rotates_and_never_exceeds_any_agents_capacity(app, inbox):
    for n in range(7):
        inbox.process(*classified(f"g{n}", "other"))

    assert owners(app) == [
        ("assigned", "g0", "ana"), ("assigned", "g1", "bo"), ("assigned", "g2", "cy"),
        ("assigned", "g3", "ana"), ("assigned", "g4", "bo"), ("assigned", "g5", "cy"),
        ("queued", "g6", "general"),
    ]
    assert [app.seat(a).load for a in ("ana", "bo", "cy")] == [2, 2, 2]


def test_an_agent_of_several_queues_has_one_capacity(app, inbox):
    inbox.process(*classified("b0", "billing_charges"))  # ana: billing, language en
    inbox.process(*classified("b1", "billing_charges"))

    for n in range(4):
        inbox.process(*classified(f"g{n}", "other"))

    assert [o for o in owners(app)] == [
        ("assigned", "b0", "ana"), ("assigned", "b1", "ana"),
        ("assigned", "g0", "bo"), ("assigned", "g1", "cy"), ("assigned", "g2", "bo"),
        ("assigned", "g3", "cy"),
    ]


def test_the_desk_is_rebuilt_the_same_from_snapshots_after_many_events(
    tmp_path, files, clock, app, inbox
):
    app.update_agent(agent_id="fay", capacity=1)
    for n in range(80):
        inbox.process(*classified(f"c{n}", "fraud_card", "P1" if n % 3 else "P2"))
    for n in range(0, 40):
        inbox.process(*closed(f"c{n}"))
    desk = app.repository.get(Desk.create_id("fraud"))
    snapshots = list(app.snapshots.get(Desk.create_id("fraud")))

    reopened = make_app(tmp_path / "dispatch.sqlite", files, clock)
    again = reopened.repository.get(Desk.create_id("fraud"))

    assert desk.version > 100
    assert [s.originator_version for s in snapshots] == [100]
    assert (again.version, again.holding, again.waiting) == (
        desk.version, desk.holding, desk.waiting
    )
    assert len(again.waiting["fraud"]) + len(again.holding["fay"]) == 80 - 40
    reopened.close()
