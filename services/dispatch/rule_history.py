"""The history of a rule set: every changed version that came into force, and when."""

from __future__ import annotations

import uuid
from datetime import datetime

from eventsourcing.domain import Aggregate, event

from contracts.envelope import NAMESPACE
from services.dispatch.ruleset import RuleSet


class RuleSetHistory(Aggregate):
    """One per rule set name; a reload of an unchanged file records nothing."""

    @staticmethod
    def create_id(name: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"rule-set/{name}")

    @event("Started")
    def __init__(self, name: str, tenant: str) -> None:
        self.name = name
        self.tenant = tenant
        self.rule_set_version: str | None = None
        self.content_hash: str | None = None

    def is_current(self, rules: RuleSet) -> bool:
        return self.content_hash == rules.content_hash

    def bring_into_force(self, rules: RuleSet, *, at: datetime, trigger: str) -> bool:
        """Record `rules` as the rule set in force; False when it already is."""
        if self.is_current(rules):
            return False
        self.reloaded(
            self.name, rules.version, rules.content_hash, self.rule_set_version, self.content_hash,
            [rule.id for rule in rules.rules], rules.default_queue, at, trigger,
        )
        return True

    @event("Reloaded")
    def reloaded(
        self, name: str, rule_set_version: str, content_hash: str, previous_version: str | None,
        previous_content_hash: str | None, rule_ids: list[str], default_queue: str,
        loaded_at: datetime, trigger: str,
    ) -> None:
        self.rule_set_version = rule_set_version
        self.content_hash = content_hash
