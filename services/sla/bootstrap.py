"""The one place the SLA service is wired together from its settings."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import FastAPI

from contracts.topics import SLA_EVENTS
from runtime import logs
from runtime.background import in_background
from runtime.eventstore import persistence_env
from runtime.http import create_http_app
from runtime.service import ServiceRuntime
from services.sla import api, coverage, handlers, metrics, published, testhook
from services.sla.application import SlaApplication
from services.sla.catalog import Catalog, read_documents
from services.sla.config import SlaSettings
from services.sla.timers import DeadlineTimer, DueIndex
from services.sla.timesource import ManualClock, SystemClock, TimeSource


@dataclass(frozen=True)
class Wiring:
    """The SLA parts tests reach into when they run the service in-process."""

    app: SlaApplication
    timer: DeadlineTimer
    index: DueIndex
    time: TimeSource


def bootstrap(settings: SlaSettings | None = None) -> tuple[FastAPI, ServiceRuntime]:
    """Build the SLA service's HTTP app and runtime; the timer starts with the app."""
    settings = settings or SlaSettings()
    logs.configure(settings.service, settings.log_level)
    time: TimeSource = (
        ManualClock(settings.sla_test_clock_start or datetime.now(UTC))
        if settings.sla_test_clock else SystemClock()
    )
    app = SlaApplication(env=persistence_env(settings.event_store_url), catalog=Catalog(),
                         time=time, source=settings.source)

    def reload() -> list[str]:
        documents = read_documents(settings.sla_policy_file, [settings.sla_calendar_dir],
                                   settings.sla_tenants_file, settings.sla_policy_dir)
        recorded = app.put_in_force(documents)
        metrics.show_coverage(coverage.coverage_by_calendar(app.catalog))
        return [f"{d.kind}:{d.doc_id}@{d.version}" for d in recorded]

    reload()
    runtime = ServiceRuntime.publishing(
        settings=settings, app=app, topic=SLA_EVENTS, translator=published.translator,
        subscriptions=handlers.SUBSCRIPTIONS,
    )
    runtime.advisories.append(lambda: coverage.coverage_warnings(app.catalog, time.now()))
    index = DueIndex(app)
    timer = DeadlineTimer(app, index, time, settings.sla_follow_interval_s)
    app.listeners += [runtime.relay.wake, timer.wake]
    metrics.watch(index.clocks, time.now)
    routers = [api.build_router(app, on_saved=runtime.relay.wake, reload=reload,
                                tenant=settings.tenant)]
    if isinstance(time, ManualClock):
        routers.append(testhook.build_router(time, timer))

    def timers() -> contextlib.AbstractAsyncContextManager:
        return in_background(timer.run(), "sla-deadline-timer")

    http = create_http_app(runtime, title="Complaint SLA", routers=routers, extra_lifespan=timers)
    http.state.sla = Wiring(app=app, timer=timer, index=index, time=time)
    return http, runtime
