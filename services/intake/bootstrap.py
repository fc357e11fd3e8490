"""The one place intake is wired together from its settings."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import timedelta

from fastapi import FastAPI

from contracts.topics import INTAKE_EVENTS
from runtime import logs
from runtime.auth import pii_log_api
from runtime.auth.db import open_database
from runtime.auth.pii_log import PiiAccessLog
from runtime.auth.quota import FilingQuota
from runtime.background import in_background
from runtime.eventstore import persistence_env
from runtime.http import create_http_app
from runtime.lease import lease_for
from runtime.service import ServiceRuntime
from runtime.tracking import TrackingTokens, tracking_key
from runtime.vault import KeyVault
from services.intake import api, correction_api, handlers, published, refusals
from services.intake.application import IntakeApplication, utcnow
from services.intake.classification import Classifier
from services.intake.classification.rulefile import Reloading
from services.intake.config import IntakeSettings
from services.intake.dead_letters import SealedSubmissions
from services.intake.inbound_purge import InboundPurge
from services.intake.index_key import contact_index_key
from services.intake.retention import RetentionJob
from services.intake.retention_policy import load_policy
from services.intake.understanding import DuplicatePolicy


def bootstrap(settings: IntakeSettings | None = None) -> tuple[FastAPI, ServiceRuntime]:
    """Build intake's HTTP app and runtime; nothing connects until the app starts."""
    settings = settings or IntakeSettings()
    logs.configure(settings.service, settings.log_level)
    app = IntakeApplication(
        env=persistence_env(settings.event_store_url),
        vault=KeyVault.from_url(settings.event_store_url),
        classifier=Classifier(
            rules_dir=settings.classification_rules_dir,
            model_path=settings.classification_model,
        ),
        duplicates=DuplicatePolicy(
            window=timedelta(hours=settings.duplicate_window_hours),
            threshold=settings.duplicate_threshold,
        ),
        contact_index_key=contact_index_key(settings),
    )
    runtime = ServiceRuntime.publishing(
        settings=settings, app=app, topic=INTAKE_EVENTS, translator=published.translator,
        subscriptions=handlers.SUBSCRIPTIONS, payloads=SealedSubmissions(app.vault),
    )
    purge_inbound = InboundPurge(settings=settings, group=lambda: runtime.faust_app.conf.id,
                                 commit=lambda: runtime.faust_app.consumer.commit(),
                                 running=lambda: runtime.started)
    secret = settings.tracking_secret
    tracking = TrackingTokens(tracking_key(
        secret.get_secret_value() if secret else None,
        settings.data_dir / f"{settings.service}-tracking.key",
    ), lifetime=timedelta(days=settings.tracking_token_days))
    pii_log = PiiAccessLog.from_url(settings.event_store_url)
    quota = FilingQuota(open_database(settings.event_store_url, name="quota"),
                        per_day=settings.filing_quota_per_day)
    router = api.build_router(
        app, on_saved=runtime.relay.wake, on_erased=purge_inbound, pii_log=pii_log,
        public_url=settings.public_url, progress_url=settings.progress_base_url.rstrip("/"),
        tracking=tracking, quota=quota, max_batch_items=settings.max_batch_items,
        max_concurrent_batches=settings.max_concurrent_batches,
    )
    correcting = correction_api.build_router(
        app, taxonomy=app.understanding.classifier.taxonomy.get, on_saved=runtime.relay.wake)
    http = create_http_app(runtime, title="Complaint intake",
                           routers=[router, correcting, pii_log_api.build_router(pii_log)],
                           extra_lifespan=retention_job(settings, app, runtime, purge_inbound))
    refusals.install(http)
    return http, runtime


def retention_job(
    settings: IntakeSettings, app: IntakeApplication, runtime: ServiceRuntime,
    purge_inbound: InboundPurge,
) -> Callable[[], contextlib.AbstractAsyncContextManager] | None:
    """The retention job, run for the lifespan of the service (None where it is disabled)."""
    if not settings.retention_enabled:
        return None
    policy = Reloading(settings.retention_policy, load_policy)  # a broken file stops start-up
    job = RetentionJob(
        app=app, policy=policy.get, interval_s=settings.retention_interval_s, clock=utcnow,
        lease=lease_for(service=settings.service, task="retention",
                        database_url=settings.event_store_url, data_dir=settings.data_dir),
        on_saved=runtime.relay.wake, on_erased=purge_inbound,
    )
    return lambda: in_background(job.run(), "retention")
