"""Which dimensions a report may be filtered and grouped by, and their SQL (pure).

User input never becomes SQL text: dimension names are checked against an allow-list and only
then used as column names; every value travels as a bound parameter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from contracts.intake import ComplaintDetails
from services.analytics.folding import ch_time

DIMENSIONS: tuple[str, ...] = (
    "tenant", "channel", *ComplaintDetails.DIMENSIONS, "region", "category", "severity",
    "status", "department", "queue", "agent", "root_cause", "resolution_kind", "customer_tier",
    "language", "company_response", "historical", "escalation_level",
)
# SLA reports read clocks joined to their complaint: the clock's target is one more dimension.
CLOCK_DIMENSIONS: tuple[str, ...] = (*DIMENSIONS, "target")

INTERVALS: Mapping[str, str] = {
    "day": "toDate(received_at)",
    "week": "toMonday(received_at)",
    "month": "toStartOfMonth(received_at)",
}
FLAGS = {"true": "1", "false": "0", "1": "1", "0": "0"}
TIME = "DateTime64(3, 'UTC')"


class UnknownDimension(ValueError):
    """A filter or grouping named a dimension that is not in the allow-list."""

    def __init__(self, names: Iterable[str], allowed: Sequence[str]) -> None:
        self.names = sorted(names)
        self.allowed = list(allowed)
        super().__init__(f"unknown dimension(s): {', '.join(self.names)}")


class InvalidFilter(ValueError):
    """A filter value that the dimension cannot take."""


def check_dimensions(names: Iterable[str], allowed: Sequence[str] = DIMENSIONS) -> list[str]:
    """The names, in order and once each, if every one is allowed; else UnknownDimension."""
    names = list(dict.fromkeys(names))
    if unknown := [name for name in names if name not in allowed]:
        raise UnknownDimension(unknown, allowed)
    return names


@dataclass(frozen=True)
class Slice:
    """The complaints a report covers: received in [start, end), with dimension values."""

    start: datetime | None = None
    end: datetime | None = None
    equals: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        filters: Mapping[str, Sequence[str]],
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        allowed: Sequence[str] = DIMENSIONS,
    ) -> Slice:
        """A slice from raw filters; raises UnknownDimension or InvalidFilter."""
        check_dimensions(filters, allowed)
        equals = {name: tuple(values) for name, values in filters.items() if values}
        if "historical" in equals:
            if bad := [v for v in equals["historical"] if v.lower() not in FLAGS]:
                raise InvalidFilter(f"historical is true or false, not {bad[0]!r}")
            equals["historical"] = tuple(FLAGS[v.lower()] for v in equals["historical"])
        return cls(start=start, end=end, equals=equals)

    def where(
        self, time_column: str = "received_at", prefix: str = "f"
    ) -> tuple[str, dict[str, Any]]:
        """A WHERE condition (never empty) and its bound parameters (named with prefix)."""
        clauses, params = ["1"], {}
        if self.start is not None:
            clauses.append(f"{time_column} >= {{from:{TIME}}}")
            params["from"] = ch_time(self.start)
        if self.end is not None:
            clauses.append(f"{time_column} < {{to:{TIME}}}")
            params["to"] = ch_time(self.end)
        for i, (name, values) in enumerate(sorted(self.equals.items())):
            clauses.append(f"ifNull(toString({name}), '') IN {{{prefix}{i}:Array(String)}}")
            params[f"{prefix}{i}"] = list(values)
        return " AND ".join(clauses), params

    def tenants(self) -> Slice:
        """Only the tenant filter of this slice (windows partitioned by tenant may use it)."""
        return Slice(equals={k: v for k, v in self.equals.items() if k == "tenant"})


@dataclass(frozen=True)
class Grouping:
    """What rows a report has: an optional period of received_at and dimensions."""

    by: tuple[str, ...] = ()
    interval: str | None = None

    def keys(self) -> list[tuple[str, str]]:
        """(name, SQL expression) of each grouping key, period first."""
        period = [("period", INTERVALS[self.interval])] if self.interval else []
        return period + [(name, name) for name in self.by]
