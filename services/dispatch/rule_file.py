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

from contracts.intake import Channel, CustomerTier, Severity
from runtime.yaml_nodes import Node, load, optional, required
from services.dispatch.ruleset import MATCH_FIELDS, Rule, RuleSet

TOP = frozenset({"version", "default", "rules", "description"})
RULE = frozenset({"id", "priority", "when", "queue", "skills", "description"})
DEFAULT = frozenset({"queue", "skills"})
ENUMS = {
    "severity": frozenset(Severity),
    "channel": frozenset(Channel),
    "customer_tier": frozenset(CustomerTier),
}
RULE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def content_hash(content: bytes) -> str:
    """The rule file's identity beside its declared version: sha256 of its bytes."""
    return hashlib.sha256(content).hexdigest()


def parse_rules(
    content: bytes, *, source: str, known_queues: Collection[str] | None = None
) -> RuleSet:
    """The rule set in `content`; ConfigFileError names the line and reason of a mistake."""
    root = load(content.decode("utf-8"), source)
    top = root.mapping("rule file", allowed=TOP)
    version = required(root, top, "version", "rule file").text("version")
    default_node = required(root, top, "default", "rule file")
    default = default_node.mapping("default", allowed=DEFAULT)
    default_queue_node = required(default_node, default, "queue", "default")
    default_queue = _queue(default_queue_node, known_queues)
    rules = [
        _rule(node, known_queues)
        for node in optional(top, "rules", lambda n: n.sequence("rules"), [])
    ]
    _check_unique(rules, optional(top, "rules", lambda n: n.sequence("rules"), []))
    return RuleSet(
        version=version,
        content_hash=content_hash(content),
        rules=tuple(rules),
        default_queue=default_queue,
        default_skills=optional(default, "skills", lambda n: n.texts("skills"), ()),
    )


def _rule(node: Node, known_queues: Collection[str] | None) -> Rule:
    fields = node.mapping("rule", allowed=RULE)
    rule_id = required(node, fields, "id", "rule").text("rule id")
    if not RULE_ID.match(rule_id):
        raise fields["id"].fail(
            f"rule id {rule_id!r} must be lower-case letters, digits, '.', '_' or '-'"
        )
    what = f"rule {rule_id}"
    return Rule(
        id=rule_id,
        priority=required(node, fields, "priority", what).integer(f"{what}: priority"),
        queue=_queue(required(node, fields, "queue", what), known_queues),
        when=optional(fields, "when", lambda n: _conditions(n, what), {}),
        skills=optional(fields, "skills", lambda n: n.texts(f"{what}: skills"), ()),
        description=optional(fields, "description", lambda n: n.text("description"), ""),
    )


def _conditions(node: Node, what: str) -> dict[str, tuple[str, ...]]:
    fields = node.mapping(f"{what}: when", allowed=MATCH_FIELDS)
    return {
        name: (
            value.texts_in(f"{what}: {name}", ENUMS[name]) if name in ENUMS
            else value.texts(f"{what}: {name}")
        )
        for name, value in fields.items()
    }


def _queue(node: Node, known_queues: Collection[str] | None) -> str:
    queue = node.text("queue")
    if known_queues is not None and queue not in known_queues:
        raise node.fail(
            f"queue {queue!r} is not in the roster (known: {', '.join(sorted(known_queues))})"
        )
    return queue


def _check_unique(rules: list[Rule], nodes: list[Node]) -> None:
    ids: dict[str, int] = {}
    priorities: dict[int, str] = {}
    for rule, node in zip(rules, nodes, strict=True):
        if rule.id in ids:
            raise node.fail(f"rule id {rule.id!r} is already used on line {ids[rule.id]}")
        if rule.priority in priorities:
            raise node.fail(
                f"rule {rule.id}: priority {rule.priority} is already taken by rule "
                f"{priorities[rule.priority]} (first match must be unambiguous)"
            )
        ids[rule.id] = node.line
        priorities[rule.priority] = rule.id
