"""Report rows as JSON or CSV, and the query parameters every report shares."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import HTTPException, Request, Response, status
from pydantic import BaseModel, Field

from runtime import problems
from runtime.csv_export import csv_text
from services.analytics.slicing import (
    DIMENSIONS,
    INTERVALS,
    Grouping,
    InvalidFilter,
    Slice,
    UnknownDimension,
    check_dimensions,
)

CSV = "text/csv"
# Query parameters with a meaning of their own; every other parameter filters a dimension.
CONTROL = frozenset({"from", "to", "by", "interval", "format", "as_of", "days", "of"})


class Report(BaseModel):
    """A report: its name, how current its data is, and one row per group."""

    report: str
    data_as_of: datetime | None = Field(
        description="Events projected up to this instant are counted (None: not yet known)"
    )
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class ReportQuery:
    """What a request asked for: the slice, the grouping, and whether it wants CSV."""

    slice: Slice
    grouping: Grouping
    csv: bool


def unknown_dimension(error: UnknownDimension) -> problems.Problem:
    """The 422 that names the unknown dimensions and lists the allowed ones."""
    return problems.Problem(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error),
                            slug="unknown-dimension", unknown=error.names, allowed=error.allowed)


def caller_tenant(request: Request, tenant: str) -> str:
    """The caller's tenant; a request naming any other is refused (403), never widened."""
    asked = set(request.query_params.getlist("tenant"))
    if asked - {tenant}:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "a query may only touch your own tenant")
    return tenant


def parse_query(
    request: Request,
    *,
    tenant: str,
    start: datetime | None,
    end: datetime | None,
    by: Sequence[str],
    interval: str | None,
    output: str | None,
    allowed: Sequence[str] = DIMENSIONS,
) -> ReportQuery:
    """Validate filters and grouping against the allow-list; raise a 422 otherwise."""
    params = request.query_params
    filters = {name: params.getlist(name) for name in params if name not in CONTROL}
    filters["tenant"] = [caller_tenant(request, tenant)]
    try:
        grouping = Grouping(by=tuple(check_dimensions(by, allowed)), interval=interval)
        slice = Slice.of(filters, start=start, end=end, allowed=allowed)
    except UnknownDimension as error:
        raise unknown_dimension(error) from error
    except InvalidFilter as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from error
    if interval is not None and interval not in INTERVALS:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"interval is one of {sorted(INTERVALS)}"
        )
    wants_csv = output == "csv" or (output is None and CSV in request.headers.get("accept", ""))
    return ReportQuery(slice=slice, grouping=grouping, csv=wants_csv)


def render(
    name: str, rows: list[dict[str, Any]], as_csv: bool, data_as_of: datetime | None
) -> Report | Response:
    """The report as JSON, or as CSV with a header row (empty cells for None, text a spreadsheet
    would run as a formula neutralised: runtime.csv_export); CSV says how current it is in a
    header."""
    if not as_csv:
        return Report(report=name, data_as_of=data_as_of, rows=rows)
    return Response(
        csv_text(list(rows[0]) if rows else [], rows), media_type=CSV,
        headers={"content-disposition": f'attachment; filename="{name}.csv"',
                 "x-data-as-of": data_as_of.isoformat() if data_as_of else ""},
    )
