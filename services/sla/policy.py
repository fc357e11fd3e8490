"""SLA policies as declared in YAML: targets per severity, overrides, regulatory regimes.

A policy says which clocks a complaint runs and how long each may take; it never does I/O.
Each resolved clock carries its whole rule, so a clock keeps the rule it started under.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from contracts.intake import Severity
from contracts.sla import EscalationLevel, SlaTarget

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(value: object) -> object:
    """'30m', '2h', '1d12h' as a timedelta; other values are left to pydantic."""
    if not isinstance(value, str) or value.startswith("P"):  # ISO 8601 as pydantic writes it
        return value
    match = _DURATION.match(value.strip())
    if not match or not any(match.groups()):
        raise ValueError(f"durations read like 30m, 2h or 1d12h, not {value!r}")
    d, h, m, s = (int(g or 0) for g in match.groups())
    return timedelta(days=d, hours=h, minutes=m, seconds=s)


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


class Milestone(StrEnum):
    """What happened to a complaint, as far as its clocks care."""

    RESPONDED = "responded"  # first response from a person
    PROGRESSED = "progressed"  # customer-visible progress ("in progress" for the CFPB)
    RESOLVED = "resolved"  # the resolution was carried out
    CLOSED = "closed"
    DUPLICATE = "duplicate"  # linked to an earlier complaint, whose clocks run instead


SERVICE_TARGETS = {
    "first_response": SlaTarget.FIRST_RESPONSE,
    "resolution": SlaTarget.RESOLUTION,
    "progress": SlaTarget.PROGRESS,
}
DEFAULT_STOPS = {
    "first_response": (Milestone.RESPONDED, Milestone.CLOSED),
    "resolution": (Milestone.RESOLVED, Milestone.CLOSED),
    "progress": (Milestone.PROGRESSED, Milestone.RESOLVED, Milestone.CLOSED),
}


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Escalation(Frozen):
    level: EscalationLevel
    at_share: float = Field(gt=0, description="Share of the allowed time, e.g. 1.5 = breach+50%")


class Extension(Frozen):
    days: int = Field(gt=0, description="The deadline becomes this many days after receipt")
    requires: Literal["reason", "approval"]


class ClockRule(Frozen):
    """How long one clock may run, in which calendar, and what stops, starts and pauses it."""

    within: Duration | None = Field(None, description="Working time allowed, in the calendar")
    days: int | None = Field(None, gt=0, description="Or: to the end of the Nth day after receipt")
    count: Literal["calendar", "business"] = "calendar"
    roll_forward: bool = Field(False, description="A last day that is a holiday moves forward")
    calendar: str | None = None
    stops_on: tuple[Milestone, ...] | None = None
    starts_on: Milestone | None = Field(None, description="None: starts when received")
    restart_on_reopen: bool | None = None
    pausable: bool = True
    warn_share: float | None = Field(None, gt=0, lt=1)
    escalation: tuple[Escalation, ...] | None = None
    extensions: tuple[Extension, ...] = ()
    summary_business_days: int | None = Field(
        None, gt=0, description="Resolved by the close of this business day: summary resolution"
    )

    @model_validator(mode="after")
    def check_length(self) -> ClockRule:
        if (self.within is None) == (self.days is None):
            raise ValueError("give exactly one of `within` (a duration) or `days`")
        if self.within is not None and self.within <= timedelta(0):
            raise ValueError("`within` must be positive")
        if self.extensions and self.days is None:
            raise ValueError("only a deadline in `days` can be extended")
        return self


class Tier(Frozen):
    calendar: str
    targets: dict[Literal["first_response", "resolution", "progress"], ClockRule]


class TierPatch(Frozen):
    calendar: str | None = None
    targets: dict[Literal["first_response", "resolution", "progress"], ClockRule] = {}


class Match(Frozen):
    """Every given field must match (globs allowed); within a field any listed value does.

    `tenant_jurisdiction` and `industry` are what the tenant declares (the tenants file):
    regulators select on them. `jurisdiction` is the complaint's: where its customer is, else
    the tenant's; calendars follow it."""

    tenant: tuple[str, ...] = ()
    tenant_jurisdiction: tuple[str, ...] = ()
    industry: tuple[str, ...] = ()
    jurisdiction: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    customer_tier: tuple[str, ...] = ()
    channel: tuple[str, ...] = ()

    def matches(self, context: Context) -> bool:
        fields = {
            "tenant": context.tenant, "tenant_jurisdiction": context.tenant_jurisdiction,
            "industry": context.industry, "jurisdiction": context.jurisdiction,
            "category": context.category,
            "customer_tier": context.customer_tier, "channel": context.channel,
        }
        return all(
            not patterns or (value is not None and any(fnmatch.fnmatchcase(value, p)
                                                        for p in patterns))
            for patterns, value in ((getattr(self, name), v) for name, v in fields.items())
        )


