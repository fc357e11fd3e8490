"""Parses a notification rule file into NotifyRules, or says on which line it is wrong and why.

    version: "2026.12.1"                 # required; recorded on every message planned
    default_language: zh
    quiet_hours: {start: "22:00", end: "08:00", timezone: Asia/Shanghai}
    people:
      agent-0142: {language: zh, email: agent-0142@example.com, channels: [email],
                   mute: [sla.warning_raised.v1], quiet_hours: {...}}
    departments:
      billing: {lead: lead-billing, chain: {team_lead: tl-1, department_head: head-1}}
    approvers: {finance: [fin-1]}
    endpoints:
      ops-robot: {channel: dingtalk, url_secret: DINGTALK_OPS_URL, signing_secret: DINGTALK_OPS}
    rules:
      - id: sla-warning-owner            # unique
        event: sla.warning_raised.v1     # a published event type (`on` would read as true)
        when: {target: [resolution]}     # every field named must match one listed value
        to: [owner]                      # owner, department_lead, escalation_chain, approvers,
                                         # subscribers (with `subscribers: [...]`), customer
        channels: [email, wecom]
        template: sla_warning            # templates/<name>.yaml
        urgent: false                    # true: goes out in quiet hours too
        after: resolution-notice         # this rule's messages wait for that rule's
        reminder: {key: task_id, at: due_at, delay: PT4H, cancel_on: [resolution.task_completed.v1]}
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Iterable
from datetime import time, timedelta
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from contracts.notify import NotifyChannel, RecipientRole
from contracts.registry import EVENT_TYPES
from runtime.yaml_files import line_of, parse_data, validate
from runtime.yaml_nodes import ConfigFileError
from services.notify.quiet import QuietHours
from services.notify.ruleset import (
    ENDPOINT_CHANNELS,
    Department,
    Endpoint,
    NotifyRules,
    Person,
    Reminder,
    Rule,
)

T = TypeVar("T")
RULE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
DURATION = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?$")
_BOOL = "tag:yaml.org,2002:bool"


def _one_of(allowed: Iterable[str]):
    choices = frozenset(allowed)

    def check(value: Any) -> Any:
        if value not in choices:
            raise ValueError(f"{value!r} is not one of {', '.join(sorted(choices))}")
        return value
    return BeforeValidator(check)


def _published(event_type: str) -> str:
    if event_type not in EVENT_TYPES:
        raise ValueError(f"{event_type!r} is not a published event type")
    return event_type


def _clock(value: Any) -> time:
    try:
        return time.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"times are HH:MM, got {value!r}") from None


def _duration(value: Any) -> timedelta:
    match = DURATION.match(value) if isinstance(value, str) else None
    if not match or not any(match.groups()):
        raise ValueError("must be an ISO 8601 duration in hours/minutes, e.g. PT4H")
    return timedelta(hours=int(match[1] or 0), minutes=int(match[2] or 0))


def _rule_id(rule_id: str) -> str:
    if not RULE_ID.match(rule_id):
        raise ValueError(f"rule id {rule_id!r} must be lower-case letters, digits, .-_")
    return rule_id


def _listed(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
# One value, or a non-empty list of them.
OneOrMore = Annotated[tuple[T, ...], BeforeValidator(_listed), Field(min_length=1)]
EventType = Annotated[Text, AfterValidator(_published)]
Channel = Annotated[NotifyChannel, _one_of(NotifyChannel)]
Language = Annotated[str, _one_of({"zh", "en"})]


class Part(BaseModel):
    """A mapping of the rule file: an undeclared field is a mistake, and so is a key YAML
    reads as true or false (`on:` is not `event:`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def keys_are_texts(cls, data: Any) -> Any:
        for key in data if isinstance(data, dict) else ():
            if yaml.resolver.Resolver().resolve(yaml.ScalarNode, key, (True, False)) == _BOOL:
                raise ValueError(f"keys must be strings, got {key!r} (YAML reads it as "
                                 "true or false)")
        return data


class QuietHoursFile(Part):
    start: Annotated[time, BeforeValidator(_clock)]
    end: Annotated[time, BeforeValidator(_clock)]
    timezone: Text = "UTC"

    @model_validator(mode="after")
    def known_zone(self) -> QuietHoursFile:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {self.timezone!r}") from None
        return self

    def build(self) -> QuietHours:
        return QuietHours(self.start, self.end, self.timezone)


class PersonFile(Part):
    language: Language = "zh"
    channels: OneOrMore[Channel] = ()
    mute: frozenset[EventType] = frozenset()
    quiet_hours: QuietHoursFile | None = None
    email: Text | None = None
    sms: Text | None = None
    wechat: Text | None = None
    wecom: Text | None = None  # an endpoint's name, as are dingtalk's and webhook's
    dingtalk: Text | None = None
    webhook: Text | None = None

    def addresses(self) -> dict[NotifyChannel, str]:
        """The person's address on each channel they gave one for."""
        return {c: getattr(self, c) for c in NotifyChannel if getattr(self, c, None) is not None}

    def build(self, person_id: str) -> Person:
        return Person(id=person_id, language=self.language, addresses=self.addresses(),
                      channels=self.channels, mute=self.mute,
                      quiet_hours=self.quiet_hours.build() if self.quiet_hours else None)


class DepartmentFile(Part):
    lead: Text
    chain: dict[str, Text] = {}

    def build(self) -> Department:
        return Department(lead=self.lead, chain=self.chain)


class EndpointFile(Part):
    channel: Annotated[NotifyChannel, _one_of(ENDPOINT_CHANNELS)]
    url_secret: Text
    signing_secret: Text | None = None

    def build(self, name: str) -> Endpoint:
        return Endpoint(name=name, channel=self.channel, url_secret=self.url_secret,
                        signing_secret=self.signing_secret)


class ReminderFile(Part):
    key: Text
    at: Text | None = None
    delay: Annotated[timedelta, BeforeValidator(_duration)] = timedelta(0)
    cancel_on: tuple[EventType, ...] = ()

    def build(self) -> Reminder:
        return Reminder(key=self.key, at_field=self.at, delay=self.delay,
                        cancel_on=self.cancel_on)


class RuleFile(Part):
    id: Annotated[Text, AfterValidator(_rule_id)]
    event: EventType
    to: OneOrMore[Annotated[RecipientRole, _one_of(RecipientRole)]]
    channels: OneOrMore[Channel]
    template: Text
    when: dict[str, OneOrMore[Text]] = {}
    urgent: bool = False  # true, yes, on ...
    after: Text | None = None
    reminder: ReminderFile | None = None
    subscribers: OneOrMore[Text] = ()
    description: Text = ""

    @model_validator(mode="after")
    def subscribers_named(self) -> RuleFile:
        if RecipientRole.SUBSCRIBERS in self.to and not self.subscribers:
            raise ValueError("`to: subscribers` needs a `subscribers` list")
        return self

    def build(self) -> Rule:
        return Rule(id=self.id, on=self.event, to=self.to, channels=self.channels,
                    template=self.template, when=self.when, urgent=self.urgent,
                    after=self.after, reminder=self.reminder.build() if self.reminder else None,
                    subscribers=self.subscribers, description=self.description)


class NotifyRuleFile(Part):
    version: Text
    description: Text | None = None
    default_language: Language = "zh"
    quiet_hours: QuietHoursFile | None = None
    people: dict[str, PersonFile] = {}
    departments: dict[str, DepartmentFile] = {}
    approvers: dict[str, OneOrMore[Text]] = {}
    endpoints: dict[str, EndpointFile] = {}
    rules: list[RuleFile]


def parse_rules(content: bytes, *, source: str,
                templates: Collection[str] | None = None) -> NotifyRules:
    """The rules in `content`; ConfigFileError names the line and reason of a mistake."""
    root, data = parse_data(content, source, as_written=True)
    file = validate(NotifyRuleFile, data, source, root)
    for loc, reason in _disagreements(file, templates, root):
        raise ConfigFileError(source, line_of(root, loc), reason)
    return NotifyRules(
        version=file.version,
        content_hash=hashlib.sha256(content).hexdigest(),
        rules=tuple(rule.build() for rule in file.rules),
        quiet_hours=file.quiet_hours.build() if file.quiet_hours else None,
        people={pid: person.build(pid) for pid, person in file.people.items()},
        departments={name: d.build() for name, d in file.departments.items()},
        approvers=file.approvers,
        endpoints={name: e.build(name) for name, e in file.endpoints.items()},
        default_language=file.default_language,
    )


def _disagreements(file: NotifyRuleFile, templates: Collection[str] | None,
                   root: yaml.Node) -> Iterable[tuple[tuple[Any, ...], str]]:
    """Where one part of the file names what no other part defines, and why."""
    first: dict[str, int] = {}
    for at, rule in enumerate(file.rules):
        if rule.id in first:
            yield ("rules", at), (f"rule id {rule.id!r} is already used on line "
                                  f"{line_of(root, ('rules', first[rule.id]))}")
        first.setdefault(rule.id, at)
        if templates is not None and rule.template not in templates:
            yield ("rules", at, "template"), (f"rule {rule.id}: no template {rule.template!r} "
                                              f"(known: {', '.join(sorted(templates))})")
    for at, rule in enumerate(file.rules):
        if rule.after is not None and rule.after not in first:
            yield ("rules", at, "after"), f"rule {rule.id}: after {rule.after!r}: no such rule"
    for person_id, person in file.people.items():
        for channel, address in person.addresses().items():
            if channel in ENDPOINT_CHANNELS and address not in file.endpoints:
                yield ("people", person_id, channel), (
                    f"person {person_id}: {channel} endpoint {address!r} is not in endpoints")
