"""Manager dashboards from analytics' reports: a chart and its table per report, each as CSV
(analytics' own) and PNG (drawn in the browser from the SVG), and a printable monthly report."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException
from fastapi.responses import Response

from services.console.charts import BY_NAME, CHARTS, bar_svg
from services.console.labels import CATEGORY_KEYS, Labels
from services.console.upstream import NotFound, Refused
from services.console.web import Console, Page, Visit


def month_window(month: str | None, today: datetime) -> tuple[str, datetime, datetime]:
    """`YYYY-MM` (default: this month) and its first instant and the next month's, UTC."""
    try:
        start = datetime.strptime(month or f"{today:%Y-%m}", "%Y-%m").replace(tzinfo=UTC)
    except ValueError as error:
        raise HTTPException(422, "month is YYYY-MM") from error
    end = start.replace(year=start.year + (start.month == 12), month=start.month % 12 + 1)
    return f"{start:%Y-%m}", start, end


def build_router(console: Console) -> APIRouter:
    """/dashboard, /dashboard/{chart}.csv, /report."""
    router = APIRouter(tags=["managers"])

    def panels(page: Visit, window: dict[str, str]) -> tuple[list[dict], Any, int | None]:
        analytics, labels = page.api("analytics"), Labels(page.language)
        shown, as_of = [], None
        for chart in CHARTS:
            try:
                report = analytics.get(chart.path, params=chart.params | window)
            except (NotFound, Refused) as problem:
                shown.append({"chart": chart, "error": str(problem), "rows": [], "svg": ""})
                continue
            as_of = as_of or report.get("data_as_of")
            points = chart.points(report["rows"])
            if CATEGORY_KEYS & set(chart.params.values()):  # bars named by category code
                points = [(labels.value("category", x), y) for x, y in points]
            shown.append({"chart": chart, "rows": report["rows"], "points": points,
                          "svg": bar_svg(points, title=page.t(f"chart_{chart.name}"),
                                         percent=chart.percent)})
        if window:  # the month's: the volume report's days added up
            return shown, as_of, sum(int(r.get("complaints") or 0) for r in shown[0]["rows"])
        try:
            return shown, as_of, analytics.get("/v1/analytics/complaints/count")["received"]
        except NotFound:
            return shown, as_of, None

    def corrective_actions(page: Visit) -> list[dict[str, Any]]:
        """Each recorded action with its complaint rate before and after."""
        analytics = page.api("analytics")
        try:
            recorded = analytics.get("/v1/analytics/actions")
            return [analytics.get(f"/v1/analytics/actions/{a['action_id']}/effect")
                    for a in recorded]
        except (NotFound, Refused):
            return []

    def spike_alerts(page: Visit) -> list[dict[str, Any]] | None:
        """Analytics' latest spike alerts; None when analytics does not answer them."""
        try:
            return page.api("analytics").get("/v1/analytics/spikes", params={"limit": 20})
        except (NotFound, Refused):
            return None

    @router.get("/dashboard", summary="Manager dashboards")
    def dashboard(page: Page):
        page.require_sign_in()
        try:
            shown, as_of, total = panels(page, {})
        except Refused as refusal:
            return page.render("message.html", status_code=refusal.status,
                               title=page.t("forbidden"), text=refusal.detail)
        return page.render("dashboard.html", panels=shown, as_of=as_of, total=total,
                           month=None, actions=corrective_actions(page),
                           spikes=spike_alerts(page), labels=Labels(page.language))

    @router.post("/dashboard/actions", summary="Record a corrective action (line managers)")
    def record_action(page: Page, csrf: Annotated[str, Form()],
                      target_kind: Annotated[str, Form()], target: Annotated[str, Form()],
                      title: Annotated[str, Form()], owner: Annotated[str, Form()],
                      due_date: Annotated[str, Form()], effective_at: Annotated[str, Form()]):
        page.require_sign_in()
        page.check_form({"csrf": csrf})
        try:
            page.api("analytics").post("/v1/analytics/actions", {
                "target_kind": target_kind, "target": target, "title": title, "owner": owner,
                "due_date": due_date, "effective_at": f"{effective_at}T00:00:00+00:00"})
        except (NotFound, Refused) as problem:
            page.flash(str(problem), error=True)
        else:
            page.flash(page.t("saved"))
        return page.redirect("/dashboard")

    @router.get("/dashboard/{name}.csv", summary="A chart's data as CSV")
    def chart_csv(page: Page, name: str):
        page.require_sign_in()
        chart = BY_NAME.get(name)
        if chart is None:
            raise HTTPException(404)
        answer = page.api("analytics").call("GET", chart.path,
                                            params=chart.params | {"format": "csv"})
        return Response(answer.content, media_type="text/csv", headers={
            "Content-Disposition": f'attachment; filename="{name}.csv"'})

    @router.get("/report", summary="The monthly report, printable to PDF")
    def monthly(page: Page, month: str | None = None):
        page.require_sign_in()
        label, start, end = month_window(month, datetime.now(UTC))
        shown, as_of, total = panels(page, {"from": start.isoformat(), "to": end.isoformat()})
        return page.render("dashboard.html", panels=shown, as_of=as_of, total=total,
                           month=label, labels=Labels(page.language))

    return router
