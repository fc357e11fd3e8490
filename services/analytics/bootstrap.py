"""The one place analytics is wired together from its settings."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import faust
from fastapi import FastAPI
from faust.contrib.asgi import faust_app_running

from runtime import logs
from runtime.bus import build_faust_app, build_producer
from runtime.deadletters import DeadLetters
from runtime.http import create_http_app
from services.analytics import api
from services.analytics.application import AnalyticsApplication
from services.analytics.config import AnalyticsSettings
from services.analytics.handlers import ProjectionConsumer
from services.analytics.store import ClickHouseStore, build_store


@dataclass
class AnalyticsRuntime:
    """The store, the dead-letter producer and the projection agent, started together.

    It offers what runtime.http.create_http_app uses of a ServiceRuntime (`running`,
    `readiness`): analytics is a projection and has no event store or outbox to relay.
    """

    settings: AnalyticsSettings
    store: ClickHouseStore
    faust_app: faust.App
    dead_letters: DeadLetters
    started: bool = False

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Open the store, start the producer and the agent; stop them in reverse order."""
        await asyncio.to_thread(self.store.open)
        producer = self.dead_letters.producer = build_producer(self.settings)
        await producer.start()
        try:
            async with faust_app_running(self.faust_app, stop_timeout=10):
                self.started = True
                yield
        finally:
            self.started = False
            await producer.stop()
            self.store.close()

    def readiness(self) -> dict[str, bool]:
        """Checks that decide whether this replica should receive traffic."""
        return {"started": self.started, "clickhouse": self.store.ping()}


def bootstrap(settings: AnalyticsSettings | None = None) -> tuple[FastAPI, AnalyticsRuntime]:
    """Build analytics' HTTP app and runtime; nothing connects until the app starts."""
    settings = settings or AnalyticsSettings()
    logs.configure(settings.service, settings.log_level)
    store = build_store(settings)
    app = AnalyticsApplication(store)
    dead_letters = DeadLetters(producer=None, service=settings.service)
    faust_app = build_faust_app(settings)
    ProjectionConsumer(
        project=app.project, dead_letters=dead_letters, service=settings.service,
        batch_size=settings.projection_batch_size,
        flush_interval_s=settings.projection_flush_ms / 1000,
        max_attempts=settings.consumer_max_attempts,
        backoff_s=settings.consumer_retry_backoff_s,
    ).attach(faust_app)
    runtime = AnalyticsRuntime(
        settings=settings, store=store, faust_app=faust_app, dead_letters=dead_letters
    )
    api_app = create_http_app(
        runtime,  # type: ignore[arg-type]  # duck-typed: see AnalyticsRuntime
        title="Complaint analytics", routers=[api.build_router(app)],
    )
    return api_app, runtime
