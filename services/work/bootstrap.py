"""The one place the work service is wired together from its settings."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from contracts.topics import WORK_EVENTS
from runtime import logs
from runtime.eventstore import persistence_env
from runtime.http import create_http_app
from runtime.service import ServiceRuntime
from runtime.tracking import tracking_key
from runtime.vault import KeyVault
from services.work import api, handlers, published
from services.work.application import WorkApplication
from services.work.config import WorkSettings
from services.work.projection import Projection
from services.work.queries import WorkQueries
from services.work.store import Store, build_store


def read_model(settings: WorkSettings) -> tuple[Store, Projection]:
    """The read model's store (opened) and writer, shared by the service and the rebuild."""
    store = build_store(settings.event_store_url)
    store.open()
    keys_url = settings.customer_keys_url
    opener = KeyVault.from_url(keys_url).open if keys_url else None
    return store, Projection(store, search_key=search_key(settings), opener=opener)


def bootstrap(settings: WorkSettings | None = None) -> tuple[FastAPI, ServiceRuntime]:
    """Build the work service's HTTP app and runtime; nothing connects to Kafka until it starts."""
    settings = settings or WorkSettings()
    logs.configure(settings.service, settings.log_level)
    store, projection = read_model(settings)
    # Tags named their tenant and complaint on every event from the start: no FirstEvents.
    translate = published.translator(source=settings.source)
    app = WorkApplication(env=persistence_env(settings.event_store_url)).wire(
        projection=projection, translate=translate)
    runtime = ServiceRuntime(settings=settings, app=app, topic=WORK_EVENTS, translate=translate,
                             subscriptions=handlers.SUBSCRIPTIONS)
    app.listeners.append(runtime.relay.wake)
    queries = WorkQueries(store, search_key=projection.search_key)
    router = api.build_router(app, queries, max_page_size=settings.max_page_size)
    http = create_http_app(runtime, title="Complaint work queries", routers=[router])
    http.state.work = queries
    return http, runtime


def search_key(settings: WorkSettings) -> bytes:
    """WORK_SEARCH_KEY, else a random key kept in DATA_DIR (one machine only)."""
    return tracking_key(settings.work_search_key, Path(settings.data_dir) / "work-search.key",
                        variable="WORK_SEARCH_KEY")
