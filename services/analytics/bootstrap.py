"""The one place analytics is wired together from its settings."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from contracts.topics import ANALYTICS_EVENTS, DOMAIN_TOPICS
from runtime import logs, tracing
from runtime.background import in_thread
from runtime.bus import build_producer
from runtime.deadletters import DeadLetters
from runtime.http import create_http_app
from runtime.lag import LagMonitor
from runtime.lease import lease_for
from runtime.positioned_stream import BatchLoop, positioned_consumer, watch_lag
from services.analytics import api
from services.analytics.actions import CorrectiveActions
from services.analytics.alerts import SpikeWatcher
from services.analytics.application import AnalyticsApplication
from services.analytics.config import AnalyticsSettings
from services.analytics.domain import Pseudonyms
from services.analytics.handlers import ProjectionConsumer
from services.analytics.reports import Reports
from services.analytics.snapshot import keep_current
from services.analytics.spikes import SpikeRule
from services.analytics.state_tables import OutdatedLayout
from services.analytics.store import ClickHouseStore, build_store

log = logging.getLogger(__name__)


@dataclass
class AnalyticsRuntime:
    """The store, the producer, the projection loop, the lag monitor, the snapshot refresher
    and the spike watcher: a runtime.service.Runtime.

    Analytics is a projection and has no event store to relay; its outbox of spike alerts
    lives in ClickHouse (alerts.py). It consumes with the runtime's batch subscription that
    starts from positions stored beside the data (runtime.positioned_stream).
    """

    settings: AnalyticsSettings
    store: ClickHouseStore
    app: AnalyticsApplication
    loop: BatchLoop
    lag: LagMonitor
    watcher: SpikeWatcher
    dead_letters: DeadLetters
    started: bool = False
    tasks: list[asyncio.Task] = field(default_factory=list)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Open the store, start producer, consumer and tasks; stop them in reverse order."""
        await in_thread(self.open_store)
        producer = self.dead_letters.producer = build_producer(self.settings)
        await producer.start()
        consumer = positioned_consumer(
            self.settings, self.settings.consumer_group, self.app.positions
        )
        await consumer.start()
        self.tasks = [
            asyncio.create_task(
                self.loop.run(consumer, self.app.positions), name="analytics-projection"
            ),
            asyncio.create_task(watch_lag(
                consumer, self.lag, self.app.positions, self.settings.consumer_lag_interval_s
            ), name="analytics-lag"),
            asyncio.create_task(
                keep_current(self.app.snapshot, self.settings.snapshot_refresh_s, lease_for(
                    service=self.settings.service, task="snapshot-refresh",
                    database_url=self.settings.database_url, data_dir=self.settings.data_dir)),
                name="analytics-snapshot",
            ),
            asyncio.create_task(self.watcher.run(
                alert_sender(producer), self.settings.spike_check_interval_s
            ), name="analytics-spikes"),
        ]
        self.started = True
        try:
            yield
        finally:
            self.started = False
            for task in self.tasks:
                task.cancel()
            for task in self.tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await consumer.stop()
            await producer.stop()
            self.store.close()

    def open_store(self) -> None:
        """Open the store. Tables of an earlier layout: in this process's own chDB, replay the
        topics into new ones (the projection is derived data; corrective actions and alerts
        are kept); on a server other replicas may be writing, so refuse and leave the rebuild
        to people."""
        try:
            self.store.open()
        except OutdatedLayout:
            if self.settings.clickhouse_url:
                raise
            log.warning("projection tables predate this version: replaying the topics anew")
            self.app.reset()

    def readiness(self) -> dict[str, bool]:
        """Checks that decide whether this replica should receive traffic."""
        projecting = bool(self.tasks) and not self.tasks[0].done()
        return {
            "started": self.started and projecting,
            "clickhouse": self.store.ping(),
            "consuming": not self.lag.stalled,
        }


def alert_sender(producer: AIOKafkaProducer):
    """Sends an alert on analytics.events.v1 and waits for the broker's ack."""

    async def send(key: bytes, value: bytes) -> object:
        return await producer.send_and_wait(ANALYTICS_EVENTS.name, value=value, key=key,
                                             headers=tracing.kafka_headers())

    return send


def spike_rule(settings: AnalyticsSettings) -> SpikeRule:
    """The spike rule the settings describe."""
    return SpikeRule(
        baseline_windows=settings.spike_baseline_windows,
        margin_ratio=settings.spike_margin_ratio,
        margin_sigma=settings.spike_margin_sigma,
        min_margin=settings.spike_min_margin,
    )


def projection(settings: AnalyticsSettings) -> tuple[ClickHouseStore, AnalyticsApplication,
                                                     BatchLoop, DeadLetters, LagMonitor]:
    """The projection's parts, shared by the service and the rebuild command."""
    store = build_store(settings)
    app = AnalyticsApplication(store, Pseudonyms(settings.customer_pseudonym_key))
    dead_letters = DeadLetters(producer=None, service=settings.service)
    handler = ProjectionConsumer(
        project=app.project, record_positions=app.record_positions, dead_letters=dead_letters,
        store_answers=store.ping,
        service=settings.service, max_attempts=settings.consumer_max_attempts,
        backoff_s=settings.consumer_retry_backoff_s,
    )
    lag = LagMonitor(
        service=settings.service, topics=[t.name for t in DOMAIN_TOPICS],
        stall_after_s=settings.consumer_stall_after_s,
    )
    loop = BatchLoop(
        handler=handler, lag=lag, batch_size=settings.projection_batch_size,
        flush_interval_s=settings.projection_flush_ms / 1000,
    )
    return store, app, loop, dead_letters, lag


def bootstrap(settings: AnalyticsSettings | None = None) -> tuple[FastAPI, AnalyticsRuntime]:
    """Build analytics' HTTP app and runtime; nothing connects until the app starts."""
    settings = settings or AnalyticsSettings()
    logs.configure(settings.service, settings.log_level)
    store, app, loop, dead_letters, lag = projection(settings)
    watcher = SpikeWatcher(
        store, rule=spike_rule(settings), window_s=settings.spike_window_s,
        source=settings.source,
    )
    runtime = AnalyticsRuntime(
        settings=settings, store=store, app=app, loop=loop, lag=lag, watcher=watcher,
        dead_letters=dead_letters,
    )
    api_app = create_http_app(
        runtime,
        title="Complaint analytics",
        routers=[
            api.build_router(app, Reports(store)),
            api.build_actions_router(CorrectiveActions(store)),
            api.build_spikes_router(store),
        ],
    )
    return api_app, runtime
