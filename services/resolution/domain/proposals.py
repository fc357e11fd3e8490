"""Proposals and their approval: the policy's chain of roles, four eyes, recusal."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from eventsourcing.domain import Aggregate, event

from contracts.resolution import RefusedAction, ResolutionKind
from runtime.attribution import recall
from runtime.upcast import added
from services.resolution.domain.case_guards import CaseGuards
from services.resolution.domain.communication import check_text
from services.resolution.domain.errors import (
    Invalid,
    MissingApproverRole,
    NotApproved,
    NotFound,
    SelfApproval,
    WrongState,
    find,
)
from services.resolution.domain.execution import OpenTasks, Task, UnknownTask
from services.resolution.domain.solutions import Solution

MAX_COMMENT = 1_000


class ProposalStatus(StrEnum):
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"  # also: needed no approval
    REJECTED = "rejected"
    EXECUTED = "executed"


@dataclass
class Proposal:
    proposal_id: str
    kind: ResolutionKind
    solution_id: str
    amount: Decimal | None
    currency: str | None
    description: str
    proposed_by: str
    chain: list[str]
    proposed_at: datetime
    status: ProposalStatus
    approvals: list[dict] = field(default_factory=list)
    rejection: dict | None = None
    awaiting_since: datetime | None = None
    tasks: dict[str, Task] = field(default_factory=dict)

    @property
    def next_step(self) -> int:
        return len(self.approvals) + 1

    @staticmethod
    def check_new(solution: Solution, amount: Decimal | None, currency: str | None,
                  description: str) -> None:
        """Raise unless the amount fits the solution, comes with its currency, and the
        description says something."""
        solution.check_amount(amount)
        if (amount is None) != (currency is None):
            raise Invalid("amount and currency go together")
        check_text(description)

    def approval(self, approver: str, roles: Collection[str], comment: str | None
                 ) -> tuple[int, str, bool]:
        """(step, role, final) of the step `approver` may approve now, with `comment`."""
        role = self.check_decider(approver, roles, RefusedAction.APPROVE)
        check_comment(comment)
        return self.next_step, role, self.next_step == len(self.chain)

    def check_rejection(self, approver: str, roles: Collection[str], reason: str,
                        comment: str | None) -> None:
        """Raise unless `approver` may turn the proposal down, with a reason."""
        self.check_decider(approver, roles, RefusedAction.REJECT)
        check_text(reason)
        check_comment(comment)

    def check_pending(self) -> None:
        """Raise NotPending unless the proposal awaits an approval step."""
        if self.status != ProposalStatus.PENDING_APPROVAL:
            raise NotPending("{proposal_id} is {status}, not awaiting approval",
                             proposal_id=self.proposal_id, status=str(self.status))

    def check_decider(self, actor: str, roles: Collection[str], action: RefusedAction) -> str:
        """The role the next step needs, if `actor` (holding `roles`) may decide it: never the
        proposer, nor the approver of an earlier step (four eyes)."""
        if actor == self.proposed_by:
            raise SelfApproval(
                "{actor} proposed {proposal_id} and may not decide on it", actor=actor,
                action=action, proposal_id=self.proposal_id,
            )
        if any(a["approver"] == actor for a in self.approvals):
            raise SelfApproval(
                "{actor} already approved an earlier step of {proposal_id}", actor=actor,
                action=action, proposal_id=self.proposal_id,
            )
        role = self.chain[self.next_step - 1]
        if role not in roles:
            raise MissingApproverRole(
                "step {step} of {proposal_id} needs the role {role}", actor=actor,
                action=action, proposal_id=self.proposal_id, step=self.next_step, role=role,
            )
        return role

    def approved(self, *, approver: str, step: int, role: str, final: bool,
                 comment: str | None, at: datetime) -> None:
        """A step was approved; the final one makes the proposal executable."""
        self.approvals.append(
            {"approver": approver, "step": step, "role": role, "comment": comment, "at": at})
        if final:
            self.status = ProposalStatus.APPROVED
            self.awaiting_since = None

    def rejected(self, *, approver: str, reason: str, comment: str | None, at: datetime) -> None:
        """Turned down: it will never be executed."""
        self.rejection = {"approver": approver, "reason": reason, "comment": comment, "at": at}
        self.status = ProposalStatus.REJECTED
        self.awaiting_since = None

    def awaiting(self, at: datetime) -> None:
        self.awaiting_since = at

    def executed(self) -> None:
        self.status = ProposalStatus.EXECUTED

    def task(self, task_id: str) -> Task:
        """The task with this id (UnknownTask)."""
        return find(self.tasks, task_id, UnknownTask, "no task {task_id!r} in proposal "
                    "{proposal_id}", task_id=task_id, proposal_id=self.proposal_id)

    def check_tasks_done(self) -> None:
        """Raise OpenTasks while any of its tasks is not done."""
        open_tasks = sorted(t.task_id for t in self.tasks.values() if t.is_open)
        if open_tasks:
            raise OpenTasks("tasks not completed yet: {tasks}", tasks=", ".join(open_tasks))

    def check_executable(self, actor: str) -> None:
        """Raise NotApproved unless the proposal is approved (or needed no approval)."""
        if self.status == ProposalStatus.EXECUTED:
            raise AlreadyExecuted("{proposal_id} was executed already",
                                  proposal_id=self.proposal_id)
        if self.status == ProposalStatus.REJECTED:
            raise NotApproved(
                "{proposal_id} was rejected", actor=actor, proposal_id=self.proposal_id
            )
        if self.status == ProposalStatus.PENDING_APPROVAL:
            raise NotApproved(
                "{proposal_id} awaits approval step {step} ({role})",
                actor=actor, proposal_id=self.proposal_id, step=self.next_step,
                role=self.chain[self.next_step - 1],
            )


class Decided(Aggregate.Event):
    """What an approver's decision on a proposal says, approved or rejected. Version 2 added
    the approver's comment; decisions stored before it had none."""

    class_version = 3  # 3: names its tenant and complaint (runtime.attribution)
    proposal_id: str
    approver: str
    comment: str | None
    at: datetime

    upcast_v1_v2 = added(comment=None)

    upcast_v2_v3 = staticmethod(recall)


