"""The one place resolution is wired together from its settings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from fastapi import FastAPI

from contracts.topics import RESOLUTION_EVENTS
from runtime import logs
from runtime.auth.pii_log import PiiAccessLog
from runtime.eventstore import persistence_env
from runtime.http import create_http_app
from runtime.service import ServiceRuntime
from runtime.vault import KeyVault
from services.resolution import api, handlers, metrics, published
from services.resolution.application import ResolutionApplication, Rules, utcnow
from services.resolution.autoclose import AutoCloser
from services.resolution.config import ResolutionSettings
from services.resolution.evidence_store import EvidenceStore
from services.resolution.personal import PersonalData
from services.resolution.policy_files import Policies
from services.resolution.projections import Projections


def bootstrap(
    settings: ResolutionSettings | None = None, *, clock: Callable[[], datetime] = utcnow
) -> tuple[FastAPI, ServiceRuntime]:
    """Build resolution's HTTP app and runtime; nothing connects until the app starts."""
    settings = settings or ResolutionSettings()
    logs.configure(settings.service, settings.log_level)
    app = ResolutionApplication(
        env=persistence_env(settings.event_store_url),
        policies=Policies.from_paths(
            settings.approval_policy_file, settings.solutions_file, settings.root_causes_file,
            home=settings.tenant, tenants_dir=settings.resolution_tenants_dir,
        ),
        evidence=EvidenceStore(settings.evidence_dir),
        personal=PersonalData(KeyVault.from_url(settings.event_store_url)),
        rules=Rules(
            reopen_window=timedelta(days=settings.reopen_window_days),
            survey_ttl=timedelta(hours=settings.survey_ttl_hours),
            survey_base_url=settings.survey_base_url,
        ),
        clock=clock,
    )
    runtime = ServiceRuntime(
        settings=settings,
        app=app,
        topic=RESOLUTION_EVENTS,
        translate=published.translator(
            source=settings.source, tenant=settings.tenant,
            complaint_of=published.ComplaintIds(app),
        ),
        subscriptions=handlers.SUBSCRIPTIONS,
    )
    projections = Projections(app)
    metrics.install(metrics.ResolutionCollector(projections, clock))
    autocloser = AutoCloser(
        app, projections, silence=settings.auto_close_silence,
        interval_s=settings.auto_close_interval_s, on_saved=runtime.relay.wake,
    )
    routers = api.build_routers(
        app, projections, on_saved=runtime.relay.wake,
        pii_log=PiiAccessLog.from_url(settings.event_store_url),
        max_evidence_bytes=settings.evidence_max_bytes,
    )
    http = create_http_app(
        runtime, title="Complaint resolution", routers=routers,
        extra_lifespan=autocloser.running,
    )
    return http, runtime