class Override(Frozen):
    match: Match
    tiers: dict[Severity, TierPatch]


class Regime(Frozen):
    """A regulator's clocks, beside the service targets, with their own calendar."""

    title: str
    applies_to: Match
    calendar: str
    clocks: dict[str, ClockRule]


class Policy(Frozen):
    """One version of an SLA policy file."""

    policy_id: str = Field(min_length=1)
    version: str = Field(min_length=1)
    warn_share: float = Field(0.8, gt=0, lt=1)
    gaming_pause_share: float = Field(0.5, gt=0, description="Longer pauses look like gaming")
    escalation: tuple[Escalation, ...] = ()
    tiers: dict[Severity, Tier]
    overrides: tuple[Override, ...] = ()
    regulatory: dict[str, Regime] = {}

    @model_validator(mode="after")
    def check_tiers(self) -> Policy:
        missing = set(Severity) - set(self.tiers)
        if missing:
            raise ValueError(f"tiers missing for {sorted(missing)}")
        return self

    def calendars(self) -> set[str]:
        """Every calendar id the policy refers to."""
        ids = {tier.calendar for tier in self.tiers.values()}
        ids |= {r.calendar for r in self.regulatory.values()}
        ids |= {p.calendar for o in self.overrides for p in o.tiers.values() if p.calendar}
        rules = [r for t in self.tiers.values() for r in t.targets.values()]
        rules += [r for o in self.overrides for p in o.tiers.values() for r in p.targets.values()]
        rules += [r for g in self.regulatory.values() for r in g.clocks.values()]
        return ids | {rule.calendar for rule in rules if rule.calendar}

    def clock_specs(self, context: Context) -> dict[str, ClockSpec]:
        """The clocks a complaint in this context runs, by clock key."""
        tier = self.tiers[context.severity]
        calendar, targets = tier.calendar, dict(tier.targets)
        for override in self.overrides:
            patch = override.tiers.get(context.severity)
            if patch and override.match.matches(context):
                calendar = patch.calendar or calendar
                targets.update(patch.targets)
        specs = {
            name: self._spec(name, SERVICE_TARGETS[name], None, rule, calendar, context)
            for name, rule in targets.items()
        }
        for regime_id, regime in self.regulatory.items():
            if regime.applies_to.matches(context):
                for name, rule in regime.clocks.items():
                    key = f"{regime_id}.{name}"
                    specs[key] = self._spec(
                        key, SlaTarget.REGULATORY, regime_id, rule, regime.calendar, context
                    )
        return specs

    def _spec(
        self, key: str, target: SlaTarget, regime: str | None, rule: ClockRule, calendar: str,
        context: Context,
    ) -> ClockSpec:
        escalation = rule.escalation if rule.escalation is not None else self.escalation
        stops = rule.stops_on if rule.stops_on is not None else DEFAULT_STOPS.get(
            key, (Milestone.RESOLVED, Milestone.CLOSED)
        )
        restart = rule.restart_on_reopen
        if restart is None:
            restart = regime is None and key != "first_response"
        return ClockSpec(
            key=key, target=target, regime=regime, severity=context.severity,
            policy_id=self.policy_id, policy_version=self.version,
            calendar_id=rule.calendar or calendar,
            rule=rule.model_copy(update={"stops_on": stops, "restart_on_reopen": restart}),
            warn_share=rule.warn_share or self.warn_share,
            gaming_share=self.gaming_pause_share,
            escalation=tuple((e.level.value, e.at_share) for e in escalation),
        )


@dataclass(frozen=True)
class Context:
    """What a policy looks at to choose a complaint's clocks."""

    tenant: str
    channel: str | None
    customer_tier: str | None
    category: str | None
    severity: Severity
    tenant_jurisdiction: str | None = None  # declared in the tenants file
    industry: str | None = None  # declared in the tenants file
    jurisdiction: str | None = None  # the customer's (by region), else the tenant's


@dataclass(frozen=True)
class ClockSpec:
    """One clock a policy asks for: its rule, calendar and thresholds."""

    key: str
    target: SlaTarget
    regime: str | None
    severity: Severity
    policy_id: str
    policy_version: str
    calendar_id: str
    rule: ClockRule
    warn_share: float
    gaming_share: float
    escalation: tuple[tuple[str, float], ...]

    def thresholds(self) -> dict[str, float]:
        """Share of the allowed time at which each alarm is due, by alarm name."""
        alarms = {"warning": self.warn_share, "breach": 1.0}
        alarms.update({f"escalation:{level}": share for level, share in self.escalation})
        return alarms
