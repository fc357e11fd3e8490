"""The one place dispatch is wired together from its settings."""

from __future__ import annotations

from fastapi import FastAPI

from contracts.topics import DISPATCH_EVENTS
from runtime import logs
from runtime.eventstore import persistence_env
from runtime.http import create_http_app
from runtime.service import ServiceRuntime
from services.dispatch import api, handlers, published
from services.dispatch.application import DispatchApplication
from services.dispatch.config import DispatchSettings


def bootstrap(settings: DispatchSettings | None = None) -> tuple[FastAPI, ServiceRuntime]:
    """Build dispatch's HTTP app and runtime; nothing connects until the app starts."""
    settings = settings or DispatchSettings()
    logs.configure(settings.service, settings.log_level)
    app = DispatchApplication(env=persistence_env(settings.event_store_url))
    runtime = ServiceRuntime(
        settings=settings,
        app=app,
        topic=DISPATCH_EVENTS,
        translate=published.translator(source=settings.source, tenant=settings.tenant),
        subscriptions=handlers.SUBSCRIPTIONS,
    )
    router = api.build_router(app, on_saved=runtime.relay.wake)
    return create_http_app(runtime, title="Complaint dispatch", routers=[router]), runtime
