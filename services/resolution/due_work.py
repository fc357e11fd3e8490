"""Work that falls due with time, not with an event: report tasks past their due time
(`resolution.task_deadline_missed.v1`, once per task and due time) and send the survey a while
after the resolution notice. Same mechanism as autoclose.py: a timer on the injected clock
over what the projections know; on the one replica that holds the lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from runtime.background import in_background, in_thread
from runtime.eventstore import IntegrityError
from runtime.lease import Lease
from services.resolution.application import ResolutionApplication
from services.resolution.domain.errors import DomainError
from services.resolution.projections import Projections

log = logging.getLogger(__name__)


@dataclass
class Done:
    """What one tick did: (case id, task id) reported overdue, case ids surveyed."""

    overdue: list[tuple[str, str]] = field(default_factory=list)
    surveyed: list[str] = field(default_factory=list)


class DueWork:
    """Every `interval_s`, report missed task deadlines and issue the surveys due."""

    def __init__(
        self, app: ResolutionApplication, projections: Projections, *, interval_s: float,
        lease: Lease | None = None, on_saved: Callable[[], None] = lambda: None,
    ) -> None:
        self.app = app
        self.projections = projections
        self.interval_s = interval_s
        self.lease = lease
        self.on_saved = on_saved

    def tick(self) -> Done:
        """Do what is due now (a replica without the lease does nothing)."""
        done = Done()
        if self.lease is not None and not self.lease.held():
            return done
        now = self.app.clock()
        for case_id, task_id in self.projections.overdue_unreported(now):
            if self._tried(self.app.record_missed_deadline, case_id=case_id, task_id=task_id):
                done.overdue.append((self._complaint(case_id), task_id))
        for case_id in self.projections.surveys_due(now, self.app.rules.survey_delay):
            if self._tried(self.app.issue_survey_if_due, case_id=case_id):
                done.surveyed.append(self._complaint(case_id))
        if done.overdue or done.surveyed:
            self.on_saved()
        return done

    def _tried(self, use_case: Callable[..., object], **kwargs: object) -> bool:
        try:
            return use_case(**kwargs) is not False
        except (IntegrityError, DomainError):
            # Another replica did it, or the case moved on: nothing to do here.
            log.info("due work skipped for case %s", kwargs.get("case_id"))
            return False

    def _complaint(self, case_id: object) -> str:
        return self.app.repository.get(case_id).complaint_id

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Tick in the background until the service stops; then give the lease up."""
        async with in_background(self._run(), "due-work"):
            yield
        if self.lease is not None:
            self.lease.release()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                done = await in_thread(self.tick)
            except Exception:
                log.exception("due-work tick failed; retrying at the next one")
                continue
            if done.overdue or done.surveyed:
                log.info("reported %d overdue tasks, sent %d surveys", len(done.overdue),
                         len(done.surveyed))
