"""The dashboard's charts: which report each reads, its points, and an SVG bar chart drawn on
the server (pure). No chart library, so nothing is fetched at build or run time; the page's
script turns the SVG into a PNG for download."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

Rows = list[dict[str, Any]]
Points = list[tuple[str, float]]


def column(label: str, value: str) -> Callable[[Rows], Points]:
    """Points from two columns of each row (None counts as 0)."""
    return lambda rows: [(str(row.get(label)), float(row.get(value) or 0)) for row in rows]


def csat_distribution(rows: Rows) -> Points:
    """CSAT answers per score, 1 to 5 (a report without grouping has one row)."""
    row = rows[0] if rows else {}
    return [(f"CSAT {score}", float(row.get(f"csat_{score}") or 0)) for score in range(1, 6)]


@dataclass(frozen=True)
class Chart:
    name: str
    path: str
    params: dict[str, str]
    points: Callable[[Rows], Points]
    percent: bool = False
    headline: tuple[str, ...] = field(default=())  # row-0 figures shown beside the chart


CHARTS = (
    Chart("volume", "/v1/analytics/volume", {"interval": "day"}, column("period", "complaints")),
    Chart("backlog", "/v1/analytics/backlog", {"by": "status"}, column("status", "open")),
    Chart("sla", "/v1/analytics/sla", {"by": "severity"}, column("severity", "compliance"),
          percent=True),
    Chart("satisfaction", "/v1/analytics/satisfaction", {}, csat_distribution,
          headline=("csat_responses", "csat_mean", "nps")),
    Chart("recurrence", "/v1/analytics/recurrence", {"interval": "week"},
          column("period", "recurrence_rate"), percent=True),
    Chart("pareto_category", "/v1/analytics/pareto", {"of": "category"},
          column("category", "complaints")),
    Chart("pareto_root_cause", "/v1/analytics/pareto", {"of": "root_cause"},
          column("root_cause", "complaints")),
)
BY_NAME = {chart.name: chart for chart in CHARTS}


def bar_svg(points: Points, *, title: str, percent: bool = False,
            width: int = 560, height: int = 240) -> Markup:
    """An accessible SVG bar chart (role img, title) with a value over each bar."""
    left, bottom, top = 40, 40, 20
    inner_w, inner_h = width - left - 10, height - bottom - top
    most = max((value for _, value in points), default=0) or 1
    step = inner_w / max(len(points), 1)
    bars = []
    for index, (label, value) in enumerate(points):
        bar_h = inner_h * value / most
        x, y = left + index * step + step * 0.15, top + inner_h - bar_h
        shown = f"{value * 100:.1f}%" if percent else f"{value:g}"
        bars.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{bar_h:.1f}" '
            f'fill="#1f5fa8"><title>{escape(label)}: {shown}</title></rect>'
            f'<text x="{x + step * 0.35:.1f}" y="{y - 4:.1f}" text-anchor="middle" '
            f'font-size="11" fill="#111">{shown}</text>'
            f'<text x="{x + step * 0.35:.1f}" y="{top + inner_h + 14:.1f}" text-anchor="middle" '
            f'font-size="10" fill="#222">{escape(label[:14])}</text>')
    axis = (f'<line x1="{left}" y1="{top + inner_h}" x2="{width - 10}" y2="{top + inner_h}" '
            f'stroke="#444"/>')
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-label="{escape(title)}" '
        f'style="background:#fff"><title>{escape(title)}</title>{axis}{"".join(bars)}</svg>')
