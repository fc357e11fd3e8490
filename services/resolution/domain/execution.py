"""Carrying out an approved proposal: tasks with assignee and due time, done with evidence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from eventsourcing.domain import event

from services.resolution.domain.case_guards import CaseGuards
from services.resolution.domain.communication import check_text
from services.resolution.domain.errors import Conflicted, Invalid, NotFound, WrongState

if TYPE_CHECKING:
    from services.resolution.domain.proposals import Proposal


@dataclass
class Task:
    """Part of a proposal's execution, given to one person and due at a time."""

    task_id: str
    title: str
    assignee: str
    due_at: datetime
    completed_by: str | None = None
    evidence_ids: list[str] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.completed_by is None

    @staticmethod
    def check_new(title: str, due_at: datetime, at: datetime) -> None:
        """Raise unless the task says what to do and is due in the future."""
        check_text(title)
        if due_at <= at:
            raise Invalid("a task is due in the future")

    def check_completable(self, by: str) -> None:
        """Raise unless the task is open and `by` is its assignee."""
        if self.completed_by is not None:
            raise TaskAlreadyCompleted("{task_id} was completed by {by}", task_id=self.task_id,
                                       by=self.completed_by)
        if by != self.assignee:
            raise NotTheAssignee("{task_id} is assigned to {assignee}", task_id=self.task_id,
                                 assignee=self.assignee)

    def completed(self, *, by: str, evidence_ids: Sequence[str]) -> None:
        self.completed_by, self.evidence_ids = by, list(evidence_ids)


class ExecutionMixin(CaseGuards):
    """Tasks of a proposal and its execution; nothing runs before the proposal is approved."""

    def _init_execution(self) -> None:
        self.executed_proposal_id: str | None = None

    def assign_task(
        self, *, proposal_id: str, task_id: str, title: str, assignee: str, due_at: datetime,
        by: str, at: datetime,
    ) -> None:
        """Give part of the execution to someone, due at a time."""
        self._executable(proposal_id, by)
        if assignee in self.conflicts:
            raise Conflicted(
                "{assignee} is conflicted on this complaint and may not be given a task",
                assignee=assignee, actor=by, proposal_id=proposal_id,
            )
        Task.check_new(title, due_at, at)
        self._task_assigned(
            proposal_id=proposal_id, task_id=task_id, title=title, assignee=assignee,
            due_at=due_at, by=by, at=at,
        )

    def complete_task(
        self, *, proposal_id: str, task_id: str, by: str, evidence_ids: Sequence[str],
        note: str | None, at: datetime,
    ) -> None:
        """The assignee reports the task done, with evidence attached to the case."""
        self._executable(proposal_id, by).task(task_id).check_completable(by)
        self.check_evidence(evidence_ids, required=True)
        self._task_completed(
            proposal_id=proposal_id, task_id=task_id, by=by, evidence_ids=list(evidence_ids),
            note=note, at=at,
        )

    def execute(
        self, *, proposal_id: str, by: str, evidence_ids: Sequence[str], at: datetime
    ) -> None:
        """Record the resolution as carried out; it must be approved and its tasks done."""
        self._executable(proposal_id, by).check_tasks_done()
        self.check_evidence(evidence_ids, required=False)
        self._executed(proposal_id=proposal_id, by=by, evidence_ids=list(evidence_ids), at=at)

    def _executable(self, proposal_id: str, by: str) -> Proposal:
        self.check_may_act(by)
        proposal = self.proposal(proposal_id)
        proposal.check_executable(by)
        return proposal

    @event("TaskAssigned")
    def _task_assigned(
        self, *, proposal_id: str, task_id: str, title: str, assignee: str, due_at: datetime,
        by: str, at: datetime,
    ) -> None:
        self.proposals[proposal_id].tasks[task_id] = Task(task_id, title, assignee, due_at)

    @event("TaskCompleted")
    def _task_completed(
        self, *, proposal_id: str, task_id: str, by: str, evidence_ids: list[str],
        note: str | None, at: datetime,
    ) -> None:
        self.proposals[proposal_id].tasks[task_id].completed(by=by, evidence_ids=evidence_ids)

    @event("ResolutionExecuted")
    def _executed(
        self, *, proposal_id: str, by: str, evidence_ids: list[str], at: datetime
    ) -> None:
        self.proposals[proposal_id].executed()
        self.executed_proposal_id = proposal_id
        self.resolution_notified_at = None


class UnknownTask(NotFound):
    """The proposal has no task with this id."""


class TaskAlreadyCompleted(WrongState):
    """The task is done already."""


class NotTheAssignee(WrongState):
    """Only the assignee completes a task."""


class OpenTasks(WrongState):
    """The proposal still has tasks that are not done."""
