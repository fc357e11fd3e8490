"""The supervisor's boards (workload, queues, approvals, about to breach) and the auditor's
view of a complaint (history, state as of an instant, each store's chain verdict, the bundle
verified by its own verifier)."""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import APIRouter
from fastapi.responses import Response

from services.console.upstream import NotFound, Refused
from services.console.web import Console, Page


def verify_bundle(bundle: bytes) -> tuple[bool, str]:
    """Run the bundle's own verifier (`python3 audit_verify.py`), as an auditor would."""
    with tempfile.TemporaryDirectory() as directory:
        with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
            archive.extractall(directory)
        verifier = next(Path(directory).rglob("audit_verify.py"), None)
        if verifier is None:
            return False, "the bundle has no audit_verify.py"
        done = subprocess.run([sys.executable, str(verifier), str(verifier.parent)],
                              capture_output=True, text=True, timeout=60, check=False)
        return done.returncode == 0, (done.stdout or done.stderr).strip()


def optional(read: Callable[[], Any]) -> Any:
    """A board's answer, or None when its service does not answer it (yet)."""
    try:
        return read()
    except (NotFound, Refused, httpx.HTTPError):
        return None


def build_router(console: Console) -> APIRouter:
    """/supervisor and /audit."""
    router = APIRouter(tags=["supervisors", "auditors"])

    @router.get("/supervisor", summary="Queues, workload per agent, approvals, about to breach")
    def supervisor(page: Page):
        page.require_sign_in()
        try:
            workload = page.api("dispatch").get("/v1/workload")
        except (NotFound, Refused):
            workload = None
        work = page.api("work")
        breaching = optional(lambda: work.get("/v1/work/about-to-breach",
                                              params={"minutes": 240}))
        board = optional(lambda: work.get("/v1/work/complaints", params={
            "view": "department", "sort": "due_at", "direction": "asc"}))
        resolution = page.api("resolution")
        approvals = (optional(lambda: resolution.get("/v1/approvals/waiting"))
                     if page.has_role("supervisor", "team_lead", "department_head", "finance")
                     else None)
        tasks = optional(lambda: resolution.get("/v1/tasks", params={"assigned": "department"}))
        return page.render("supervisor.html", workload=workload, approvals=approvals,
                           breaching=breaching, board=board, tasks=tasks)

    @router.get("/audit", summary="Audit a complaint")
    def audit(page: Page, ref: str = "", at: str = ""):
        page.require_sign_in()
        if not ref.strip():
            return page.render("audit.html", ref="", history=None)
        c = quote(ref.strip(), safe="")
        api = page.api("audit")
        try:
            history = api.get(f"/v1/audit/complaints/{c}/history")
            state = api.get(f"/v1/audit/complaints/{c}/state",
                            params={"at": at} if at else None)
        except NotFound:
            return page.render("not_found.html", status_code=404)
        except Refused as refusal:
            return page.render("message.html", status_code=refusal.status,
                               title=page.t("forbidden"), text=refusal.detail)
        try:
            verified, said = verify_bundle(
                api.call("GET", f"/v1/audit/complaints/{c}/bundle").content)
        except Refused as refusal:
            verified, said = None, refusal.detail
        # The stores' own verdict needs no pii:read, so an auditor without it still sees one.
        chains = optional(lambda: api.get(f"/v1/audit/complaints/{c}/chain"))
        return page.render("audit.html", ref=ref.strip(), history=history, state=state,
                           at=at, verified=verified, said=said, chains=chains)

    @router.get("/audit/{complaint_id}/bundle", summary="The auditor's bundle (zip)")
    def bundle(page: Page, complaint_id: str):
        page.require_sign_in()
        try:
            answer = page.api("audit").call(
                "GET", f"/v1/audit/complaints/{quote(complaint_id, safe='')}/bundle")
        except NotFound:
            return page.render("not_found.html", status_code=404)
        except Refused as refusal:
            return page.render("message.html", status_code=refusal.status,
                               title=page.t("forbidden"), text=refusal.detail)
        return Response(answer.content, media_type="application/zip", headers={
            "Content-Disposition": answer.headers.get("content-disposition", "attachment")})

    return router