class ProposalsMixin(CaseGuards):
    """Proposing a solution and deciding on it, step by step."""

    def _init_proposals(self) -> None:
        self.proposals: dict[str, Proposal] = {}

    def proposal(self, proposal_id: str) -> Proposal:
        """The proposal with this id (UnknownProposal)."""
        return find(self.proposals, proposal_id, UnknownProposal,
                    "no proposal {proposal_id!r} on this case", proposal_id=proposal_id)

    def propose(
        self, *, proposal_id: str, solution: Solution, amount: Decimal | None,
        currency: str | None, description: str, chain: Sequence[str], by: str, at: datetime,
    ) -> None:
        """Propose a solution; the policy's chain of approver roles comes with it."""
        self.check_may_act(by)
        Proposal.check_new(solution, amount, currency, description)
        self._proposed(
            proposal_id=proposal_id, kind=solution.kind, solution_id=solution.id, amount=amount,
            currency=currency, description=description, chain=list(chain), by=by, at=at,
        )
        if chain:
            self._approval_requested(proposal_id=proposal_id, step=1, role=chain[0], at=at)

    def approve(
        self, *, proposal_id: str, approver: str, roles: Collection[str], at: datetime,
        comment: str | None = None,
    ) -> None:
        """Approve the proposal's next step (with an optional comment); the last step makes
        it executable."""
        proposal = self._pending(proposal_id, approver, RefusedAction.APPROVE)
        step, role, final = proposal.approval(approver, roles, comment)
        self._approved(
            proposal_id=proposal_id, approver=approver, step=step, role=role, final=final,
            comment=comment, at=at,
        )
        if not final:
            self._approval_requested(
                proposal_id=proposal_id, step=step + 1, role=proposal.chain[step], at=at
            )

    def reject(
        self, *, proposal_id: str, approver: str, roles: Collection[str], reason: str,
        at: datetime, comment: str | None = None,
    ) -> None:
        """Turn the proposal down with a reason (and an optional comment); it will never be
        executed."""
        proposal = self._pending(proposal_id, approver, RefusedAction.REJECT)
        proposal.check_rejection(approver, roles, reason, comment)
        self._rejected(
            proposal_id=proposal_id, approver=approver, reason=reason, comment=comment, at=at
        )

    def _pending(self, proposal_id: str, actor: str, action: RefusedAction) -> Proposal:
        """The proposal, if it awaits a decision on this open case that `actor` is not
        recused from."""
        proposal = self.proposal(proposal_id)
        self.check_open()
        proposal.check_pending()
        self.check_may_handle(actor, action=action, proposal_id=proposal_id)
        return proposal

    @event("ResolutionProposed")
    def _proposed(
        self, *, proposal_id: str, kind: ResolutionKind, solution_id: str,
        amount: Decimal | None, currency: str | None, description: str, chain: list[str],
        by: str, at: datetime,
    ) -> None:
        self.proposals[proposal_id] = Proposal(
            proposal_id=proposal_id, kind=ResolutionKind(kind), solution_id=solution_id,
            amount=amount, currency=currency, description=description, proposed_by=by,
            chain=list(chain), proposed_at=at,
            status=ProposalStatus.PENDING_APPROVAL if chain else ProposalStatus.APPROVED,
        )

    @event("ApprovalRequested")
    def _approval_requested(self, *, proposal_id: str, step: int, role: str, at: datetime) -> None:
        self.proposals[proposal_id].awaiting(at)

    class ProposalApproved(Decided):
        """A step approved; the final one makes the proposal executable."""

        step: int
        role: str
        final: bool

    class ProposalRejected(Decided):
        """The proposal turned down, with a reason."""

        reason: str

    @event(ProposalApproved)
    def _approved(
        self, *, proposal_id: str, approver: str, step: int, role: str, final: bool,
        comment: str | None, at: datetime,
    ) -> None:
        self.proposals[proposal_id].approved(
            approver=approver, step=step, role=role, final=final, comment=comment, at=at)

    @event(ProposalRejected)
    def _rejected(
        self, *, proposal_id: str, approver: str, reason: str, comment: str | None, at: datetime
    ) -> None:
        self.proposals[proposal_id].rejected(
            approver=approver, reason=reason, comment=comment, at=at)


def check_comment(comment: str | None) -> None:
    """An approver's comment is optional, but not blank and at most MAX_COMMENT characters."""
    if comment is None:
        return
    check_text(comment)
    if len(comment) > MAX_COMMENT:
        raise Invalid("a comment is at most {n} characters", n=MAX_COMMENT)


class UnknownProposal(NotFound):
    """The case has no proposal with this id."""


class NotPending(WrongState):
    """The proposal is not awaiting a decision."""


class AlreadyExecuted(WrongState):
    """The proposal was executed already."""
