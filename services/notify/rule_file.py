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
from collections.abc import Collection
from datetime import time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from contracts.notify import NotifyChannel, RecipientRole
from contracts.registry import EVENT_TYPES
from runtime.yaml_nodes import Node, load, optional, required
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

TOP = frozenset({"version", "description", "default_language", "quiet_hours", "people",
                 "departments", "approvers", "endpoints", "rules"})
RULE = frozenset({"id", "event", "when", "to", "channels", "template", "urgent", "after",
                  "reminder", "subscribers", "description"})
PERSON = frozenset({"language", "channels", "mute", "quiet_hours", *NotifyChannel})
CHANNELS = frozenset(NotifyChannel)
ROLES = frozenset(RecipientRole)
LANGUAGES = frozenset({"zh", "en"})
RULE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
DURATION = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?$")


def parse_rules(content: bytes, *, source: str,
                templates: Collection[str] | None = None) -> NotifyRules:
    """The rules in `content`; ConfigFileError names the line and reason of a mistake."""
    root = load(content.decode("utf-8"), source)
    top = root.mapping("rule file", allowed=TOP)
    people = optional(top, "people", _people, {})
    endpoints = optional(top, "endpoints", _endpoints, {})
    rules = [_rule(node, templates) for node in required(root, top, "rules", "rule file")
             .sequence("rules")]
    _check(root, rules, required(root, top, "rules", "rule file").sequence("rules"), people,
           endpoints)
    return NotifyRules(
        version=required(root, top, "version", "rule file").text("version"),
        content_hash=hashlib.sha256(content).hexdigest(),
        rules=tuple(rules),
        quiet_hours=optional(top, "quiet_hours", lambda n: _quiet(n, "quiet_hours"), None),
        people=people,
        departments=optional(top, "departments", _departments, {}),
        approvers=optional(top, "approvers", lambda n: {
            role: value.texts(f"approvers: {role}") for role, value in
            n.mapping("approvers").items()}, {}),
        endpoints=endpoints,
        default_language=optional(top, "default_language",
                                  lambda n: n.texts_in("default_language", LANGUAGES)[0], "zh"),
    )


def _rule(node: Node, templates: Collection[str] | None) -> Rule:
    fields = node.mapping("rule", allowed=RULE)
    rule_id = required(node, fields, "id", "rule").text("rule id")
    if not RULE_ID.match(rule_id):
        raise fields["id"].fail(f"rule id {rule_id!r} must be lower-case letters, digits, .-_")
    what = f"rule {rule_id}"
    on = _event_type(required(node, fields, "event", what), f"{what}: event")
    template = required(node, fields, "template", what).text(f"{what}: template")
    if templates is not None and template not in templates:
        raise fields["template"].fail(f"{what}: no template {template!r} "
                                      f"(known: {', '.join(sorted(templates))})")
    to = tuple(RecipientRole(r) for r in required(node, fields, "to", what)
               .texts_in(f"{what}: to", ROLES))
    subscribers = optional(fields, "subscribers", lambda n: n.texts(f"{what}: subscribers"), ())
    if RecipientRole.SUBSCRIBERS in to and not subscribers:
        raise fields["to"].fail(f"{what}: `to: subscribers` needs a `subscribers` list")
    return Rule(
        id=rule_id, on=on, to=to, template=template, subscribers=subscribers,
        channels=tuple(NotifyChannel(c) for c in required(node, fields, "channels", what)
                       .texts_in(f"{what}: channels", CHANNELS)),
        when=optional(fields, "when", lambda n: {
            name: value.texts(f"{what}: when {name}") for name, value in
            n.mapping(f"{what}: when").items()}, {}),
        urgent=optional(fields, "urgent", lambda n: n.boolean(f"{what}: urgent"), False),
        after=optional(fields, "after", lambda n: n.text(f"{what}: after"), None),
        reminder=optional(fields, "reminder", lambda n: _reminder(n, what), None),
        description=optional(fields, "description", lambda n: n.text("description"), ""),
    )


def _reminder(node: Node, what: str) -> Reminder:
    fields = node.mapping(f"{what}: reminder", allowed=frozenset({"key", "at", "delay",
                                                                   "cancel_on"}))
    return Reminder(
        key=required(node, fields, "key", f"{what}: reminder").text("reminder key"),
        at_field=optional(fields, "at", lambda n: n.text("reminder at"), None),
        delay=optional(fields, "delay", lambda n: _duration(n, f"{what}: delay"), timedelta(0)),
        cancel_on=optional(fields, "cancel_on", lambda n: tuple(
            _event_type(item, f"{what}: cancel_on") for item in n.sequence("cancel_on")), ()),
    )


