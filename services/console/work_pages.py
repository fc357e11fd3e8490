"""The agent's workbench and the complaint page, with every step of working a case."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

import httpx
from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile

from services.console import viewing
from services.console.actions import ACTIONS, call_of, survey_token
from services.console.timeline import timeline
from services.console.upstream import NotFound, Refused
from services.console.web import Console, Page


def optional(read: Any) -> Any:
    """What a service answers, or None when it does not know the complaint (yet)."""
    try:
        return read()
    except (NotFound, Refused, httpx.HTTPError):
        return None


def clocks_shown(clocks: dict[str, Any] | None, now: datetime) -> list[dict[str, Any]]:
    """Each SLA clock with its colour and countdown."""
    return [clock | {"state": viewing.sla_state(clock, now).value,
                     "left": viewing.countdown(clock, now)}
            for clock in (clocks or {}).get("clocks", [])]


def build_router(console: Console) -> APIRouter:
    """/work, /complaints/{id} and its actions."""
    router = APIRouter(tags=["agents"])

    @router.get("/work", summary="The agent's workbench: my complaints, search")
    def workbench(page: Page, ref: str = "", q: str = "", customer_id: str = "",
                  cursor: str = ""):
        page.require_sign_in()
        if ref.strip():
            return page.redirect(f"/complaints/{quote(ref.strip(), safe='')}")
        work = page.api("work")
        searched = {k: v.strip() for k, v in (("q", q), ("customer_id", customer_id)) if v.strip()}
        path, params = (("/v1/work/search", searched) if searched
                        else ("/v1/work/complaints", {"view": "mine", "sort": "due_at",
                                                      "direction": "asc"}))
        try:
            listing = work.get(path, params=params | ({"cursor": cursor} if cursor else {}))
        except Refused as refusal:
            page.flash(refusal.detail, error=True)
            listing = None
        except (NotFound, httpx.HTTPError):
            listing = None
        now = datetime.now(UTC)
        items = [row | {"left": viewing.countdown({"deadline_at": row.get("due_at")}, now)}
                 for row in (listing or {}).get("items", [])]
        tasks = optional(lambda: page.api("resolution").get("/v1/tasks",
                                                            params={"assigned": "me"}))
        return page.render("work.html", items=items, listed=listing is not None,
                           next_cursor=(listing or {}).get("next_cursor"), searched=searched,
                           tasks=tasks)

    @router.get("/complaints/{complaint_id}", summary="A complaint and its case")
    def complaint_page(page: Page, complaint_id: str):
        page.require_sign_in()
        try:
            complaint = page.api("intake").get(f"/v1/complaints/{quote(complaint_id)}")
        except (NotFound, Refused):
            # Another department's or tenant's complaint looks exactly like a missing one.
            return page.render("not_found.html", status_code=404)
        c = quote(complaint_id)
        resolution, sla, dispatch = page.api("resolution"), page.api("sla"), page.api("dispatch")
        case = optional(lambda: resolution.get(f"/v1/cases/{c}"))
        clocks = optional(lambda: sla.get(f"/v1/clocks/{c}"))
        ledger = optional(lambda: sla.get(f"/v1/clocks/{c}/ledger")) or {}
        assignment = optional(lambda: dispatch.get(f"/v1/assignments/{c}"))
        work = page.api("work")
        customer = optional(lambda: work.get(f"/v1/work/complaints/{c}/customer"))
        row = optional(lambda: work.get(f"/v1/work/complaints/{c}")) or {}
        solutions = optional(lambda: resolution.get("/v1/solutions")) or []
        root_causes = optional(lambda: resolution.get("/v1/root-causes")) or {}
        templates = optional(lambda: resolution.get("/v1/note-templates")) or {}
        categories = optional(lambda: page.api("intake").get("/v1/categories")) or []
        now = datetime.now(UTC)
        return page.render(
            "complaint.html", complaint=complaint, case=case, assignment=assignment,
            customer=customer, tags=row.get("tags", []), categories=categories,
            clocks=clocks_shown(clocks, now), solutions=listed(solutions, "solutions"),
            root_causes=listed(root_causes, "categories"), templates=templates,
            timeline=timeline(complaint, case, ledger.get("entries", [])))

    @router.post("/complaints/{complaint_id}/do", summary="A step on the case (a form's button)")
    async def act(page: Page, complaint_id: str, request: Request):
        page.require_sign_in()
        form = {k: str(v) for k, v in (await request.form()).items()}
        page.check_form(form)
        if form.get("action") not in ACTIONS:
            raise HTTPException(422, "unknown action")
        service, path, body = call_of(form["action"], quote(complaint_id), form)
        try:
            answer = page.api(service).post(path, body)
        except NotFound:
            return page.render("not_found.html", status_code=404)
        except Refused as refusal:
            page.flash(f"{page.t('refused')} ({refusal.status}): {refusal.detail}", error=True)
        else:
            page.flash(page.t("saved"))
            if form["action"] == "survey" and answer:
                link = str(page.request.url_for("survey", token=survey_token(answer["link"])))
                page.flash(f"{page.t('survey_link')}: {link}")
        back = form.get("back", "")
        return page.redirect(back if back.startswith("/") and not back.startswith("//")
                             else f"/complaints/{quote(complaint_id)}")

    @router.post("/complaints/{complaint_id}/evidence", summary="Upload evidence")
    async def upload(page: Page, complaint_id: str, csrf: Annotated[str, Form()],
                     evidence: Annotated[UploadFile, File()]):
        page.require_sign_in()
        page.check_form({"csrf": csrf})
        content = await evidence.read()
        try:
            stored = page.api("resolution").call(
                "PUT", f"/v1/cases/{quote(complaint_id)}/evidence", content=content,
                params={"filename": evidence.filename or "evidence"},
                headers={"Content-Type": evidence.content_type or "application/octet-stream"},
            ).json()
        except NotFound:
            return page.render("not_found.html", status_code=404)
        except Refused as refusal:
            page.flash(f"{page.t('refused')}: {refusal.detail}", error=True)
        else:
            page.flash(f"{page.t('saved')} SHA-256 {stored['sha256']}")
        return page.redirect(f"/complaints/{quote(complaint_id)}")

    return router


def listed(answer: Any, key: str) -> list[dict[str, Any]]:
    """A library's entries whether the API answers a list or an object holding one."""
    if isinstance(answer, list):
        return answer
    entries = answer.get(key) if isinstance(answer, dict) else None
    return entries if isinstance(entries, list) else []
