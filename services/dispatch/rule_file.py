"""Parses a routing rule file into a RuleSet, or says on which line it is wrong and why.

    version: "2024.06.1"          # required; recorded on every assignment
    default:                      # where a complaint goes when no rule matches
      queue: general
    rules:
      - id: fraud-urgent          # unique
        priority: 10              # unique; lower is tried first
        when:                     # every field named must match; any listed value will do
          category: ["fraud.*"]   # shell-style patterns on the dotted category
          severity: [P1]
          keywords: [identity theft]
        queue: fraud
        skills: [fraud]           # what the agent needs (skill-based queues)
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from typing import Any

from pydantic import Field, PrivateAttr, create_model, field_validator, model_validator

from contracts.intake import Channel, CustomerTier, Severity
from services.dispatch.config_files import OneOrMore, Read, Section, Text, named, read
from services.dispatch.ruleset import MATCH_FIELDS, Rule, RuleSet

ENUMS = {"severity": Severity, "channel": Channel, "customer_tier": CustomerTier}
RULE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


class _Conditions(Section):
    _order: tuple[str, ...] = PrivateAttr(())

    @model_validator(mode="wrap")
    @classmethod
    def _in_file_order(cls, data: Any, handler: Any) -> Any:
        conditions = handler(data)
        conditions._order = tuple(data)  # a rule explains itself in the order it was written
        return conditions

    def as_written(self) -> dict[str, tuple[str, ...]]:
        return {name: tuple(map(str, getattr(self, name))) for name in self._order}


# Every match field, each one value or a list; severity, channel and tier from their enums.
When = create_model(
    "When", __base__=_Conditions,
    **{name: (OneOrMore[ENUMS.get(name, Text)], ()) for name in sorted(MATCH_FIELDS)},
)


class RuleEntry(Section):
    id: Text
    priority: int = Field(ge=0)
    queue: Text
    when: When = When()
    skills: OneOrMore[Text] = ()
    description: Text = ""

    @field_validator("id")
    @classmethod
    def _plain_id(cls, rule_id: str) -> str:
        if not RULE_ID.match(rule_id):
            raise ValueError(
                f"rule id {rule_id!r} must be lower-case letters, digits, '.', '_' or '-'"
            )
        return rule_id

    def rule(self) -> Rule:
        return Rule(id=self.id, priority=self.priority, queue=self.queue,
                    when=self.when.as_written(), skills=self.skills,
                    description=self.description)


class Default(Section):
    queue: Text
    skills: OneOrMore[Text] = ()


class RuleFile(Section):
    version: Text
    default: Default
    rules: tuple[RuleEntry, ...] = ()
    description: Text = ""


def content_hash(content: bytes) -> str:
    """The rule file's identity beside its declared version: sha256 of its bytes."""
    return hashlib.sha256(content).hexdigest()


def parse_rules(
    content: bytes, *, source: str, known_queues: Collection[str] | None = None
) -> RuleSet:
    """The rule set in `content`; ConfigFileError names the line and reason of a mistake."""
    file = read(content, source, RuleFile, _owner)
    if known_queues is not None:
        _check_queues(file, known_queues)
    _check_unique(file)
    return RuleSet(
        version=file.model.version,
        content_hash=content_hash(content),
        rules=tuple(entry.rule() for entry in file.model.rules),
        default_queue=file.model.default.queue,
        default_skills=file.model.default.skills,
    )


def _owner(loc: tuple[Any, ...], data: Any) -> tuple[str, type[Section], tuple[Any, ...]]:
    match loc:
        case ("rules", int(index), "when", str(field), *rest) if field in MATCH_FIELDS:
            return named("rule", data["rules"][index]), When, (field, *rest)
        case ("rules", int(index), "when", *rest):
            return f"{named('rule', data['rules'][index])}: when", When, tuple(rest)
        case ("rules", int(index), *rest):
            return named("rule", data["rules"][index]), RuleEntry, tuple(rest)
        case ("default", *rest):
            return "default", Default, tuple(rest)
    return "rule file", RuleFile, loc


def _check_queues(file: Read[RuleFile], known_queues: Collection[str]) -> None:
    queues = [(("default", "queue"), file.model.default.queue),
              *((("rules", i, "queue"), rule.queue) for i, rule in enumerate(file.model.rules))]
    for loc, queue in queues:
        if queue not in known_queues:
            raise file.mistake(loc, f"queue {queue!r} is not in the roster (known: "
                                    f"{', '.join(sorted(known_queues))})")


def _check_unique(file: Read[RuleFile]) -> None:
    ids: dict[str, int] = {}
    priorities: dict[int, str] = {}
    for index, rule in enumerate(file.model.rules):
        if rule.id in ids:
            raise file.mistake(("rules", index),
                               f"rule id {rule.id!r} is already used on line {ids[rule.id]}")
        if rule.priority in priorities:
            raise file.mistake(
                ("rules", index),
                f"rule {rule.id}: priority {rule.priority} is already taken by rule "
                f"{priorities[rule.priority]} (first match must be unambiguous)",
            )
        ids[rule.id] = file.line(("rules", index))
        priorities[rule.priority] = rule.id
