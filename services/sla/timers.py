"""Durable timers: an index of when each complaint's next alarm is due, and the loop firing them.

The index is persisted (due_table.py, in the event store's database) and follows the
notification log from a tracked position: this replica's saves wake it at once; other
replicas' are seen within `follow_interval_s`. In memory it keeps only the complaints due
within `horizon`, loaded at start and again whenever half of that window has passed, so a
starting replica reads the clocks due soon rather than every clock. The loop sleeps until the
next due instant. Every replica runs the timer: firing is exactly-once because the aggregate
refuses an alarm already recorded: a replica that loses the race gets a version conflict,
reloads, and finds nothing left to fire.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

from eventsourcing.persistence import IntegrityError, Tracking

from services.sla import metrics
from services.sla.application import SlaApplication
from services.sla.domain import ComplaintSla
from services.sla.due_table import DueTable
from services.sla.timesource import TimeSource

log = logging.getLogger(__name__)

TOPIC_PREFIX = f"{ComplaintSla.__module__}:{ComplaintSla.__qualname__}."
BATCH = 500
POSITION = "sla:due-index"
HORIZON = timedelta(minutes=10)


class DueIndex:
    """When each complaint's next alarm is due: all of them in the table, the ones due within
    the horizon in memory."""

    def __init__(self, app: SlaApplication, table: DueTable | None = None,
                 horizon: timedelta = HORIZON) -> None:
        self.app = app
        self.table = table or DueTable.of(app.env)
        self.horizon = horizon
        self.position = app.process_recorder.max_tracking_id(POSITION) or 0
        self.window_end: datetime | None = None
        self._due: dict[uuid.UUID, datetime | None] = {}
        self._lock = threading.Lock()

    def follow(self) -> int:
        """Read the notification log past the last position; reload the complaints it names."""
        changed: set[uuid.UUID] = set()
        start = self.position
        while True:
            batch = self.app.recorder.select_notifications(
                self.position, BATCH, inclusive_of_start=False
            )
            if not batch:
                break
            changed |= {n.originator_id for n in batch if n.topic.startswith(TOPIC_PREFIX)}
            self.position = batch[-1].id
        self.update(*(self.app.repository.get(sla_id) for sla_id in changed))
        if self.position > start:
            # Another replica's index may have recorded this far or further.
            with contextlib.suppress(IntegrityError):
                self.app.process_recorder.insert_tracking(Tracking(POSITION, self.position))
        return len(changed)

    def sweep(self, now: datetime) -> None:
        """Load the complaints due within the horizon once half of the window has passed."""
        if self.window_end is not None and now + self.horizon / 2 < self.window_end:
            return
        window_end = now + self.horizon
        due = dict(self.table.due_by(window_end))
        with self._lock:
            self._due, self.window_end = due, window_end

    def update(self, *slas: ComplaintSla) -> None:
        """Take complaints' current clocks into the index."""
        states = []
        for sla in slas:
            live = [c for c in sla.clocks.values() if c.live]
            states.append((sla.id, sla.version, sla.next_due() if live else None,
                           [(c.severity, c.target, c.status.value, c.deadline_at) for c in live]))
        if not states:
            return
        self.table.upsert(states)
        with self._lock:
            for sla_id, _, due, _ in states:
                if due is not None and self.window_end is not None and due <= self.window_end:
                    self._due[sla_id] = due
                else:
                    self._due.pop(sla_id, None)

    def due(self, now: datetime) -> list[uuid.UUID]:
        with self._lock:
            return [sla_id for sla_id, at in self._due.items() if at is not None and at <= now]

    def next_due(self) -> datetime | None:
        with self._lock:
            return min((at for at in self._due.values() if at is not None), default=None)

    def clocks(self) -> Iterator[metrics.ClockSummary]:
        return self.table.clocks()


class DeadlineTimer:
    """Fires every alarm when it falls due, after a restart too."""

    def __init__(self, app: SlaApplication, index: DueIndex, time: TimeSource,
                 follow_interval_s: float = 2.0) -> None:
        self.app = app
        self.index = index
        self.time = time
        self.follow_interval_s = follow_interval_s
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._passes: list[tuple[datetime, int, asyncio.Future[None]]] = []
        self.healthy = True

    def wake(self) -> None:
        """Look again now (something was saved); safe to call from any thread."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def settled(self, instant: datetime) -> None:
        """Return once a pass at `instant` or later has fired everything due and seen every
        event stored before this call (the test hook waits on this)."""
        stored = self.app.recorder.max_notification_id() or 0
        done = asyncio.get_running_loop().create_future()
        self._passes.append((instant, stored, done))
        self._wake.set()
        await done

    async def run(self) -> None:
        """Fire due alarms until cancelled."""
        self._loop = asyncio.get_running_loop()
        while True:  # the first pass rebuilds the index from the store
            self._wake.clear()
            try:
                now = await self._pass()
                self.healthy = True
            except Exception:
                self.healthy = False
                metrics.TIMER_ERRORS.inc()
                log.exception("deadline timer pass failed")
                await asyncio.sleep(1)
                continue
            self._release(now)
            await self.time.sleep_until(self.index.next_due(), self._wake, self.follow_interval_s)

    async def _pass(self) -> datetime:
        now = self.time.now()
        await asyncio.to_thread(self.index.sweep, now)
        for round_ in range(2):  # the second round fires what following the log found due
            for sla_id in self.index.due(now):
                sla, fired = await asyncio.to_thread(self.app.fire_due, sla_id)
                await asyncio.to_thread(self.index.update, sla)
                if fired:
                    log.info("alarms fired", extra={
                        "complaint_id": sla.complaint_id,
                        "alarms": [f"{key}:{alarm}" for key, alarm in fired],
                    })
            if round_ == 0:
                await asyncio.to_thread(self.index.follow)
        return now

    def _release(self, now: datetime) -> None:
        waiting = []
        for instant, stored, done in self._passes:
            if instant <= now and stored <= self.index.position:
                if not done.done():
                    done.set_result(None)
            else:
                waiting.append((instant, stored, done))
        self._passes = waiting
