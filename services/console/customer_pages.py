"""Pages for customers, without signing in: file a complaint (with attachments), follow it on
the tracking link, answer the survey. Plain HTML forms: they work without JavaScript."""

from __future__ import annotations

import hashlib
import uuid
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, File, Form, UploadFile

from runtime.auth.client_credentials import ClientCredentials
from runtime.auth.issuer import DevIssuer
from runtime.auth.roles import Role
from services.console.actions import survey_token
from services.console.upstream import NotFound, Refused, Upstream
from services.console.viewing import parse_instant
from services.console.web import Console, Page

# The customer's stages as resolution names them (waiting for you and reopened sit mid-way).
STAGES = ("received", "assigned", "investigating", "solution_proposed", "resolved", "closed")
MAX_ATTACHMENTS = 5


def attachment_of(filename: str, content_type: str, content: bytes) -> dict[str, Any]:
    """What intake records of an attached file: its name, type, size and SHA-256."""
    return {"filename": filename[:255] or "attachment", "size_bytes": len(content),
            "content_type": content_type or "application/octet-stream",
            "sha256": hashlib.sha256(content).hexdigest()}


def stage_index(stage: str) -> int:
    """How far along the customer's stage bar a stage (or lifecycle status) is."""
    order = {"received": 0, "duplicate": 0, "queued": 0, "assigned": 1, "investigating": 2,
             "waiting_for_you": 2, "waiting_on_customer": 2, "reopened": 2, "in_progress": 2,
             "solution_proposed": 3, "resolved": 4, "closed": 5}
    return order.get(stage, 0)


def build_router(console: Console) -> APIRouter:
    """/, /file, /track/{token}, /survey/{token}."""
    router = APIRouter(tags=["customers"])
    settings = console.settings
    credentials = (ClientCredentials(settings.filing_token_url,
                                     client_id=settings.filing_client_id,
                                     client_secret=settings.filing_client_secret)
                   if settings.auth_mode == "jwks" else None)

    def filing_token() -> str:
        """The console's own channel-adapter token: customers hold none."""
        if credentials is not None:
            return credentials.token()
        return DevIssuer(settings.auth_dir).client_credentials(
            client_id=settings.filing_client_id, role=Role.CHANNEL_ADAPTER,
            tenant=settings.tenant, ttl_s=300)

    @router.get("/", summary="The console's front door")
    def home(page: Page):
        return page.render("home.html")

    @router.get("/file", summary="The complaint form")
    def file_form(page: Page):
        return page.render("file.html", key=str(uuid.uuid4()), form={})

    @router.post("/file", summary="File the complaint")
    async def file_complaint(
        page: Page, csrf: Annotated[str, Form()], key: Annotated[str, Form(max_length=64)],
        subject: Annotated[str, Form(max_length=300)], text: Annotated[str, Form()],
        name: Annotated[str, Form(max_length=200)] = "",
        contact: Annotated[str, Form(max_length=200)] = "",
        customer_id: Annotated[str, Form(max_length=128)] = "",
        attachments: Annotated[list[UploadFile], File()] = [],  # noqa: B006
    ):
        page.check_form({"csrf": csrf})
        files = [attachment_of(f.filename or "", f.content_type or "", await f.read())
                 for f in attachments if f.filename][:MAX_ATTACHMENTS]
        customer = {"id": customer_id.strip() or f"web-{uuid.uuid4().hex}",
                    "name": name.strip() or None, "contact": contact.strip() or None}
        intake = Upstream(console.client, settings.intake_url, token=filing_token(),
                          language=page.language)
        try:
            filed = intake.post("/v1/complaints", {
                "channel": "web", "customer": customer, "subject": subject.strip(),
                "text": text.strip(), "attachments": files,
                "channel_detail": "web console"}, headers={"Idempotency-Key": f"console-{key}"})
        except Refused as refusal:
            return page.render("file.html", status_code=422, key=key, error=refusal.detail,
                               form={"subject": subject, "text": text, "name": name,
                                     "contact": contact, "customer_id": customer_id})
        page.session.pending["filed"] = filed["tracking_token"]
        page.session.pending["hashes"] = ",".join(f"{f['filename']}:{f['sha256']}"
                                                  for f in files)
        return page.redirect("/filed")

    @router.get("/filed", summary="The receipt: the tracking link")
    def filed(page: Page):
        token = page.session.pending.pop("filed", None)
        hashes = [item.rsplit(":", 1) for item in
                  page.session.pending.pop("hashes", "").split(",") if item]
        if token is None:
            return page.redirect("/file")
        link = str(page.request.url_for("track", token=token))
        return page.render("filed.html", link=link, hashes=hashes)

    @router.get("/track/{token}", summary="Where a complaint stands (the token is the key)")
    def track(page: Page, token: str):
        try:
            view = page.api("intake", anonymous=True).get(f"/v1/track/{token}")
        except NotFound:
            return page.render("not_found.html", status_code=404)
        except Refused as refusal:
            return page.render("message.html", status_code=refusal.status,
                               title=page.t("track_title"), text=refusal.detail)
        try:  # the stage and what the customer was told, from resolution
            progress = page.api("resolution", anonymous=True).get(f"/v1/progress/{token}")
        except (NotFound, Refused, httpx.HTTPError):
            progress = None
        stage = progress["stage"] if progress else view["status"]
        survey = (survey_token(progress["survey"]["link"])
                  if progress and progress.get("survey") else None)
        told = [parse_instant(u["at"]) for u in (progress or {}).get("updates", [])]
        last_updated = max([parse_instant(view["last_updated_at"]), *told])
        return page.render("track.html", view=view, stage=stage, stages=STAGES,
                           reached=stage_index(stage), progress=progress, survey=survey,
                           last_updated=last_updated)

    @router.get("/survey/{token}", summary="The satisfaction survey")
    def survey(page: Page, token: str, thanks: bool = False):
        try:
            view = page.api("resolution", anonymous=True).get(f"/v1/surveys/{token}")
        except NotFound:
            return page.render("not_found.html", status_code=404)
        return page.render("survey.html", view=view, token=token, thanks=thanks)

    @router.post("/survey/{token}", summary="Answer the survey")
    def answer_survey(page: Page, token: str, csrf: Annotated[str, Form()],
                      csat: Annotated[int, Form(ge=1, le=5)],
                      nps: Annotated[int | None, Form(ge=0, le=10)] = None,
                      comment: Annotated[str, Form(max_length=2000)] = ""):
        page.check_form({"csrf": csrf})
        try:
            page.api("resolution", anonymous=True).post(
                f"/v1/surveys/{token}", {"csat": csat, "nps": nps, "comment": comment or None})
        except NotFound:
            return page.render("not_found.html", status_code=404)
        except Refused as refusal:
            page.flash(refusal.detail, error=True)
            return page.redirect(f"/survey/{token}")
        return page.redirect(f"/survey/{token}?thanks=1")

    return router
