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
from services.dispatch.roster import parse_roster
from services.dispatch.rule_file import parse_rules
from services.dispatch.watched import WatchedFile


def bootstrap(settings: DispatchSettings | None = None) -> tuple[FastAPI, ServiceRuntime]:
    """Build dispatch's HTTP app and runtime; nothing connects until the app starts."""
    settings = settings or DispatchSettings()
    logs.configure(settings.service, settings.log_level)
    roster = parse_roster(settings.roster_path.read_bytes(), source=settings.roster_path.name)
    rules = WatchedFile(
        settings.routing_rules_path,
        lambda content, source: parse_rules(content, source=source, known_queues=roster.queues),
    )
    rules.current()  # an invalid rule file stops the start, naming its line and reason
    app = DispatchApplication(
        env=persistence_env(settings.event_store_url), rules=rules, roster=roster,
        transfer_cap=settings.transfer_cap, tenant=settings.tenant,
    )
    runtime = ServiceRuntime(
        settings=settings,
        app=app,
        topic=DISPATCH_EVENTS,
        translate=published.translator(source=settings.source, tenant=settings.tenant),
        subscriptions=handlers.SUBSCRIPTIONS,
    )
    routers = [
        build(app, on_saved=runtime.relay.wake) for build in (api.build_router,
                                                              api_operations.build_router)
    ]
    return create_http_app(runtime, title="Complaint dispatch", routers=routers), runtime
