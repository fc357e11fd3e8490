"""Use cases of proposals, approval and execution (part of ResolutionApplication)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from contracts.intake import Language
from services.resolution.domain import Case

T = TypeVar("T")


class DecisionUseCases:
    """Propose from the library, decide step by step, carry out with tasks."""

    policies: Any
    clock: Callable[[], datetime]

    def _change(self, complaint_id: str, command: Callable[[Case], T]) -> T:
        raise NotImplementedError

    def language_of(self, complaint_id: str) -> Language | None:
        raise NotImplementedError

    def get_case(self, complaint_id: str) -> Case:
        raise NotImplementedError

    def propose(
        self, *, complaint_id: str, solution_id: str, amount: Decimal | None,
        currency: str | None, description: str | None, by: str,
    ) -> str:
        """Propose a solution from the library; the case's tenant's approval policy decides
        who approves. Without a description, the solution's own is taken in the complaint's
        language."""
        solution = self.policies.solutions().get(solution_id)
        description = description or solution.description.in_(self.language_of(complaint_id))
        amount = amount if amount is not None else solution.default_amount
        policy = self.policies.approval(self.get_case(complaint_id).tenant)
        currency = (currency or policy.currency) if amount is not None else None
        chain = policy.chain_for(solution.kind, amount, currency)
        proposal_id = str(uuid.uuid4())
        self._change(complaint_id, lambda c: c.propose(
            proposal_id=proposal_id, solution=solution, amount=amount, currency=currency,
            description=description, chain=chain, by=by,
            at=self.clock(),
        ))
        return proposal_id

    def approve(
        self, *, complaint_id: str, proposal_id: str, approver: str, roles: Collection[str],
        comment: str | None = None,
    ) -> None:
        """Approve the proposal's current step, with an optional comment."""
        self._change(complaint_id, lambda c: c.approve(
            proposal_id=proposal_id, approver=approver, roles=roles, at=self.clock(),
            comment=comment,
        ))

    def reject(
        self, *, complaint_id: str, proposal_id: str, approver: str, roles: Collection[str],
        reason: str, comment: str | None = None,
    ) -> None:
        """Reject the proposal with a reason and an optional comment."""
        self._change(complaint_id, lambda c: c.reject(
            proposal_id=proposal_id, approver=approver, roles=roles, reason=reason,
            at=self.clock(), comment=comment,
        ))

    def assign_task(
        self, *, complaint_id: str, proposal_id: str, title: str, assignee: str,
        due_at: datetime, by: str,
    ) -> str:
        """Give part of an approved proposal's execution to someone."""
        task_id = str(uuid.uuid4())
        self._change(complaint_id, lambda c: c.assign_task(
            proposal_id=proposal_id, task_id=task_id, title=title, assignee=assignee,
            due_at=due_at, by=by, at=self.clock(),
        ))
        return task_id

    def complete_task(
        self, *, complaint_id: str, proposal_id: str, task_id: str, by: str,
        evidence_ids: Sequence[str], note: str | None,
    ) -> None:
        """The assignee reports a task done, with evidence."""
        self._change(complaint_id, lambda c: c.complete_task(
            proposal_id=proposal_id, task_id=task_id, by=by, evidence_ids=evidence_ids,
            note=note, at=self.clock(),
        ))

    def execute(
        self, *, complaint_id: str, proposal_id: str, by: str, evidence_ids: Sequence[str]
    ) -> None:
        """Record an approved proposal as carried out."""
        self._change(complaint_id, lambda c: c.execute(
            proposal_id=proposal_id, by=by, evidence_ids=evidence_ids, at=self.clock()
        ))
