"""Routing rules: which queue a classified complaint goes to, and which rule said so."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from fnmatch import fnmatchcase
from typing import Any

# Fields a rule may match on; every one the rule names must match, any listed value will do.
MATCH_FIELDS = frozenset(
    {"category", "severity", "channel", "customer_tier", "region", "language", "product",
     "keywords"}
)


@dataclass(frozen=True)
class Facts:
    """What dispatch knows about a complaint when it routes it (intake's classification)."""

    category: str | None = None
    severity: str | None = None
    channel: str | None = None
    customer_tier: str | None = None
    region: str | None = None
    language: str | None = None
    product: str | None = None
    keywords: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Plain values, as stored in the Assignment's events."""
        return {**asdict(self), "keywords": list(self.keywords)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Facts:
        """Facts as stored; unknown keys (from a newer version) are ignored."""
        known = {k: v for k, v in data.items() if k in MATCH_FIELDS}
        return cls(**{**known, "keywords": tuple(known.get("keywords") or ())})


@dataclass(frozen=True)
class Rule:
    """Send complaints matching `when` to `queue`; the agent there needs `skills`."""

    id: str
    priority: int
    queue: str
    when: dict[str, tuple[str, ...]] = field(default_factory=dict)
    skills: tuple[str, ...] = ()
    description: str = ""

    def matches(self, facts: Facts) -> bool:
        """Whether every field the rule names matches the facts."""
        return all(_MATCHERS[name](values, facts) for name, values in self.when.items())

    def why(self) -> str:
        """The conditions, for the assignment's reason."""
        if not self.when:
            return "matches every complaint"
        return "; ".join(f"{name} in {', '.join(values)}" for name, values in self.when.items())


@dataclass(frozen=True)
class RuleSet:
    """A versioned rule file: rules in the order they are tried, and the default queue."""

    version: str
    content_hash: str
    rules: tuple[Rule, ...]
    default_queue: str
    default_skills: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.rules, key=lambda rule: rule.priority))
        object.__setattr__(self, "rules", ordered)

    def route(self, facts: Facts) -> Decision:
        """The first rule by priority that matches, else the default queue."""
        for rule in self.rules:
            if rule.matches(facts):
                return Decision(
                    rule_id=rule.id, queue=rule.queue, skills=rule.skills,
                    reason=f"Rule {rule.id} (priority {rule.priority}): {rule.why()}",
                )
        return Decision(
            rule_id=DEFAULT_RULE_ID, queue=self.default_queue, skills=self.default_skills,
            reason=f"No rule matched; default queue {self.default_queue}",
        )

    @property
    def queues(self) -> frozenset[str]:
        """Every queue the rule set can send a complaint to."""
        return frozenset({self.default_queue, *(rule.queue for rule in self.rules)})


DEFAULT_RULE_ID = "default"


@dataclass(frozen=True)
class Decision:
    """Which rule chose which queue, and why."""

    rule_id: str
    queue: str
    skills: tuple[str, ...]
    reason: str


def _one_of(name: str):
    def match(values: tuple[str, ...], facts: Facts) -> bool:
        value = getattr(facts, name)
        return value is not None and value.casefold() in {v.casefold() for v in values}

    return match


def _category(patterns: tuple[str, ...], facts: Facts) -> bool:
    # Categories are dotted paths, so `billing.*` names a whole branch.
    category = facts.category
    return category is not None and any(fnmatchcase(category, p) for p in patterns)


def _keywords(wanted: tuple[str, ...], facts: Facts) -> bool:
    found = {keyword.casefold() for keyword in facts.keywords}
    return any(keyword.casefold() in found for keyword in wanted)


_MATCHERS = {
    "category": _category,
    "keywords": _keywords,
    **{name: _one_of(name) for name in MATCH_FIELDS - {"category", "keywords"}},
}
