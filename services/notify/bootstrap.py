"""The one place the notify service is wired together from its settings."""

from __future__ import annotations

import contextlib
import functools
import os
from dataclasses import dataclass

from fastapi import FastAPI

from contracts.notify import NotifyChannel
from contracts.topics import NOTIFY_EVENTS
from runtime import logs
from runtime.background import in_background
from runtime.eventstore import persistence_env
from runtime.http import create_http_app
from runtime.lease import lease_for
from runtime.service import ServiceRuntime
from runtime.survey_links import survey_key
from runtime.vault import KeyVault
from runtime.watched import WatchedFile
from services.notify import api, handlers, published
from services.notify.application import NotifyApplication
from services.notify.channels.base import Provider, Secrets
from services.notify.channels.email import SmtpEmail
from services.notify.channels.gateway import Sms, WeChatTemplate
from services.notify.channels.robots import DingTalkRobot, WeComRobot
from services.notify.channels.webhook import SignedWebhook
from services.notify.config import NotifySettings
from services.notify.delivery import Deliverer, Policy
from services.notify.rule_file import parse_rules
from services.notify.ruleset import NotifyRules
from services.notify.templates import Templates


@dataclass(frozen=True)
class Wiring:
    """The notify parts tests reach into when they run the service in-process."""

    app: NotifyApplication
    deliverer: Deliverer


def providers(settings: NotifySettings, secrets: Secrets,
              rules: WatchedFile[NotifyRules]) -> dict[str, Provider]:
    """One provider per channel, configured from settings and secrets."""

    def endpoint(name: str) -> tuple[str, str | None]:
        found = rules.current().endpoints[name]
        return found.url_secret, found.signing_secret

    password = secrets.get(settings.smtp_password_secret) if settings.smtp_username else None
    return {
        NotifyChannel.EMAIL: SmtpEmail(host=settings.smtp_host, port=settings.smtp_port,
                                       sender=settings.smtp_sender, starttls=settings.smtp_starttls,
                                       username=settings.smtp_username or None,
                                       password=password),
        NotifyChannel.WEBHOOK: SignedWebhook(secrets, endpoint),
        NotifyChannel.WECOM: WeComRobot(secrets, endpoint),
        NotifyChannel.DINGTALK: DingTalkRobot(secrets, endpoint),
        NotifyChannel.WECHAT: WeChatTemplate(secrets, url=settings.wechat_gateway_url,
                                             token_secret=settings.wechat_token_secret,
                                             template_id=settings.wechat_template_id),
        NotifyChannel.SMS: Sms(secrets, url=settings.sms_gateway_url,
                               token_secret=settings.sms_token_secret),
    }


def bootstrap(settings: NotifySettings | None = None) -> tuple[FastAPI, ServiceRuntime]:
    """Build notify's HTTP app and runtime; the deliverer starts with the app."""
    settings = settings or NotifySettings()
    logs.configure(settings.service, settings.log_level)
    templates = Templates(settings.notify_templates_dir)
    rules = WatchedFile(settings.notify_rules_file, lambda content, source: parse_rules(
        content, source=source, templates=templates.names()))
    rules.current()  # an invalid rule file stops the start, naming its line
    app = NotifyApplication(env=persistence_env(settings.event_store_url), rules=rules.current,
                            vault=KeyVault.from_url(settings.event_store_url))
    runtime = ServiceRuntime.publishing(
        settings=settings, app=app, topic=NOTIFY_EVENTS,
        translator=functools.partial(published.translator, app=app),
        subscriptions=handlers.SUBSCRIPTIONS,
    )
    secret = settings.survey_secret.get_secret_value() if settings.survey_secret else None
    deliverer = Deliverer(
        app=app, providers=providers(settings, Secrets(dict(os.environ),
                                                       settings.notify_secrets_dir), rules),
        templates=templates, rules=rules.current,
        lease=lease_for(service=settings.service, task="deliveries",
                        database_url=settings.event_store_url, data_dir=settings.data_dir),
        policy=Policy(survey_key=survey_key(secret, settings.data_dir),
                      survey_base_url=settings.survey_base_url,
                      max_attempts=settings.notify_max_attempts,
                      backoff_s=settings.notify_backoff_s),
        interval_s=settings.notify_interval_s,
    )
    app.listeners += [runtime.relay.wake, deliverer.wake]
    routers = [api.build_router(app, tenant=settings.tenant, rules=rules.current,
                                reload=rules.reload)]

    def delivering() -> contextlib.AbstractAsyncContextManager:
        return in_background(deliverer.run(), "notify-deliverer")

    http = create_http_app(runtime, title="Complaint notifications", routers=routers,
                           extra_lifespan=delivering)
    http.state.notify = Wiring(app=app, deliverer=deliverer)
    return http, runtime
