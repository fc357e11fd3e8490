"""The notification rules in force: who hears of which event, over which channel, and when.

Pure values parsed from the rule file (`rule_file`); `routing` applies them to an event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from contracts.notify import NotifyChannel, RecipientRole
from services.notify.quiet import QuietHours

# Channels whose address is a named endpoint of the rule file (a group robot, a receiver's URL)
# rather than a person's own address.
ENDPOINT_CHANNELS = frozenset({NotifyChannel.WEBHOOK, NotifyChannel.WECOM, NotifyChannel.DINGTALK})


@dataclass(frozen=True)
class Person:
    """A member of staff who may be told: addresses by channel, and preferences."""

    id: str
    language: str = "zh"
    addresses: Mapping[NotifyChannel, str] = field(default_factory=dict)
    # Preferred channels: a rule's channels are narrowed to these (all of the rule's if empty).
    channels: tuple[NotifyChannel, ...] = ()
    mute: frozenset[str] = frozenset()  # event types this person does not want to hear of
    quiet_hours: QuietHours | None = None


@dataclass(frozen=True)
class Department:
    lead: str
    chain: Mapping[str, str] = field(default_factory=dict)  # escalation level -> person id


@dataclass(frozen=True)
class Endpoint:
    """A group robot or webhook receiver: its URL and signing key are read from secrets."""

    name: str
    channel: NotifyChannel
    url_secret: str
    signing_secret: str | None = None


@dataclass(frozen=True)
class Reminder:
    """A rule that fires later unless a closing event about the same thing comes first."""

    key: str  # the event field naming the thing, e.g. task_id, proposal_id
    at_field: str | None = None  # the event field giving when (e.g. due_at); else its time
    delay: timedelta = timedelta(0)
    cancel_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    id: str
    on: str  # event type
    to: tuple[RecipientRole, ...]
    channels: tuple[NotifyChannel, ...]
    template: str
    when: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    urgent: bool = False  # goes out in quiet hours too
    after: str | None = None  # id of a rule whose messages on the complaint go out first
    reminder: Reminder | None = None
    subscribers: tuple[str, ...] = ()
    description: str = ""

    def matches(self, event_type: str, fields: Mapping[str, object]) -> bool:
        """Whether the rule applies to an event of this type with these field values."""
        if event_type != self.on:
            return False
        return all(str(fields.get(name)) in allowed for name, allowed in self.when.items())


@dataclass(frozen=True)
class NotifyRules:
    version: str
    content_hash: str
    rules: tuple[Rule, ...]
    quiet_hours: QuietHours | None = None
    people: Mapping[str, Person] = field(default_factory=dict)
    departments: Mapping[str, Department] = field(default_factory=dict)
    approvers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    endpoints: Mapping[str, Endpoint] = field(default_factory=dict)
    default_language: str = "zh"

    def event_types(self) -> frozenset[str]:
        """Every event type a rule reacts to or is cancelled by."""
        cancelling = {t for r in self.rules if r.reminder for t in r.reminder.cancel_on}
        return frozenset({r.on for r in self.rules} | cancelling)
