"""The one place resolution is wired together from its settings."""

from __future__ import annotations

from fastapi import FastAPI

from contracts.topics import RESOLUTION_EVENTS
from runtime import logs
from runtime.eventstore import persistence_env
from runtime.http import create_http_app
from runtime.service import ServiceRuntime
from services.resolution import api, handlers, published
from services.resolution.application import ResolutionApplication
from services.resolution.config import ResolutionSettings


def bootstrap(settings: ResolutionSettings | None = None) -> tuple[FastAPI, ServiceRuntime]:
    """Build resolution's HTTP app and runtime; nothing connects until the app starts."""
    settings = settings or ResolutionSettings()
    logs.configure(settings.service, settings.log_level)
    app = ResolutionApplication(env=persistence_env(settings.event_store_url))
    runtime = ServiceRuntime(
        settings=settings,
        app=app,
        topic=RESOLUTION_EVENTS,
        translate=published.translator(source=settings.source, tenant=settings.tenant),
        subscriptions=handlers.SUBSCRIPTIONS,
    )
    router = api.build_router(app, on_saved=runtime.relay.wake)
    return create_http_app(runtime, title="Complaint resolution", routers=[router]), runtime
