"""The one place the audit API is wired together from its settings."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from fastapi import FastAPI

from audit import api
from audit.config import AuditSettings
from audit.history import AuditTrail
from audit.pii import PiiLogs, pii_log_urls
from audit.stores import StoreMissing, close_stores, open_stores
from runtime import logs
from runtime.auth import pii_log_api
from runtime.auth.pii_log import PiiAccessLog
from runtime.http import create_http_app

log = logging.getLogger(__name__)


@dataclass
class AuditRuntime:
    """The services' stores, open while the API runs.

    It offers what runtime.http.create_http_app uses of a ServiceRuntime (`running`,
    `readiness`): the audit API only reads, so it has no relay and no subscriptions.
    """

    settings: AuditSettings
    stores: list = field(default_factory=list)
    pii_log: PiiAccessLog | None = None

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Open every service's store read-only, waiting a while for services still starting."""
        deadline = time.monotonic() + self.settings.store_wait_s
        while True:
            try:
                self.stores = await asyncio.to_thread(open_stores, self.settings)
                break
            except StoreMissing as missing:
                if time.monotonic() > deadline:
                    raise  # a bounded wait: SIGTERM cannot interrupt an app still starting
                log.info("waiting for the services' event stores", extra={"missing": str(missing)})
                await asyncio.sleep(1)
        try:
            # Reads of personal data through audit are logged in audit's own database.
            self.pii_log = await asyncio.to_thread(
                PiiAccessLog.from_url, self.settings.event_store_url)
            yield
        finally:
            close_stores(self.stores)
            self.stores = []
            if self.pii_log is not None:
                self.pii_log.close()
                self.pii_log = None

    def trail(self) -> AuditTrail:
        return AuditTrail(self.stores)

    def log(self) -> PiiAccessLog:
        if self.pii_log is None:
            raise RuntimeError("the audit API is not running")
        return self.pii_log

    def readiness(self) -> dict[str, bool]:
        """Whether each service's store answers."""
        checks = {"started": bool(self.stores)}
        for store in self.stores:
            try:
                store.app.recorder.max_notification_id()
                checks[f"{store.name}_store"] = True
            except Exception:
                log.exception("event store not reachable", extra={"store": store.name})
                checks[f"{store.name}_store"] = False
        return checks


def bootstrap(settings: AuditSettings | None = None) -> FastAPI:
    """Build the audit API; the stores open when the app starts."""
    settings = settings or AuditSettings()
    logs.configure(settings.service, settings.log_level)
    runtime = AuditRuntime(settings)
    router = api.build_router(runtime.trail, runtime.log)
    pii_logs = PiiLogs(pii_log_urls(settings))
    return create_http_app(runtime, title="Complaint audit (read-only)",
                           routers=[router, pii_log_api.build_router(pii_logs)])
