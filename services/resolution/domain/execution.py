"""Carrying out an approved proposal: tasks with assignee and due time, done with evidence."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from eventsourcing.domain import Aggregate, event

from services.resolution.domain.communication import check_text
from services.resolution.domain.errors import Conflicted, Invalid, NotFound, WrongState
from services.resolution.domain.proposals import ProposalStatus, Task


class ExecutionMixin(Aggregate):
    """Tasks of a proposal and its execution; nothing runs before the proposal is approved."""

    def _init_execution(self) -> None:
        self.executed_proposal_id: str | None = None

    def assign_task(
        self, *, proposal_id: str, task_id: str, title: str, assignee: str, due_at: datetime,
        by: str, at: datetime,
    ) -> None:
        """Give part of the execution to someone, due at a time."""
        self.check_may_handle(by)
        self.check_open()
        proposal = self.proposal(proposal_id)
        proposal.check_executable(by)
        if assignee in self.conflicts:
            raise Conflicted(
                "{assignee} is conflicted on this complaint and may not be given a task",
                assignee=assignee,
                actor=by, proposal_id=proposal_id,
            )
        check_text(title)
        if due_at <= at:
            raise Invalid("a task is due in the future")
        self._task_assigned(
            proposal_id=proposal_id, task_id=task_id, title=title, assignee=assignee,
            due_at=due_at, by=by, at=at,
        )

    def complete_task(
        self, *, proposal_id: str, task_id: str, by: str, evidence_ids: Sequence[str],
        note: str | None, at: datetime,
    ) -> None:
        """The assignee reports the task done, with evidence attached to the case."""
        self.check_may_handle(by)
        self.check_open()
        proposal = self.proposal(proposal_id)
        proposal.check_executable(by)
        task = proposal.tasks.get(task_id)
        if task is None:
            raise UnknownTask("no task {task_id!r} in proposal {proposal_id}", task_id=task_id,
                              proposal_id=proposal_id)
        if task.completed_by is not None:
            raise TaskAlreadyCompleted("{task_id} was completed by {by}", task_id=task_id,
                                       by=task.completed_by)
        if by != task.assignee:
            raise NotTheAssignee("{task_id} is assigned to {assignee}", task_id=task_id,
                                 assignee=task.assignee)
        self.check_evidence(evidence_ids, required=True)
        self._task_completed(
            proposal_id=proposal_id, task_id=task_id, by=by, evidence_ids=list(evidence_ids),
            note=note, at=at,
        )

    def execute(
        self, *, proposal_id: str, by: str, evidence_ids: Sequence[str], at: datetime
    ) -> None:
        """Record the resolution as carried out; it must be approved and its tasks done."""
        self.check_may_handle(by)
        self.check_open()
        proposal = self.proposal(proposal_id)
        proposal.check_executable(by)
        open_tasks = sorted(t.task_id for t in proposal.tasks.values() if t.completed_by is None)
        if open_tasks:
            raise OpenTasks("tasks not completed yet: {tasks}", tasks=", ".join(open_tasks))
        self.check_evidence(evidence_ids, required=False)
        self._executed(proposal_id=proposal_id, by=by, evidence_ids=list(evidence_ids), at=at)

    @event("TaskAssigned")
    def _task_assigned(
        self, *, proposal_id: str, task_id: str, title: str, assignee: str, due_at: datetime,
        by: str, at: datetime,
    ) -> None:
        self.proposals[proposal_id].tasks[task_id] = Task(
            task_id=task_id, title=title, assignee=assignee, due_at=due_at
        )

    @event("TaskCompleted")
    def _task_completed(
        self, *, proposal_id: str, task_id: str, by: str, evidence_ids: list[str],
        note: str | None, at: datetime,
    ) -> None:
        task = self.proposals[proposal_id].tasks[task_id]
        task.completed_by = by
        task.evidence_ids = list(evidence_ids)

    @event("ResolutionExecuted")
    def _executed(
        self, *, proposal_id: str, by: str, evidence_ids: list[str], at: datetime
    ) -> None:
        self.proposals[proposal_id].status = ProposalStatus.EXECUTED
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
