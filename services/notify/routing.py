"""Applies the rules to one event: which messages to plan, for whom, over which channel, when.
Pure: the complaint's facts and the customer's preferences come in as values."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from contracts.notify import NotifyChannel, RecipientRole
from services.notify.ruleset import NotifyRules, Person, Rule

CUSTOMER = "customer"


@dataclass(frozen=True)
class ComplaintFacts:
    """What notify knows of a complaint from earlier events."""

    owner: str | None = None
    department: str | None = None
    language: str | None = None  # the customer's, from intake's classification
    reference: str | None = None


@dataclass(frozen=True)
class CustomerPreferences:
    """The channels a customer may be told on (those they gave an address for), and language."""

    channels: tuple[NotifyChannel, ...]
    language: str | None = None


@dataclass(frozen=True)
class Planned:
    rule: Rule
    recipient: str
    role: RecipientRole
    channel: NotifyChannel
    language: str
    not_before: datetime


def plan(rules: NotifyRules, event_type: str, fields: Mapping[str, object], at: datetime,
         facts: ComplaintFacts, customer: CustomerPreferences | None) -> list[Planned]:
    """The messages an event calls for under the rules in force, each one once."""
    planned: dict[tuple[str, NotifyChannel], Planned] = {}
    for rule in rules.rules:
        if not rule.matches(event_type, fields):
            continue
        when = _when(rule, fields, at)
        for role in rule.to:
            for item in _for_role(rules, rule, role, fields, when, facts, customer):
                planned.setdefault((item.recipient, item.channel), item)
    return list(planned.values())


def _when(rule: Rule, fields: Mapping[str, object], at: datetime) -> datetime:
    if rule.reminder is None:
        return at
    base = fields.get(rule.reminder.at_field) if rule.reminder.at_field else None
    return (base if isinstance(base, datetime) else at) + rule.reminder.delay


def _for_role(rules: NotifyRules, rule: Rule, role: RecipientRole, fields: Mapping[str, object],
              when: datetime, facts: ComplaintFacts,
              customer: CustomerPreferences | None) -> Iterator[Planned]:
    if role is RecipientRole.CUSTOMER:
        if customer is None:
            return
        language = customer.language or facts.language or rules.default_language
        for channel in rule.channels:
            if channel in customer.channels:
                yield Planned(rule, CUSTOMER, role, channel, language,
                              _open(rules, None, rule, when))
        return
    for person_id in staff(rules, role, rule, fields, facts):
        person = rules.people.get(person_id)
        if person is None or rule.on in person.mute:
            continue
        for channel in _channels(rule, person):
            yield Planned(rule, person.id, role, channel, person.language,
                          _open(rules, person, rule, when))


def staff(rules: NotifyRules, role: RecipientRole, rule: Rule, fields: Mapping[str, object],
          facts: ComplaintFacts) -> tuple[str, ...]:
    """The people a staff role names for this event."""
    department = rules.departments.get(str(fields.get("department") or facts.department))
    if role is RecipientRole.OWNER:
        owner = fields.get("assignee") or facts.owner
        return (str(owner),) if owner else ()
    if role is RecipientRole.DEPARTMENT_LEAD:
        return (department.lead,) if department else ()
    if role is RecipientRole.ESCALATION_CHAIN:
        level = department.chain.get(str(fields.get("level"))) if department else None
        return (level,) if level else ()
    if role is RecipientRole.APPROVERS:
        return rules.approvers.get(str(fields.get("approver_role")), ())
    if role is RecipientRole.SUBSCRIBERS:
        return rule.subscribers
    return ()


def _channels(rule: Rule, person: Person) -> list[NotifyChannel]:
    wanted = [c for c in rule.channels if not person.channels or c in person.channels]
    # A person's address of a group channel (webhook, robots) names an endpoint of the file.
    return [c for c in wanted if c in person.addresses]


def _open(rules: NotifyRules, person: Person | None, rule: Rule, when: datetime) -> datetime:
    quiet = (person.quiet_hours if person else None) or rules.quiet_hours
    if rule.urgent or quiet is None:
        return when
    return quiet.next_open(when)
