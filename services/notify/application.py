"""notify's use cases: plan the messages an event calls for, keep customers' contacts sealed,
record each send's outcome, erase a customer."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, TypeVar

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from contracts.envelope import DomainEvent, Envelope
from contracts.notify import NotifyChannel
from runtime.eventstore import Cause, ServiceApplication
from runtime.transact import transact
from runtime.vault import KeyVault, VaultError
from services.notify import learning, routing
from services.notify.domain import ComplaintFile, CustomerContact, Notification, NotPending
from services.notify.facts import facts_of, reference_of
from services.notify.ruleset import NotifyRules

A = TypeVar("A", bound=Aggregate)
ATTEMPTS = 8  # optimistic concurrency: the consumer and the deliverer may save one message
CUSTOMER_CHANNELS = (NotifyChannel.EMAIL, NotifyChannel.SMS, NotifyChannel.WECHAT)


class NotifyApplication(ServiceApplication):
    """Plans and records notifications."""

    def __init__(self, *, rules: Callable[[], NotifyRules], vault: KeyVault, env: Any = None):
        super().__init__(env=env)
        self.rules = rules
        self.vault = vault
        self.listeners: list[Callable[[], None]] = []
        self._turns = threading.RLock()

    def save(self, *objs: Any, cause: Cause | None = None, **kwargs: Any) -> Any:
        recordings = super().save(*objs, cause=cause, **kwargs)
        for listener in self.listeners:
            listener()
        return recordings

    def close(self) -> None:
        self.vault.close()
        super().close()

    # Consuming ------------------------------------------------------------------------------

    def on_event(self, event: DomainEvent, envelope: Envelope, cause: Cause) -> None:
        """Learn what the event tells, cancel reminders it answers, plan the messages it calls
        for: all saved with the record of having processed it."""
        # The five topics are consumed side by side, so a complaint's events arrive together
        # and would each save its file from the same version: this replica's agents take
        # turns; a save that lost to another replica or to the deliverer is redone afresh.
        with self._turns:
            transact(self, lambda: self.save(*self._effects(event, envelope), cause=cause),
                     cause=cause, attempts=ATTEMPTS)

    def _effects(self, event: DomainEvent, envelope: Envelope) -> list[Aggregate]:
        rules = self.rules()
        fields = dict(event)
        complaint_id = fields.get("complaint_id")
        file = self._file(str(complaint_id)) if complaint_id else None
        changed: list[Aggregate] = []
        changed += learning.learn(self, event, envelope, file)
        if file is not None:
            changed += self._cancel_reminders(rules, event.event_type, fields, file,
                                              envelope.time)
        changed += self._plan(rules, event.event_type, fields, envelope, file)
        if file is not None:
            changed.append(file)  # saving it unchanged stores nothing
        return changed

    def _plan(self, rules: NotifyRules, event_type: str, fields: dict[str, Any],
              envelope: Envelope, file: ComplaintFile | None) -> list[Aggregate]:
        facts = routing.ComplaintFacts(
            owner=file.owner if file else None, department=file.department if file else None,
            language=file.language if file else None,
        )
        customer = self.preferences(envelope.tenant, file.customer_id) \
            if file and file.customer_id else None
        planned = routing.plan(rules, event_type, fields, envelope.time, facts, customer)
        reference = reference_of(file.complaint_id if file else None, file.reference if file
                                 else None) if file else f"{fields.get('dimension', 'alert')}"
        notes: list[Aggregate] = []
        for item in planned:
            rule = item.rule
            notification = Notification(
                tenant=envelope.tenant, complaint_id=file.complaint_id if file else None,
                customer_id=file.customer_id if file else None,
                cause_event_id=str(envelope.id), cause_event_type=event_type, rule_id=rule.id,
                rules_version=rules.version, recipient=item.recipient, role=item.role.value,
                channel=item.channel.value, template=rule.template, language=item.language,
                facts=facts_of(event_type, fields, reference), not_before=item.not_before,
                after=list(file.by_rule.get(rule.after, [])) if file and rule.after else [],
            )
            notes.append(notification)
            if file is not None:
                reminder = (f"{rule.id}/{fields.get(rule.reminder.key)}" if rule.reminder
                            else None)
                file.planned(rule_id=rule.id, reminder=reminder, ids=[str(notification.id)])
        return notes

    def _cancel_reminders(self, rules: NotifyRules, event_type: str, fields: dict[str, Any],
                          file: ComplaintFile, at: datetime) -> list[Aggregate]:
        cancelled: list[Aggregate] = []
        for rule in rules.rules:
            if rule.reminder is None or event_type not in rule.reminder.cancel_on:
                continue
            key = f"{rule.id}/{fields.get(rule.reminder.key)}"
            for notification_id in file.reminders.get(key, []):
                notification = self.repository.get(uuid.UUID(notification_id))
                try:
                    notification.cancel(at, f"answered by {event_type}")
                except NotPending:
                    continue
                cancelled.append(notification)
            if key in file.reminders:
                file.close_reminders(reminder=key)
        return cancelled

    def _file(self, complaint_id: str) -> ComplaintFile:
        try:
            return self.repository.get(ComplaintFile.create_id(complaint_id))
        except AggregateNotFoundError:
            file = ComplaintFile(complaint_id=complaint_id)
            return file

    # Customers' contacts --------------------------------------------------------------------

    def register_contact(self, *, tenant: str, customer_id: str,
                         addresses: dict[NotifyChannel, str], language: str | None) -> None:
        """Keep a customer's addresses (sealed with their key) and language."""
        sealed = {channel.value: self.vault.seal(tenant, customer_id, address)
                  for channel, address in addresses.items()}
        contact_id = CustomerContact.create_id(tenant, customer_id)

        def attempt() -> None:
            try:
                contact = self.repository.get(contact_id)
                contact.change(sealed=sealed, language=language)
            except AggregateNotFoundError:
                contact = CustomerContact(tenant=tenant, customer_id=customer_id, sealed=sealed,
                                          language=language)
            self.save(contact)

        transact(self, attempt, cause=None, attempts=ATTEMPTS)

    def contact(self, tenant: str, customer_id: str) -> CustomerContact | None:
        try:
            return self.repository.get(CustomerContact.create_id(tenant, customer_id))
        except AggregateNotFoundError:
            return None

    def preferences(self, tenant: str, customer_id: str) -> routing.CustomerPreferences | None:
        """The channels a customer can be told on, in the rule's order, and their language."""
        contact = self.contact(tenant, customer_id)
        if contact is None or contact.erased:
            return None
        return routing.CustomerPreferences(
            channels=tuple(NotifyChannel(c) for c in contact.sealed), language=contact.language)

    def customer_address(self, notification: Notification) -> str | None:
        """The customer's address for the message's channel, or None once erased."""
        contact = self.contact(notification.tenant, notification.customer_id or "")
        sealed = contact.sealed.get(notification.channel) if contact else None
        if sealed is None:
            return None
        try:
            return self.vault.open(notification.tenant, notification.customer_id or "", sealed)
        except VaultError:
            return None

    def erase_customer(self, tenant: str, customer_id: str, at: datetime) -> list[Aggregate]:
        """Destroy the customer's key (first: a repeat of the event must still reach it)."""
        self.vault.erase(tenant, customer_id)
        contact = self.contact(tenant, customer_id)
        if contact is None or contact.erased:
            return []
        contact.erase(at=at)
        return [contact]

    # Delivering -----------------------------------------------------------------------------

    def notification(self, notification_id: uuid.UUID) -> Notification:
        return self.repository.get(notification_id)

    def record_sent(self, notification_id: uuid.UUID, at: datetime, reference: str) -> None:
        self._update(notification_id, lambda n: n.record_sent(at, reference))

    def record_failure(self, notification_id: uuid.UUID, at: datetime, error: str,
                       retry_at: datetime | None) -> None:
        self._update(notification_id, lambda n: n.record_failure(at, error, retry_at))

    def _update(self, notification_id: uuid.UUID, change: Callable[[Notification], None]) -> None:

        def attempt() -> None:
            notification = self.repository.get(notification_id)
            try:
                change(notification)
            except NotPending:
                return  # cancelled meanwhile: nothing more to record
            self.save(notification)

        transact(self, attempt, cause=None, attempts=ATTEMPTS)

    def complaint_file(self, complaint_id: str) -> ComplaintFile | None:
        try:
            return self.repository.get(ComplaintFile.create_id(complaint_id))
        except AggregateNotFoundError:
            return None

    def notifications_of(self, complaint_id: str) -> Iterator[Notification]:
        """Every message planned about a complaint, in the order planned."""
        file = self.complaint_file(complaint_id)
        if file is None:
            return
        for ids in file.by_rule.values():
            for notification_id in ids:
                yield self.repository.get(uuid.UUID(notification_id))
