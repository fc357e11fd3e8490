"""How long intake keeps each class of a customer's data after their last complaint closed, per
tenant: a declarative, versioned file (retention.yaml), validated on load, reloaded when edited.

The event store is append-only and hash-chained, so nothing in it is deleted: the end of a
period is reached by crypto-shredding (the customer's key is destroyed), after which what stays
is pseudonymous facts that no key opens any more.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from services.intake.classification.rulefile import load_model

PERIOD = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$")


class DataClass(StrEnum):
    """What a rule keeps: the person's readable data, or the pseudonymous record left after."""

    PERSONAL_DATA = "personal_data"  # name, contact, subject, texts, notes: shredded at the end
    COMPLAINT_RECORD = "complaint_record"  # pseudonymous facts: kept in the append-only store


def iso_period(value: str) -> str:
    """An ISO 8601 period of years, months and days: P5Y, P18M, P1Y6M, P90D."""
    if value == "P" or not PERIOD.match(value):
        raise ValueError(f"{value!r} is not an ISO 8601 period such as P5Y, P18M or P90D")
    return value


Period = Annotated[str, AfterValidator(iso_period)]


def add_period(instant: datetime, period: str) -> datetime:
    """The instant a calendar period later; 29 February plus a year is 28 February."""
    years, months, days = (int(x or 0) for x in PERIOD.match(period).groups())
    month_index = instant.month - 1 + months
    year, month = instant.year + years + month_index // 12, month_index % 12 + 1
    day = min(instant.day, calendar.monthrange(year, month)[1])
    return instant.replace(year=year, month=month, day=day) + timedelta(days=days)


def _total_days(period: str) -> float:
    years, months, days = (int(x or 0) for x in PERIOD.match(period).groups())
    return years * 365.25 + months * 30.44 + days


class Rule(BaseModel):
    """Keep the data class for `keep` after `after` (the customer's last closure)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    after: Literal["closure"] = "closure"
    keep: Period


class Rules(BaseModel):
    """One rule per data class; a tenant's rules override the default's class by class."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    personal_data: Rule | None = None
    complaint_record: Rule | None = None


class RetentionPolicy(BaseModel):
    """The retention file: its version, the default rules and each tenant's overrides."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1, max_length=64)
    default: Rules
    tenants: dict[str, Rules] = {}

    @model_validator(mode="after")
    def complete(self) -> RetentionPolicy:
        if self.default.personal_data is None or self.default.complaint_record is None:
            raise ValueError("default needs a rule for personal_data and complaint_record")
        for tenant in ("default", *self.tenants):
            rules = self.rules_of(None if tenant == "default" else tenant)
            if _total_days(rules[DataClass.COMPLAINT_RECORD].keep) < _total_days(
                rules[DataClass.PERSONAL_DATA].keep
            ):
                raise ValueError(
                    f"{tenant}: complaint_record cannot be kept shorter than personal_data: "
                    "the record is what remains once the personal data is shredded"
                )
        return self

    def rules_of(self, tenant: str | None) -> dict[DataClass, Rule]:
        """The tenant's rule for each data class (the default where it has none)."""
        own = self.tenants.get(tenant) if tenant else None
        return {
            data_class: (own and getattr(own, data_class)) or getattr(self.default, data_class)
            for data_class in DataClass
        }

    def shredding_due(self, tenant: str, closed_at: datetime) -> Shredding:
        """When a customer whose last complaint closed at `closed_at` is shredded, and why."""
        scope = tenant if tenant in self.tenants and self.tenants[tenant].personal_data else (
            "default")
        rule = self.rules_of(tenant)[DataClass.PERSONAL_DATA]
        return Shredding(
            due_at=add_period(closed_at, rule.keep), policy_version=self.version,
            rule=f"{scope}.{DataClass.PERSONAL_DATA}: keep {rule.keep} after {rule.after}",
        )


@dataclass(frozen=True)
class Shredding:
    """When a customer's key is due to be destroyed, under which version and rule."""

    due_at: datetime
    policy_version: str
    rule: str


def load_policy(path: Path) -> RetentionPolicy:
    """Load and validate a retention file (RuleFileError names the line and field)."""
    return load_model(Path(path), RetentionPolicy)
