"""The one place resolution is wired together from its settings."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

from fastapi import FastAPI
from pydantic import SecretStr

from contracts.topics import RESOLUTION_EVENTS
from runtime import logs
from runtime.auth.pii_log import PiiAccessLog
from runtime.eventstore import persistence_env
from runtime.http import create_http_app
from runtime.lease import lease_for
from runtime.service import ServiceRuntime
from runtime.survey_links import survey_key
from runtime.tracking import TrackingTokens, tracking_key
from runtime.vault import KeyVault
from services.resolution import api, handlers, metrics, published
from services.resolution.application import ResolutionApplication, Rules, utcnow
from services.resolution.autoclose import AutoCloser
from services.resolution.config import ResolutionSettings
from services.resolution.domain.follow_up import LowScore
from services.resolution.due_work import DueWork
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
            survey_delay=timedelta(hours=settings.survey_delay_hours),
            low_score=LowScore(csat_max=settings.survey_low_csat_max,
                               nps_max=settings.survey_low_nps_max),
            follow_up_due=timedelta(hours=settings.follow_up_due_hours),
        ),
        clock=clock,
        survey_key=survey_key(_plain(settings.survey_secret), settings.data_dir),
    )
    runtime = ServiceRuntime.publishing(
        settings=settings, app=app, topic=RESOLUTION_EVENTS, translator=published.translator,
        subscriptions=handlers.SUBSCRIPTIONS,
    )
    projections = Projections(app)
    metrics.install(metrics.ResolutionCollector(projections, clock))
    autocloser = AutoCloser(
        app, projections, silence=settings.auto_close_silence,
        interval_s=settings.auto_close_interval_s, on_saved=runtime.relay.wake,
    )
    due_work = DueWork(
        app, projections, interval_s=settings.due_work_interval_s, on_saved=runtime.relay.wake,
        lease=lease_for(service=settings.service, task="due-work",
                        database_url=settings.event_store_url, data_dir=settings.data_dir),
    )

    @contextlib.asynccontextmanager
    async def timers() -> AsyncIterator[None]:
        async with autocloser.running(), due_work.running():
            yield

    routers = api.build_routers(
        app, projections, on_saved=runtime.relay.wake,
        pii_log=PiiAccessLog.from_url(settings.event_store_url),
        max_evidence_bytes=settings.evidence_max_bytes,
        tracking=TrackingTokens(tracking_key(_plain(settings.tracking_secret),
                                             settings.data_dir / "intake-tracking.key")),
    )
    http = create_http_app(
        runtime, title="Complaint resolution", routers=routers,
        extra_lifespan=timers,
    )
    return http, runtime


def _plain(secret: SecretStr | None) -> str | None:
    return secret.get_secret_value() if secret is not None else None
