"""Follow-ups (回访) after a low survey score, and tasks that miss their due time.

A low score does not close the case: it opens a follow-up for the case's owner, and the case
closes only when the follow-up is done or the customer accepts the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from eventsourcing.domain import event

from services.resolution.domain.case_guards import CaseGuards
from services.resolution.domain.communication import check_text
from services.resolution.domain.errors import NotFound, WrongState, find

CUSTOMER = "customer"
DONE, CUSTOMER_ACCEPTED = "done", "customer_accepted"


@dataclass(frozen=True)
class LowScore:
    """Which answers are low: CSAT at most `csat_max`, or NPS at most `nps_max`."""

    csat_max: int = 2
    nps_max: int = 6

    def is_low(self, csat: int, nps: int | None) -> bool:
        return csat <= self.csat_max or (nps is not None and nps <= self.nps_max)


@dataclass
class FollowUp:
    task_id: str
    survey_id: str
    assignee: str | None
    owner_queue: str | None
    due_at: datetime
    completed_at: datetime | None = None
    outcome: str | None = None


class FollowUpMixin(CaseGuards):
    """Follow-ups of low scores, and which task deadlines were reported missed."""

    def _init_follow_up(self) -> None:
        self.follow_ups: dict[str, FollowUp] = {}
        self.missed_deadlines: set[tuple[str, datetime]] = set()

    @property
    def open_follow_up(self) -> FollowUp | None:
        """The follow-up still to be done, if any."""
        return next((f for f in self.follow_ups.values() if f.completed_at is None), None)

    def follow_up_if_low(
        self, *, survey_id: str, csat: int, nps: int | None, low: LowScore, task_id: str,
        due_in: timedelta, at: datetime,
    ) -> bool:
        """Open a follow-up for the owner when the answer is low; True if one was opened."""
        if not low.is_low(csat, nps) or self.open_follow_up is not None:
            return False
        self._follow_up_opened(
            task_id=task_id, survey_id=survey_id, assignee=self.owner_agent_id or self.handler,
            owner_queue=self.owner_queue, due_at=at + due_in, at=at,
        )
        return True

    def complete_follow_up(self, *, task_id: str, by: str, note: str | None,
                           at: datetime) -> None:
        """Staff report the follow-up done (its assignee, or anyone of the queue if none)."""
        self.check_may_handle(by)
        follow_up = self._pending_follow_up(task_id)
        if follow_up.assignee is not None and by != follow_up.assignee:
            raise NotTheFollowUpAssignee("{task_id} is assigned to {assignee}", task_id=task_id,
                                         assignee=follow_up.assignee)
        if note is not None:
            check_text(note)
        self._follow_up_completed(task_id=task_id, outcome=DONE, by=by, note=note, at=at)

    def accept_outcome(self, *, survey_id: str, at: datetime) -> None:
        """The customer accepts the outcome after all: the follow-up of their answer ends."""
        follow_up = self.open_follow_up
        if follow_up is None or follow_up.survey_id != survey_id:
            raise NoFollowUp("no follow-up is open for this survey")
        self._follow_up_completed(task_id=follow_up.task_id, outcome=CUSTOMER_ACCEPTED,
                                  by=CUSTOMER, note=None, at=at)

    def record_missed_deadline(self, *, task_id: str, at: datetime) -> None:
        """Report a task undone at its due time; once per task and due time."""
        task = self.due_task(task_id)
        if task is None:
            raise NoSuchOpenTask("no open task {task_id}", task_id=task_id)
        proposal_id, assignee, due_at = task
        if at < due_at:
            raise NotOverdue("{task_id} is due at {due_at}", task_id=task_id, due_at=due_at)
        if (task_id, due_at) in self.missed_deadlines:
            raise AlreadyReported("{task_id} was reported overdue already", task_id=task_id)
        self._deadline_missed(task_id=task_id, proposal_id=proposal_id, assignee=assignee,
                              due_at=due_at, at=at)

    def due_task(self, task_id: str) -> tuple[str | None, str | None, datetime] | None:
        """(proposal id, assignee, due time) of an open task, follow-up or collaboration task
        with a due time, None otherwise."""
        if self.is_closed:
            return None
        for proposal in self.proposals.values():
            task = proposal.tasks.get(task_id)
            if task is not None and task.is_open:
                return proposal.proposal_id, task.assignee, task.due_at
        follow_up = self.follow_ups.get(task_id)
        if follow_up is not None and follow_up.completed_at is None:
            return None, follow_up.assignee, follow_up.due_at
        collaboration = self.collaborations.get(task_id)
        if collaboration and collaboration.completed_by is None and collaboration.due_at:
            return None, None, collaboration.due_at  # the department's, no one person's
        return None

    def _pending_follow_up(self, task_id: str) -> FollowUp:
        follow_up = find(self.follow_ups, task_id, NoFollowUp, "no follow-up {task_id}",
                         task_id=task_id)
        if follow_up.completed_at is not None:
            raise FollowUpDone("{task_id} was completed already", task_id=task_id)
        return follow_up

    @event("FollowUpOpened")
    def _follow_up_opened(
        self, *, task_id: str, survey_id: str, assignee: str | None, owner_queue: str | None,
        due_at: datetime, at: datetime,
    ) -> None:
        self.follow_ups[task_id] = FollowUp(task_id, survey_id, assignee, owner_queue, due_at)

    @event("FollowUpCompleted")
    def _follow_up_completed(
        self, *, task_id: str, outcome: str, by: str, note: str | None, at: datetime
    ) -> None:
        follow_up = self.follow_ups[task_id]
        follow_up.completed_at, follow_up.outcome = at, outcome

    @event("DeadlineMissed")
    def _deadline_missed(
        self, *, task_id: str, proposal_id: str | None, assignee: str | None, due_at: datetime,
        at: datetime,
    ) -> None:
        self.missed_deadlines.add((task_id, due_at))


class NoFollowUp(NotFound):
    """There is no such follow-up, or none open for the survey."""


class NoSuchOpenTask(NotFound):
    """No open task or follow-up has this id."""


class FollowUpDone(WrongState):
    """The follow-up was completed already."""


class NotTheFollowUpAssignee(WrongState):
    """Only the follow-up's assignee completes it."""


class FollowUpOpen(WrongState):
    """A follow-up of a low score is still open."""


class NotOverdue(WrongState):
    """The task is not due yet."""


class AlreadyReported(WrongState):
    """The task's missed deadline was reported already."""
