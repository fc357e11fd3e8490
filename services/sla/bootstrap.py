"""The one place the SLA service is wired together from its settings."""

from __future__ import annotations

from fastapi import FastAPI

from contracts.topics import SLA_EVENTS
from runtime import logs
from runtime.eventstore import persistence_env
from runtime.http import create_http_app
from runtime.service import ServiceRuntime
from services.sla import api, handlers, published
from services.sla.application import SlaApplication
from services.sla.config import SlaSettings


def bootstrap(settings: SlaSettings | None = None) -> tuple[FastAPI, ServiceRuntime]:
    """Build the SLA service's HTTP app and runtime; nothing connects until the app starts."""
    settings = settings or SlaSettings()
    logs.configure(settings.service, settings.log_level)
    app = SlaApplication(env=persistence_env(settings.event_store_url))
    runtime = ServiceRuntime(
        settings=settings,
        app=app,
        topic=SLA_EVENTS,
        translate=published.translator(source=settings.source, tenant=settings.tenant),
        subscriptions=handlers.SUBSCRIPTIONS,
    )
    router = api.build_router(app, on_saved=runtime.relay.wake)
    return create_http_app(runtime, title="Complaint SLA", routers=[router]), runtime
