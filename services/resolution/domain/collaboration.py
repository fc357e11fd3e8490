"""Collaboration tasks: dispatch asked another department to help with part of a complaint
(complaint.collaborator_added.v1); that department's agents, or the case's owner, report it done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from eventsourcing.domain import event

from services.resolution.domain.case_guards import CaseGuards
from services.resolution.domain.errors import NotFound, WrongState, find


@dataclass
class Collaboration:
    task_id: str
    department: str
    task: str
    requested_by: str
    due_at: datetime | None  # None: dispatch named no due time
    completed_by: str | None = None
    completed_at: datetime | None = None

    def check_not_done(self) -> None:
        """Raise CollaborationDone once the task was reported done."""
        if self.completed_by is not None:
            raise CollaborationDone("{task_id} was completed by {by}", task_id=self.task_id,
                                    by=self.completed_by)

    def completed(self, *, by: str, at: datetime) -> None:
        self.completed_by, self.completed_at = by, at


class CollaborationMixin(CaseGuards):
    """Collaboration tasks of other departments on this case."""

    def _init_collaboration(self) -> None:
        self.collaborations: dict[str, Collaboration] = {}

    def open_collaborations(self) -> list[Collaboration]:
        """Collaboration tasks not done yet (none once the case is closed)."""
        if self.is_closed:
            return []
        return [c for c in self.collaborations.values() if c.completed_by is None]

    def request_collaboration(
        self, *, task_id: str, department: str, task: str, requested_by: str,
        due_at: datetime | None, at: datetime,
    ) -> bool:
        """Record the department's task; False if this request was recorded already."""
        if task_id in self.collaborations:
            return False
        self._collaboration_requested(task_id=task_id, department=department, task=task,
                                      requested_by=requested_by, due_at=due_at, at=at)
        return True

    def complete_collaboration(self, *, task_id: str, by: str, at: datetime) -> None:
        """Report the collaboration task done (who may is decided by the caller's department,
        at the API; a conflicted person may not)."""
        self.check_may_act(by)
        collaboration = self.collaboration(task_id)
        collaboration.check_not_done()
        self._collaboration_completed(task_id=task_id, department=collaboration.department,
                                      by=by, at=at)

    def collaboration(self, task_id: str) -> Collaboration:
        """The collaboration task with this id (NoSuchCollaboration)."""
        return find(self.collaborations, task_id, NoSuchCollaboration,
                    "no collaboration task {task_id}", task_id=task_id)

    @event("CollaborationRequested")
    def _collaboration_requested(
        self, *, task_id: str, department: str, task: str, requested_by: str,
        due_at: datetime | None, at: datetime,
    ) -> None:
        self.collaborations[task_id] = Collaboration(task_id, department, task, requested_by,
                                                     due_at)

    @event("CollaborationCompleted")
    def _collaboration_completed(
        self, *, task_id: str, department: str, by: str, at: datetime
    ) -> None:
        self.collaborations[task_id].completed(by=by, at=at)


class NoSuchCollaboration(NotFound):
    """The case has no collaboration task with this id."""


class CollaborationDone(WrongState):
    """The collaboration task was completed already."""