def _event_type(node: Node, what: str) -> str:
    event_type = node.text(what)
    if event_type not in EVENT_TYPES:
        raise node.fail(f"{what}: {event_type!r} is not a published event type")
    return event_type


def _duration(node: Node, what: str) -> timedelta:
    match = DURATION.match(node.text(what))
    if not match or not any(match.groups()):
        raise node.fail(f"{what} must be an ISO 8601 duration in hours/minutes, e.g. PT4H")
    return timedelta(hours=int(match[1] or 0), minutes=int(match[2] or 0))


def _quiet(node: Node, what: str) -> QuietHours:
    fields = node.mapping(what, allowed=frozenset({"start", "end", "timezone"}))
    zone = optional(fields, "timezone", lambda n: n.text(f"{what}: timezone"), "UTC")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise fields["timezone"].fail(f"{what}: unknown time zone {zone!r}") from None
    return QuietHours(_clock(required(node, fields, "start", what), what),
                      _clock(required(node, fields, "end", what), what), zone)


def _clock(node: Node, what: str) -> time:
    try:
        return time.fromisoformat(node.text(what))
    except ValueError:
        raise node.fail(f"{what}: times are HH:MM, got {node.text(what)!r}") from None


def _people(node: Node) -> dict[str, Person]:
    people = {}
    for person_id, value in node.mapping("people").items():
        what = f"person {person_id}"
        fields = value.mapping(what, allowed=PERSON)
        people[person_id] = Person(
            id=person_id,
            language=optional(fields, "language",
                              lambda n, w=what: n.texts_in(f"{w}: language", LANGUAGES)[0], "zh"),
            addresses={NotifyChannel(c): fields[c].text(f"{what}: {c}")
                       for c in NotifyChannel if c in fields},
            channels=optional(fields, "channels", lambda n, w=what: tuple(
                NotifyChannel(c) for c in n.texts_in(f"{w}: channels", CHANNELS)), ()),
            mute=optional(fields, "mute", lambda n, w=what: frozenset(
                _event_type(i, f"{w}: mute") for i in n.sequence(f"{w}: mute")), frozenset()),
            quiet_hours=optional(fields, "quiet_hours",
                                 lambda n, w=what: _quiet(n, f"{w}: quiet_hours"), None),
        )
    return people


def _departments(node: Node) -> dict[str, Department]:
    out = {}
    for name, value in node.mapping("departments").items():
        fields = value.mapping(f"department {name}", allowed=frozenset({"lead", "chain"}))
        out[name] = Department(
            lead=required(value, fields, "lead", f"department {name}").text("lead"),
            chain=optional(fields, "chain", lambda n, d=name: {
                level: person.text(f"department {d}: chain {level}")
                for level, person in n.mapping(f"department {d}: chain").items()}, {}),
        )
    return out


def _endpoints(node: Node) -> dict[str, Endpoint]:
    out = {}
    for name, value in node.mapping("endpoints").items():
        what = f"endpoint {name}"
        fields = value.mapping(what, allowed=frozenset({"channel", "url_secret",
                                                        "signing_secret"}))
        out[name] = Endpoint(
            name=name,
            channel=NotifyChannel(required(value, fields, "channel", what).texts_in(
                f"{what}: channel", frozenset({"webhook", "wecom", "dingtalk"}))[0]),
            url_secret=required(value, fields, "url_secret", what).text(f"{what}: url_secret"),
            signing_secret=optional(fields, "signing_secret",
                                    lambda n, w=what: n.text(f"{w}: signing_secret"), None),
        )
    return out


def _check(root: Node, rules: list[Rule], nodes: list[Node], people: dict[str, Person],
           endpoints: dict[str, Endpoint]) -> None:
    lines: dict[str, int] = {}
    for rule, node in zip(rules, nodes, strict=True):
        if rule.id in lines:
            raise node.fail(f"rule id {rule.id!r} is already used on line {lines[rule.id]}")
        lines[rule.id] = node.line
    for rule, node in zip(rules, nodes, strict=True):
        if rule.after is not None and rule.after not in lines:
            raise node.fail(f"rule {rule.id}: after {rule.after!r}: no such rule")
    for person in people.values():
        for channel, address in person.addresses.items():
            if channel in ENDPOINT_CHANNELS and address not in endpoints:
                raise root.fail(f"person {person.id}: {channel} endpoint {address!r} is not "
                                "in endpoints")
