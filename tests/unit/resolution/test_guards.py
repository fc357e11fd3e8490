"""Every guard of the domain refuses what it must, with the exception the domain declares."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from contracts.intake import Channel
from contracts.resolution import MessageKind, RefusalRule, RefusedAction
from services.resolution.domain.closure import (
    CustomerNotNotified,
    InvalidRootCause,
    NoExecutedResolution,
    NotClosed,
    ReopenWindowPassed,
)
from services.resolution.domain.communication import NotWaiting
from services.resolution.domain.errors import (
    Conflicted,
    MissingApproverRole,
    NotApproved,
    SelfApproval,
)
from services.resolution.domain.execution import NotTheAssignee, OpenTasks
from services.resolution.domain.proposals import NotPending, ProposalStatus
from services.resolution.domain.solutions import AmountNotAccepted
from tests.unit.resolution.builders import (
    HANDLER,
    approved,
    at,
    attach,
    event_names,
    executed,
    new_case,
    resolved,
    with_proposal,
)

WINDOW = timedelta(days=30)


# No execution before approval


def test_a_proposal_awaiting_approval_cannot_be_executed() -> None:
    case = with_proposal(new_case())
    case.collect_events()

    with pytest.raises(NotApproved, match="awaits approval step 1 \\(team_lead\\)") as refused:
        case.execute(proposal_id="p-1", by=HANDLER, evidence_ids=[], at=at(5))

    assert (refused.value.rule, refused.value.action, refused.value.proposal_id) == (
        RefusalRule.APPROVAL_REQUIRED, RefusedAction.EXECUTE, "p-1"
    )
    assert event_names(case) == []
    assert case.executed_proposal_id is None


def test_a_partly_approved_proposal_cannot_be_executed_or_given_tasks() -> None:
    case = with_proposal(new_case())  # 1500: team lead, then finance
    case.approve(proposal_id="p-1", approver="lead-1", roles={"team_lead"}, at=at(3))

    with pytest.raises(NotApproved, match="awaits approval step 2 \\(finance\\)"):
        case.execute(proposal_id="p-1", by=HANDLER, evidence_ids=[], at=at(5))
    with pytest.raises(NotApproved):
        case.assign_task(proposal_id="p-1", task_id="t-1", title="Pay", assignee="ops-1",
                         due_at=at(600), by=HANDLER, at=at(5))


def test_a_rejected_proposal_is_never_executed() -> None:
    case = with_proposal(new_case())
    case.reject(proposal_id="p-1", approver="lead-1", roles={"team_lead"}, reason="Too much",
                at=at(3))

    with pytest.raises(NotApproved, match="was rejected"):
        case.execute(proposal_id="p-1", by=HANDLER, evidence_ids=[], at=at(5))
    assert case.proposal("p-1").status == ProposalStatus.REJECTED


def test_a_fully_approved_proposal_is_executed() -> None:
    case = approved(with_proposal(new_case()))
    case.collect_events()

    executed(case)

    assert event_names(case) == ["ResolutionExecuted"]
    assert (case.executed_proposal_id, case.proposal("p-1").status) == ("p-1", "executed")


def test_a_proposal_that_needs_no_approval_is_executable_at_once() -> None:
    case = with_proposal(new_case(), solution_id="explanation-apology", amount=None)

    assert case.proposal("p-1").chain == []
    executed(case)
    assert case.executed_proposal_id == "p-1"


def test_execution_waits_for_every_task_and_tasks_complete_with_evidence() -> None:
    case = attach(approved(with_proposal(new_case())))
    case.assign_task(proposal_id="p-1", task_id="t-1", title="Pay back", assignee="ops-1",
                     due_at=at(600), by=HANDLER, at=at(6))

    with pytest.raises(OpenTasks, match="t-1"):
        executed(case)
    with pytest.raises(NotTheAssignee):
        case.complete_task(proposal_id="p-1", task_id="t-1", by=HANDLER,
                           evidence_ids=["ev-1"], note=None, at=at(7))
    case.complete_task(proposal_id="p-1", task_id="t-1", by="ops-1", evidence_ids=["ev-1"],
                       note="Paid", at=at(7))
    executed(case)
    assert case.proposal("p-1").tasks["t-1"].evidence_ids == ["ev-1"]


# Approval chain and four eyes


def test_the_approval_chain_follows_kind_and_amount() -> None:
    assert with_proposal(new_case(), amount="999.99").proposal("p-1").chain == ["team_lead"]
    assert with_proposal(new_case(), amount="1000.00").proposal("p-1").chain == [
        "team_lead", "finance"
    ]
    big = with_proposal(new_case(), solution_id="goodwill-compensation", amount="6000.00")
    assert big.proposal("p-1").chain == ["team_lead", "finance", "department_head"]


def test_the_proposer_may_not_approve_their_own_proposal() -> None:
    case = with_proposal(new_case())
    case.collect_events()

    with pytest.raises(SelfApproval, match=f"{HANDLER} proposed p-1") as refused:
        case.approve(proposal_id="p-1", approver=HANDLER, roles={"team_lead"}, at=at(3))

    assert (refused.value.rule, refused.value.action, refused.value.actor) == (
        RefusalRule.FOUR_EYES, RefusedAction.APPROVE, HANDLER
    )
    assert event_names(case) == []
    assert case.proposal("p-1").approvals == []


def test_the_proposer_may_not_reject_their_own_proposal_either() -> None:
    case = with_proposal(new_case())

    with pytest.raises(SelfApproval) as refused:
        case.reject(proposal_id="p-1", approver=HANDLER, roles={"team_lead"}, reason="x",
                    at=at(3))
    assert refused.value.action == RefusedAction.REJECT


def test_one_person_may_not_approve_two_steps() -> None:
    case = with_proposal(new_case())
    case.approve(proposal_id="p-1", approver="boss-1", roles={"team_lead", "finance"}, at=at(3))

    with pytest.raises(SelfApproval, match="already approved an earlier step"):
        case.approve(proposal_id="p-1", approver="boss-1", roles={"team_lead", "finance"},
                     at=at(4))


def test_the_approver_needs_the_role_of_the_step() -> None:
    case = with_proposal(new_case())

    with pytest.raises(MissingApproverRole, match="step 1 of p-1 needs the role team_lead"):
        case.approve(proposal_id="p-1", approver="fin-1", roles={"finance"}, at=at(3))


def test_approving_steps_in_turn_makes_it_executable_and_requests_each_step() -> None:
    case = with_proposal(new_case())
    case.collect_events()

    case.approve(proposal_id="p-1", approver="lead-1", roles={"team_lead"}, at=at(3))
    case.approve(proposal_id="p-1", approver="fin-1", roles={"finance"}, at=at(4))

    assert event_names(case) == ["ProposalApproved", "ApprovalRequested", "ProposalApproved"]
    assert case.proposal("p-1").status == ProposalStatus.APPROVED
    with pytest.raises(NotPending):
        case.approve(proposal_id="p-1", approver="head-1", roles={"finance"}, at=at(5))


def test_amounts_follow_the_kind_of_solution() -> None:
    with pytest.raises(AmountNotAccepted, match="a refund needs an amount"):
        with_proposal(new_case(), amount=None)
    with pytest.raises(AmountNotAccepted, match="carries no amount"):
        with_proposal(new_case(), solution_id="technical-support", amount="10.00")
    with pytest.raises(AmountNotAccepted, match=r"capped at 20000\.00"):
        with_proposal(new_case(), solution_id="goodwill-compensation", amount="20000.01")
    assert with_proposal(new_case(), amount="0.01").proposal("p-1").amount == Decimal("0.01")


# Recusal (回避)


def test_a_conflicted_person_may_not_handle_the_complaint() -> None:
    case = new_case()
    case.declare_conflict(person="agent-0777", reason="The customer is his sister",
                          by="sup-1", at=at(2))

    with pytest.raises(Conflicted, match="The customer is his sister") as refused:
        case.accept(agent="agent-0777", at=at(3))
    assert (refused.value.rule, refused.value.action) == (
        RefusalRule.RECUSAL, RefusedAction.HANDLE
    )
    for attempt in (
        lambda: case.add_note(note_id="n", author="agent-0777", text="x", template=None,
                              fields={}, visibility="internal", at=at(3)),
        lambda: with_proposal(case, by="agent-0777"),
        lambda: case.close(by="agent-0777", at=at(3), category="x", exception_reason="x"),
    ):
        with pytest.raises(Conflicted):
            attempt()


def test_a_conflicted_person_may_not_approve() -> None:
    case = with_proposal(new_case())
    case.declare_conflict(person="lead-1", reason="Owns shares in the merchant", by="sup-1",
                          at=at(2))

    with pytest.raises(Conflicted) as refused:
        case.approve(proposal_id="p-1", approver="lead-1", roles={"team_lead"}, at=at(3))
    assert (refused.value.rule, refused.value.action, refused.value.proposal_id) == (
        RefusalRule.RECUSAL, RefusedAction.APPROVE, "p-1"
    )
    assert case.proposal("p-1").approvals == []


def test_a_conflicted_person_is_not_given_a_task() -> None:
    case = approved(with_proposal(new_case()))
    case.declare_conflict(person="ops-1", reason="Related", by="sup-1", at=at(5))

    with pytest.raises(Conflicted, match="ops-1 is conflicted"):
        case.assign_task(proposal_id="p-1", task_id="t-1", title="Pay", assignee="ops-1",
                         due_at=at(600), by=HANDLER, at=at(6))


def test_a_refusal_is_recorded_as_an_event() -> None:
    case = with_proposal(new_case())
    case.collect_events()
    with pytest.raises(SelfApproval) as refused:
        case.approve(proposal_id="p-1", approver=HANDLER, roles={"team_lead"}, at=at(3))

    case.record_refusal(refused.value, at=at(3))

    assert event_names(case) == ["ActionRefused"]
    assert case.refusals == [{
        "actor": HANDLER, "action": "approve", "rule": "four_eyes",
        "detail": f"{HANDLER} proposed p-1 and may not decide on it", "proposal_id": "p-1",
        "at": at(3),
    }]


# Closure


def test_no_close_without_an_executed_resolution() -> None:
    case = approved(with_proposal(new_case()))

    with pytest.raises(NoExecutedResolution):
        case.close(by=HANDLER, at=at(20), category="payment_retry", why_chain=["x"])
    assert not case.is_closed


def test_no_close_without_telling_the_customer() -> None:
    case = executed(approved(with_proposal(new_case())))
    case.notify(channel=Channel.EMAIL, kind=MessageKind.PROGRESS_UPDATE, message="Working",
                by=HANDLER, at=at(11))

    with pytest.raises(CustomerNotNotified):
        case.close(by=HANDLER, at=at(20), category="payment_retry", why_chain=["x"])


def test_no_close_without_a_root_cause() -> None:
    case = resolved(root_cause=False)

    with pytest.raises(InvalidRootCause, match="needs a root cause category"):
        case.close(by=HANDLER, at=at(20))
    with pytest.raises(InvalidRootCause, match="at least one answer"):
        case.close(by=HANDLER, at=at(20), category="payment_retry")


def test_a_resolved_and_notified_case_closes_with_its_root_cause() -> None:
    case = resolved()
    case.collect_events()

    case.close(by=HANDLER, at=at(20))

    assert event_names(case) == ["ComplaintClosed"]
    assert case.closure == {
        "closed_by": HANDLER, "category": "payment_retry", "why_chain": ["The gateway retried"],
        "taxonomy_version": None, "detail": None,
        "exception_reason": None, "automatic": False, "at": at(20),
    }


def test_a_documented_exception_closes_without_a_resolution() -> None:
    case = new_case()

    case.close(by=HANDLER, at=at(20), category="customer_unreachable",
               exception_reason="No answer on three channels in 30 days")

    assert case.is_closed
    assert case.closure["exception_reason"] == "No answer on three channels in 30 days"


def test_a_new_resolution_executed_after_the_notification_must_be_told_again() -> None:
    case = resolved()
    with_proposal(case, solution_id="explanation-apology", amount=None, proposal_id="p-2")
    executed(case, "p-2")

    with pytest.raises(CustomerNotNotified):
        case.close(by=HANDLER, at=at(20))


# Reopen


def test_reopen_only_within_the_window() -> None:
    inside, outside = resolved(), resolved()
    for case in (inside, outside):
        case.close(by=HANDLER, at=at(20))

    inside.reopen(by=HANDLER, reason="Charged again", at=at(20) + WINDOW, window=WINDOW)
    with pytest.raises(ReopenWindowPassed):
        outside.reopen(by=HANDLER, reason="Charged again",
                       at=at(20) + WINDOW + timedelta(seconds=1), window=WINDOW)

    assert (inside.is_closed, inside.reopen_count) == (False, 1)
    assert (outside.is_closed, outside.reopen_count) == (True, 0)


def test_only_a_closed_complaint_is_reopened() -> None:
    with pytest.raises(NotClosed):
        new_case().reopen(by=HANDLER, reason="x", at=at(5), window=WINDOW)


def test_a_reopened_complaint_needs_a_new_resolution_before_closing_again() -> None:
    case = resolved()
    case.close(by=HANDLER, at=at(20))
    case.reopen(by=HANDLER, reason="Charged again", at=at(30), window=WINDOW)

    with pytest.raises(NoExecutedResolution):
        case.close(by=HANDLER, at=at(40), category="payment_retry", why_chain=["x"])
    assert case.root_cause is None


# Waiting on the customer


def test_a_reply_is_recorded_only_while_waiting() -> None:
    case = new_case()
    with pytest.raises(NotWaiting):
        case.customer_replied(by=HANDLER, channel=None, at=at(2))
    case.wait_for_customer(actor=HANDLER, reason="Need the bank statement", at=at(2))
    case.customer_replied(by=HANDLER, channel=Channel.EMAIL, at=at(3))
    assert case.waiting_since is None
