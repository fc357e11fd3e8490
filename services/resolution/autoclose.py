"""Closes resolved cases whose customer stayed silent: a timer on an injected clock.

Answering the survey closes a case at once (event-driven, in the application); silence has
no event, so this looks at the cases the projections know to be quiet, every interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

from runtime.background import in_background, in_thread
from runtime.eventstore import IntegrityError
from services.resolution.application import ResolutionApplication
from services.resolution.domain.errors import DomainError
from services.resolution.projections import Projections

log = logging.getLogger(__name__)


class AutoCloser:
    """Every `interval_s`, close the quiet cases whose silence lasted `silence`."""

    def __init__(
        self, app: ResolutionApplication, projections: Projections, *, silence: timedelta,
        interval_s: float, on_saved: Callable[[], None] = lambda: None,
    ) -> None:
        self.app = app
        self.on_saved = on_saved
        self.projections = projections
        self.silence = silence
        self.interval_s = interval_s

    def tick(self) -> list[str]:
        """Close what is due now; the complaint ids closed."""
        self.projections.catch_up()
        now = self.app.clock()
        due = [case_id for case_id, since in list(self.projections.stats.quiet_since.items())
               if now - since >= self.silence]
        closed = []
        for case_id in due:
            try:
                if self.app.close_if_silent(case_id=case_id, silence=self.silence):
                    closed.append(self.app.repository.get(case_id).complaint_id)
            except (IntegrityError, DomainError):
                # Another replica closed it, or the case moved on: nothing to do here.
                log.info("case %s was not closed for silence", case_id)
        if closed:
            self.on_saved()
        return closed

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Rebuild the projections, then tick in the background until the service stops."""
        await in_thread(self.projections.catch_up)
        async with in_background(self._run(), "auto-close"):
            yield

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                closed = await in_thread(self.tick)
            except Exception:
                log.exception("auto-close tick failed; retrying at the next one")
                continue
            if closed:
                log.info("closed %d silent cases", len(closed))
