"""What waits on a person: approvals they may decide, tasks they (or their department) must do.

Pure questions to one case; the application asks them of the cases its projections list.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from contracts.resolution import RefusedAction
from services.resolution.domain.errors import DomainError
from services.resolution.domain.proposals import Proposal


@dataclass(frozen=True)
class PendingApproval:
    complaint_id: str
    proposal_id: str
    kind: str
    amount: Decimal | None
    currency: str | None
    step: int
    role: str
    proposed_by: str
    awaiting_since: datetime


@dataclass(frozen=True)
class OpenTask:
    complaint_id: str
    task_id: str
    kind: str  # execution | follow_up | collaboration
    proposal_id: str | None
    title: str | None
    assignee: str | None
    due_at: datetime | None  # None: a collaboration task dispatch gave no due time
    department: str | None = None  # a collaboration task's: the department asked to help


def may_decide(case, proposal: Proposal, actor: str, roles: Collection[str]) -> bool:
    """The controls of a decision on a proposal as a question: the case open, the proposal
    pending, not conflicted (recusal), the step's role, neither the proposer nor an earlier
    approver (four eyes)."""
    if case.is_closed or actor in case.conflicts:
        return False
    try:
        proposal.check_pending()
        proposal.check_decider(actor, roles, RefusedAction.APPROVE)
    except DomainError:
        return False
    return True


def approvals_for(case, actor: str, roles: Collection[str]) -> Iterator[PendingApproval]:
    """The case's proposals that wait on a decision this actor may take."""
    for proposal in case.proposals.values():
        if may_decide(case, proposal, actor, roles):
            yield PendingApproval(
                complaint_id=case.complaint_id, proposal_id=proposal.proposal_id,
                kind=str(proposal.kind), amount=proposal.amount, currency=proposal.currency,
                step=proposal.next_step, role=proposal.chain[proposal.next_step - 1],
                proposed_by=proposal.proposed_by,
                awaiting_since=proposal.awaiting_since or proposal.proposed_at,
            )


def open_tasks(case) -> Iterator[OpenTask]:
    """Every task of the case not done yet: execution tasks, follow-ups and collaboration
    tasks of other departments."""
    if case.is_closed:
        return
    for proposal in case.proposals.values():
        for task in proposal.tasks.values():
            if task.completed_by is None:
                yield OpenTask(case.complaint_id, task.task_id, "execution",
                               proposal.proposal_id, task.title, task.assignee, task.due_at)
    follow_up = case.open_follow_up
    if follow_up is not None:
        yield OpenTask(case.complaint_id, follow_up.task_id, "follow_up", None, None,
                       follow_up.assignee, follow_up.due_at)
    for collaboration in case.open_collaborations():
        yield OpenTask(case.complaint_id, collaboration.task_id, "collaboration", None,
                       collaboration.task, None, collaboration.due_at, collaboration.department)
