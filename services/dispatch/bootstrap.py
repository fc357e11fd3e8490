"""The one place dispatch is wired together from its settings."""

from __future__ import annotations

from fastapi import FastAPI

from contracts.topics import DISPATCH_EVENTS
from runtime import logs
from runtime.eventstore import persistence_env
from runtime.http import create_http_app
from runtime.service import ServiceRuntime
from services.dispatch import api, api_operations, handlers, published
from services.dispatch.application import DispatchApplication
from services.dispatch.config import DispatchSettings
from services.dispatch.tenancy import load_tenancy


def bootstrap(settings: DispatchSettings | None = None) -> tuple[FastAPI, ServiceRuntime]:
    """Build dispatch's HTTP app and runtime; nothing connects until the app starts."""
    settings = settings or DispatchSettings()
    logs.configure(settings.service, settings.log_level)
    # Every tenant's files are checked now: an invalid or missing one stops the start.
    tenancy = load_tenancy(settings.tenant, settings.roster_path, settings.routing_rules_path,
                           settings.dispatch_tenants_dir)
    app = DispatchApplication(
        env=persistence_env(settings.event_store_url), tenancy=tenancy,
        transfer_cap=settings.transfer_cap,
    )
    runtime = ServiceRuntime.publishing(
        settings=settings, app=app, topic=DISPATCH_EVENTS, translator=published.translator,
        subscriptions=handlers.SUBSCRIPTIONS,
    )
    routers = [
        build(app, on_saved=runtime.relay.wake) for build in (api.build_router,
                                                              api_operations.build_router)
    ]
    return create_http_app(runtime, title="Complaint dispatch", routers=routers), runtime
