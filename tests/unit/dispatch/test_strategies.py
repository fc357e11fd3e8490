"""The two strategies a queue can use: skill match then least loaded, and round robin."""

from __future__ import annotations

from contracts.dispatch import AssignmentStrategy
from services.dispatch.roster import Agent
from services.dispatch.strategies import Seat, Ticket, round_robin, skill_based


def seat(agent_id, load=0, capacity=3, on_shift=True, skills=(), languages=()):
    agent = Agent(
        id=agent_id, department="d", queues=("q",), skills=frozenset(skills),
        languages=frozenset(languages), capacity=capacity, on_shift=on_shift,
    )
    return Seat(agent=agent, load=load, capacity=capacity, on_shift=on_shift)


def ticket(skills=(), language=None):
    return Ticket(complaint_id="c", priority=2, skills=skills, language=language)


def test_skill_based_takes_the_least_loaded_agent_with_the_skills():
    seats = [
        seat("a", load=0, skills=["other"]),
        seat("b", load=2, skills=["refunds"]),
        seat("c", load=1, skills=["refunds", "vip"]),
    ]

    choice = skill_based(seats, ticket(skills=("refunds",)), None)

    assert (choice.agent_id, choice.strategy, choice.reason) == (
        "c", AssignmentStrategy.SKILL_BASED, "c has skill refunds and 1 of 3 slots in use"
    )


def test_skill_based_needs_every_skill_and_the_language():
    seats = [
        seat("a", skills=["refunds"], languages=["zh"]),
        seat("b", load=2, skills=["refunds", "vip"], languages=["en"]),
        seat("c", skills=["refunds", "vip"], languages=["zh"]),
    ]

    assert skill_based(seats, ticket(("refunds", "vip"), "en"), None).agent_id == "b"
    assert skill_based(seats, ticket(("refunds", "vip"), "zh"), None).agent_id == "c"
    assert skill_based(seats, ticket(("refunds",), "zh"), None).agent_id == "a"


def test_skill_based_breaks_ties_by_roster_order_and_skips_full_or_off_shift_agents():
    seats = [
        seat("a", load=1, capacity=1),
        seat("b", load=0, on_shift=False),
        seat("c", load=1, capacity=4),
        seat("d", load=1, capacity=4),
    ]

    assert skill_based(seats, ticket(), None).agent_id == "c"


def test_skill_based_waits_for_a_skilled_agent_rather_than_give_it_to_another():
    seats = [seat("a", skills=["billing"]), seat("b", load=3, skills=["fraud"])]

    choice = skill_based(seats, ticket(skills=("fraud",)), None)

    assert (choice.agent_id, choice.reason) == (
        None, "All 1 agents with skill fraud are at capacity or off shift"
    )


def test_when_nobody_in_the_queue_has_the_skill_anyone_may_take_it_and_the_reason_says_so():
    seats = [seat("a", load=1), seat("b", load=0)]

    choice = skill_based(seats, ticket(skills=("forensics",), language="fr"), None)

    assert (choice.agent_id, choice.reason) == (
        "b", "b is least loaded (nobody in the queue has skill forensics, language fr) and "
             "0 of 3 slots in use",
    )


def test_an_unspoken_language_does_not_block_a_skilled_agent():
    seats = [seat("a", skills=["fraud"], languages=["en"])]

    choice = skill_based(seats, ticket(skills=("fraud",), language="de"), None)

    assert (choice.agent_id, choice.reason) == (
        "a", "a is least loaded (nobody in the queue speaks de) and 0 of 3 slots in use"
    )


def test_round_robin_takes_the_next_agent_after_the_last_one_picked():
    seats = [seat("a", load=2), seat("b", load=0), seat("c", load=1)]

    assert round_robin(seats, ticket(), None).agent_id == "a"
    assert round_robin(seats, ticket(), "a").agent_id == "b"
    assert round_robin(seats, ticket(), "b").agent_id == "c"
    assert round_robin(seats, ticket(), "c").agent_id == "a"
    assert round_robin(seats, ticket(), "gone").agent_id == "a"


def test_round_robin_skips_agents_at_capacity_or_off_shift_and_ignores_skills():
    seats = [seat("a", load=3), seat("b", on_shift=False), seat("c", skills=["x"])]

    choice = round_robin(seats, ticket(skills=("billing",)), "a")

    assert (choice.agent_id, choice.strategy, choice.reason) == (
        "c", AssignmentStrategy.ROUND_ROBIN,
        "Round robin: c is next, 0 of 3 slots in use",
    )


def test_round_robin_with_nobody_free_waits():
    seats = [seat("a", load=3), seat("b", on_shift=False)]

    choice = round_robin(seats, ticket(), None)

    assert (choice.agent_id, choice.reason) == (
        None, "All 2 agents are at capacity or off shift"
    )
