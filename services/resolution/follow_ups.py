"""Use cases of what follows a resolution by itself or by the customer (part of
ResolutionApplication): the survey sent after the resolution notice, the follow-up (回访) of a
low score, collaboration tasks other departments are asked to do, and tasks reported
overdue."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from contracts.intake import Channel
from runtime.eventstore import Cause
from services.resolution.domain import Case
from services.resolution.domain.communication import SYSTEM
from services.resolution.domain.feedback import token_hash


class FollowUpUseCases:
    """Issue due surveys, complete follow-ups, report missed deadlines."""

    repository: Any
    rules: Any
    clock: Callable[[], datetime]
    save: Callable[..., Any]  # the application's (a stub here would shadow it in the MRO)

    def issue_survey(self, *, complaint_id: str, channel: Channel, by: str) -> Any:
        raise NotImplementedError

    def survey_case(self, token: str) -> Case:
        raise NotImplementedError

    def issue_survey_if_due(self, *, case_id: uuid.UUID) -> bool:
        """Send the survey `survey_delay` after the resolution notice, on the notice's channel,
        unless one went out since; True if sent."""
        case = self.repository.get(case_id)
        if not case.survey_due(at=self.clock(), delay=self.rules.survey_delay):
            return False
        told = [n for n in case.notifications if n["kind"] == "resolution"][-1]
        self.issue_survey(complaint_id=case.complaint_id, channel=Channel(told["channel"]),
                          by=SYSTEM)
        return True

    def complete_follow_up(self, *, complaint_id: str, task_id: str, by: str,
                           note: str | None) -> None:
        """Staff did the follow-up; a case with nothing else missing then closes."""
        case = self.repository.get(Case.create_id(complaint_id))
        now = self.clock()
        case.complete_follow_up(task_id=task_id, by=by, note=note, at=now)
        self._close_if_ready(case, now)

    def accept_outcome(self, *, token: str) -> None:
        """The customer, by their survey's link, accepts the outcome after a low score."""
        case = self.survey_case(token)
        now = self.clock()
        case.accept_outcome(survey_id=case.survey_by_hash(token_hash(token)).survey_id, at=now)
        self._close_if_ready(case, now)

    def record_collaboration(
        self, *, complaint_id: str, task_id: str, department: str, task: str,
        requested_by: str, due_at: datetime | None, cause: Cause,
    ) -> None:
        """Dispatch asked a department to help: record its task on the case, once."""
        case = self.repository.get(Case.create_id(complaint_id))
        case.request_collaboration(task_id=task_id, department=department, task=task,
                                   requested_by=requested_by, due_at=due_at, at=self.clock())
        self.save(case, cause=cause)  # records the event as processed even when repeated

    def complete_collaboration(self, *, complaint_id: str, task_id: str, by: str) -> None:
        """The collaborating department (or the owner) reports its task done."""
        case = self.repository.get(Case.create_id(complaint_id))
        case.complete_collaboration(task_id=task_id, by=by, at=self.clock())
        self.save(case)

    def record_missed_deadline(self, *, case_id: uuid.UUID, task_id: str) -> None:
        """Report an open task past its due time (once per due time)."""
        case = self.repository.get(case_id)
        case.record_missed_deadline(task_id=task_id, at=self.clock())
        self.save(case)

    def _close_if_ready(self, case: Case, now: datetime) -> None:
        if case.may_close_automatically():
            case.close_automatically(at=now)
        self.save(case)
