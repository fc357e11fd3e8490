"""Sends what is planned, exactly once per message as far as the providers see it.

The plan is stored first (with the record of the event that caused it); only then is a message
sent, and its outcome recorded. A crash between a provider accepting a message and the outcome
being stored sends it again on restart, with the same idempotency key (Message-ID, the
Idempotency-Key header), by which providers and receivers drop the repeat. One replica sends at
a time: the holder of the lease. Every replica follows the store to know what is pending.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from runtime.background import in_thread
from runtime.lease import Lease
from runtime.notification_log import TopicReader
from runtime.survey_links import survey_link
from services.notify import metrics
from services.notify.application import NotifyApplication
from services.notify.channels.base import DeliveryError, Message, Provider
from services.notify.domain import Notification, Status
from services.notify.routing import CUSTOMER
from services.notify.ruleset import NotifyRules
from services.notify.templates import Templates

log = logging.getLogger(__name__)
PAGE = 500
TOPIC = f"{Notification.__module__}:{Notification.__qualname__}"


@dataclass(frozen=True)
class Policy:
    survey_key: bytes = field(repr=False)  # SURVEY_SECRET, shared with resolution
    survey_base_url: str = "http://127.0.0.1:8004/v1/surveys"
    max_attempts: int = 5
    backoff_s: float = 30.0  # doubled after each failed attempt


class Deliverer:
    def __init__(self, *, app: NotifyApplication, providers: Mapping[str, Provider],
                 templates: Templates, rules: Callable[[], NotifyRules], lease: Lease,
                 policy: Policy, interval_s: float = 0.5,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.app, self.providers, self.templates, self.rules = app, providers, templates, rules
        self.lease, self.policy, self.interval_s, self.clock = lease, policy, interval_s, clock
        self.pending: dict[uuid.UUID, datetime] = {}
        self.log = TopicReader(app.recorder, _topics(), page=PAGE)
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def wake(self) -> None:
        """Look now rather than at the next poll; safe to call from any thread."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    def follow(self) -> None:
        """Read the store's new message events into the pending index."""
        for stored in self.log.read():
            self._index(self.app.mapper.to_domain_event(stored))
        metrics.PENDING.set(len(self.pending))

    def _index(self, event: Any) -> None:
        if isinstance(event, Notification.Planned):
            self.pending[event.originator_id] = event.not_before
        elif isinstance(event, Notification.AttemptFailed):
            self.pending[event.originator_id] = event.retry_at
        else:
            self.pending.pop(event.originator_id, None)

    def due(self) -> list[uuid.UUID]:
        now = self.clock()
        return [i for i, at in sorted(self.pending.items(), key=lambda kv: kv[1]) if at <= now]

    def deliver(self, notification_id: uuid.UUID) -> None:
        """Send one message if it is still pending and due, and record the outcome."""
        notification = self.app.notification(notification_id)
        now = self.clock()
        if notification.status is not Status.PENDING or notification.next_try > now:
            return
        if not self._predecessors_done(notification):
            self.pending[notification_id] = now + timedelta(seconds=self.interval_s)
            return
        try:
            address = self._address(notification)
            message = self._message(notification)
            reference = self.providers[notification.channel].send(address, message)
        except DeliveryError as error:
            self._failed(notification, error)
            return
        self.app.record_sent(notification_id, self.clock(), reference)
        metrics.count(notification.channel, "sent")
        log.info("sent", extra={"notification_id": str(notification_id),
                                "channel": notification.channel, "rule": notification.rule_id})

    def _failed(self, notification: Notification, error: DeliveryError) -> None:
        attempt = notification.attempts + 1
        last = error.permanent or attempt >= self.policy.max_attempts
        retry_at = None if last else self.clock() + timedelta(
            seconds=self.policy.backoff_s * 2 ** (attempt - 1))
        self.app.record_failure(notification.id, self.clock(), error.reason, retry_at)
        metrics.count(notification.channel, "failed" if last else "retried")
        log.warning("send failed", extra={"notification_id": str(notification.id),
                                          "channel": notification.channel, "error": error.reason,
                                          "attempt": attempt, "dead_lettered": last})

    def _predecessors_done(self, notification: Notification) -> bool:
        return all(self.app.notification(uuid.UUID(i)).status is not Status.PENDING
                   for i in notification.after)

    def _address(self, notification: Notification) -> str:
        if notification.recipient == CUSTOMER:
            address = self.app.customer_address(notification)
            if address is None:
                raise DeliveryError("the customer's address is erased or unknown", permanent=True)
            return address
        person = self.rules().people.get(notification.recipient)
        address = person.addresses.get(notification.channel) if person else None
        if address is None:
            raise DeliveryError(f"no {notification.channel} address for "
                                f"{notification.recipient} in the rules", permanent=True)
        return address

    def _message(self, notification: Notification) -> Message:
        facts = dict(notification.facts)
        if "survey_id" in facts:
            facts["survey_url"] = survey_link(self.policy.survey_base_url,
                                              self.policy.survey_key, str(facts["survey_id"]))
        try:
            rendered = self.templates.render(notification.template, notification.channel,
                                             notification.language, facts)
        except Exception as error:  # a template the facts do not fill: retrying cannot help
            raise DeliveryError(f"template {notification.template}: {error}",
                                permanent=True) from error
        return Message(key=str(notification.id), subject=rendered.subject, text=rendered.text,
                       language=notification.language, template=notification.template,
                       reference=str(facts.get("reference", "")))

    async def run(self) -> None:
        """Follow the store and, while holding the lease, send what is due."""
        self._loop = asyncio.get_running_loop()
        try:
            while True:
                self._wake.clear()
                await in_thread(self._follow_logged)
                if await in_thread(self.lease.held):
                    for notification_id in self.due():
                        await in_thread(self._deliver_logged, notification_id)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.interval_s)
        finally:
            await in_thread(self.lease.release)

    def _follow_logged(self) -> None:
        try:
            self.follow()
        except Exception:  # the store is unreachable: the next round reads from the same place
            log.exception("following the store failed")

    def _deliver_logged(self, notification_id: uuid.UUID) -> None:
        try:
            self.deliver(notification_id)
        except Exception:
            log.exception("delivery failed", extra={"notification_id": str(notification_id)})


def _topics() -> list[str]:
    return [f"{TOPIC}.{name}" for name in ("Planned", "AttemptFailed", "Sent", "Failed",
                                            "Cancelled")]
