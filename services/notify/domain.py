"""notify's aggregates: each message (one per event, recipient and channel), what it knows of a
complaint, and the customer's sealed contact addresses. No I/O."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from eventsourcing.domain import Aggregate, event

from contracts.envelope import NAMESPACE
from runtime.attribution import Attributed, recall
from runtime.upcast import added

# StrEnum("Name", "A B_C") declares Name.A = "a", Name.B_C = "b_c": values are the
# member names in lower case.
Status = StrEnum("Status", "PENDING SENT FAILED CANCELLED")


class Notification(Attributed):
    """One message. Its id is derived from (event, recipient, channel), so an event replayed
    or redelivered plans nothing new: the second save of the same id is refused."""

    @staticmethod
    def create_id(cause_event_id: str, recipient: str, channel: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"notify/{cause_event_id}/{recipient}/{channel}")

    @event("Planned")
    def __init__(self, *, tenant: str, complaint_id: str | None, customer_id: str | None,
                 cause_event_id: str, cause_event_type: str, rule_id: str, rules_version: str,
                 recipient: str, role: str, channel: str, template: str, language: str,
                 facts: dict[str, Any], not_before: datetime, after: list[str]) -> None:
        self.tenant, self.complaint_id, self.customer_id = tenant, complaint_id, customer_id
        self.cause_event_id, self.cause_event_type = cause_event_id, cause_event_type
        self.rule_id, self.rules_version = rule_id, rules_version
        self.recipient, self.role, self.channel = recipient, role, channel
        self.template, self.language, self.facts = template, language, facts
        self.not_before, self.after = not_before, after
        self.status = Status.PENDING
        self.attempts = 0
        self.next_try = not_before
        self.finished_at: datetime | None = None
        self.reason: str | None = None

    def check_pending(self) -> None:
        if self.status is not Status.PENDING:
            raise NotPending(f"notification {self.id} is {self.status}")

    def delivery(self, *, attempts: int) -> dict[str, Any]:
        """What the published record of this message says (never its text nor an address)."""
        return {
            "complaint_id": self.complaint_id, "notification_id": str(self.id),
            "cause_event_id": self.cause_event_id, "cause_event_type": self.cause_event_type,
            "rule_id": self.rule_id, "rules_version": self.rules_version,
            "recipient": self.recipient, "role": self.role, "channel": self.channel,
            "template": self.template, "language": self.language, "attempts": attempts,
        }

    def record_sent(self, at: datetime, reference: str) -> None:
        self.check_pending()
        self._sent(at=at, reference=reference, delivery=self.delivery(attempts=self.attempts + 1))

    def record_failure(self, at: datetime, error: str, retry_at: datetime | None) -> None:
        """A failed attempt: retried at `retry_at`, or dead-lettered when there is none."""
        self.check_pending()
        if retry_at is None:
            self._failed(at=at, reason=error,
                         delivery=self.delivery(attempts=self.attempts + 1))
        else:
            self._attempt_failed(at=at, error=error, retry_at=retry_at)

    def cancel(self, at: datetime, reason: str) -> None:
        self.check_pending()
        self._cancelled(at=at, reason=reason)

    class Finished(Aggregate.Event):
        """A message's end, sent or failed. Version 3 carries the delivery record it is
        published as (runtime.attribution made version 2); a record stored before has None,
        and is read as of its message."""

        class_version = 3
        at: datetime
        delivery: dict | None

        upcast_v1_v2 = staticmethod(recall)
        upcast_v2_v3 = added(delivery=None)

    class Sent(Finished):
        reference: str

    class Failed(Finished):
        reason: str

    @event(Sent)
    def _sent(self, at: datetime, reference: str, delivery: dict | None) -> None:
        self.attempts += 1
        self.status, self.finished_at = Status.SENT, at

    @event("AttemptFailed")
    def _attempt_failed(self, at: datetime, error: str, retry_at: datetime) -> None:
        self.attempts += 1
        self.next_try, self.reason = retry_at, error

    @event(Failed)
    def _failed(self, at: datetime, reason: str, delivery: dict | None) -> None:
        self.attempts += 1
        self.status, self.finished_at, self.reason = Status.FAILED, at, reason

    @event("Cancelled")
    def _cancelled(self, at: datetime, reason: str) -> None:
        self.status, self.finished_at, self.reason = Status.CANCELLED, at, reason


class ComplaintFile(Aggregate):
    """What notify learnt of a complaint, and the messages later rules wait for or cancel."""

    @staticmethod
    def create_id(complaint_id: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"notify-complaint/{complaint_id}")

    @event("Opened")
    def __init__(self, complaint_id: str) -> None:
        self.complaint_id = complaint_id
        self.customer_id: str | None = None
        self.reference: str | None = None
        self.language: str | None = None
        self.owner: str | None = None
        self.department: str | None = None
        self.by_rule: dict[str, list[str]] = {}  # rule id -> notification ids
        self.reminders: dict[str, list[str]] = {}  # "<rule id>/<key>" -> notification ids

    @event("CustomerLearned")
    def learn_customer(self, customer_id: str, reference: str | None) -> None:
        self.customer_id, self.reference = customer_id, reference

    @event("LanguageLearned")
    def learn_language(self, language: str) -> None:
        self.language = language

    @event("OwnerLearned")
    def learn_owner(self, owner: str | None, department: str) -> None:
        self.owner, self.department = owner, department

    @event("MessagesPlanned")
    def planned(self, rule_id: str, reminder: str | None, ids: list[str]) -> None:
        self.by_rule[rule_id] = [*self.by_rule.get(rule_id, []), *ids]
        if reminder is not None:
            self.reminders[reminder] = [*self.reminders.get(reminder, []), *ids]

    @event("RemindersClosed")
    def close_reminders(self, reminder: str) -> None:
        self.reminders.pop(reminder, None)


class CustomerContact(Aggregate):
    """A customer's addresses by channel, sealed with the customer's key in notify's vault:
    erasing the key leaves nothing readable. Language and channel order are not personal."""

    @staticmethod
    def create_id(tenant: str, customer_id: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"notify-customer/{tenant}/{customer_id}")

    @event("Registered")
    def __init__(self, tenant: str, customer_id: str, sealed: dict[str, str],
                 language: str | None) -> None:
        self.tenant, self.customer_id = tenant, customer_id
        self.sealed, self.language = sealed, language
        self.erased = False

    @event("Changed")
    def change(self, sealed: dict[str, str], language: str | None) -> None:
        self.sealed, self.language, self.erased = sealed, language, False

    @event("Erased")
    def erase(self, at: datetime) -> None:
        self.sealed, self.erased = {}, True


class NotPending(Exception):
    """The message was already sent, failed for good, or cancelled."""
