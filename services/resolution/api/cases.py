"""Routes of agents working a case: accept, respond, investigate, wait, declare conflicts.

Each needs its scope and a case the caller may see (else the 404 of a missing case); who acts
is the token's subject. Notes, updates and messages may hold personal data: plaintext (and the
read logged) with `pii:read`, masked without.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from contracts.intake import Channel
from contracts.resolution import MessageKind, NoteVisibility
from runtime.auth import Principal, Scope, require
from runtime.auth.pii_log import PiiAccessLog
from runtime.lifecycle import status_of
from runtime.request_validation import RequestBody
from services.resolution.api.common import ComplaintId, attachment, on_case
from services.resolution.api.views import CaseView, case_view, shown
from services.resolution.application import ResolutionApplication
from services.resolution.domain import templates
from services.resolution.messages import negotiate, translated


class UpdateRequest(RequestBody):
    text: str = Field(min_length=1, max_length=5_000)
    visibility: NoteVisibility
    channel: Channel | None = Field(None, description="Needed when the customer sees it")


class NoteRequest(RequestBody):
    text: str | None = Field(None, max_length=10_000)
    template: str | None = Field(None, description="five_whys or 5w2h")
    fields: dict[str, str | int | float | None] = Field(default_factory=dict)
    visibility: NoteVisibility = NoteVisibility.INTERNAL


class NotificationRequest(RequestBody):
    channel: Channel
    kind: MessageKind
    message: str | None = Field(None, max_length=5_000)


class WaitRequest(RequestBody):
    reason: str = Field(min_length=1, max_length=1_000)


class ReplyRequest(RequestBody):
    channel: Channel | None = None


class ConflictRequest(RequestBody):
    person: str = Field(min_length=1, max_length=128)
    reason: str = Field(min_length=1, max_length=1_000)


class Created(BaseModel):
    id: str


class EvidenceCreated(BaseModel):
    evidence_id: str
    sha256: str
    size_bytes: int
    kind: str


def build_router(
    app: ResolutionApplication, *, route_class: type, max_evidence_bytes: int,
    pii_log: PiiAccessLog,
) -> APIRouter:
    """Routes under /v1/cases for the work on a case."""
    router = APIRouter(prefix="/v1/cases", tags=["cases"], route_class=route_class)
    ok = status.HTTP_204_NO_CONTENT
    reader = on_case(app, Scope.COMPLAINTS_READ)
    worker = on_case(app, Scope.COMPLAINTS_WORK)
    evidence_reader = on_case(app, Scope.COMPLAINTS_READ, Scope.PII_READ)

    @router.get("/{complaint_id}", response_model=CaseView, summary="The case of a complaint")
    def get_case(complaint_id: ComplaintId, caller: Principal = reader,
                 accept_language: Annotated[str | None, Header()] = None) -> CaseView:
        case = app.get_case(complaint_id)
        view = case_view(case, status_of(app, complaint_id), language=negotiate(accept_language),
                         complaint_language=app.language_of(complaint_id))
        return shown(view, caller, log=pii_log, open_=partial(app.personal.open, case))

    @router.post("/{complaint_id}/accept", status_code=ok, summary="Take the case")
    def accept(complaint_id: ComplaintId, who: Principal = worker) -> None:
        app.accept(complaint_id=complaint_id, agent=who.sub)

    @router.post("/{complaint_id}/updates", status_code=201, response_model=Created,
                 summary="Record progress; customer-visible progress is sent to the customer")
    def post_update(complaint_id: ComplaintId, body: UpdateRequest,
                    who: Principal = worker) -> Created:
        return Created(id=app.post_update(
            complaint_id=complaint_id, author=who.sub, text=body.text,
            visibility=body.visibility, channel=body.channel,
        ))

    @router.post("/{complaint_id}/notes", status_code=201, response_model=Created,
                 summary="Add an investigation note, free-form or from a template")
    def add_note(complaint_id: ComplaintId, body: NoteRequest,
                 who: Principal = worker) -> Created:
        return Created(id=app.add_note(
            complaint_id=complaint_id, author=who.sub, text=body.text, template=body.template,
            fields=body.fields, visibility=body.visibility,
        ))

    @router.post("/{complaint_id}/notifications", status_code=ok,
                 summary="Tell the customer on their channel")
    def notify(complaint_id: ComplaintId, body: NotificationRequest,
               who: Principal = worker) -> None:
        app.notify_customer(complaint_id=complaint_id, channel=body.channel, kind=body.kind,
                            message=body.message, by=who.sub)

    @router.post("/{complaint_id}/waiting", status_code=ok,
                 summary="Wait on the customer (pauses SLA clocks)")
    def wait(complaint_id: ComplaintId, body: WaitRequest, who: Principal = worker) -> None:
        app.wait_for_customer(complaint_id=complaint_id, actor=who.sub, reason=body.reason)

    @router.post("/{complaint_id}/customer-replies", status_code=ok,
                 summary="The customer replied (SLA clocks resume)")
    def replied(complaint_id: ComplaintId, body: ReplyRequest, who: Principal = worker) -> None:
        app.customer_replied(complaint_id=complaint_id, by=who.sub, channel=body.channel)

    @router.post("/{complaint_id}/conflicts", status_code=ok,
                 summary="Declare a person conflicted (回避): they may not handle or approve")
    def declare_conflict(complaint_id: ComplaintId, body: ConflictRequest,
                         who: Principal = worker) -> None:
        app.declare_conflict(complaint_id=complaint_id, person=body.person,
                             reason=body.reason, by=who.sub)

    @router.put("/{complaint_id}/evidence", status_code=201, response_model=EvidenceCreated,
                summary="Attach a file (image, document, voice): the request body is the file")
    async def attach_evidence(
        complaint_id: ComplaintId, request: Request,
        filename: Annotated[str, Query(min_length=1, max_length=255)],
        content_type: Annotated[str, Header()] = "application/octet-stream",
        who: Principal = worker,
    ) -> EvidenceCreated:
        content = await _read_limited(request, max_evidence_bytes)
        evidence_id = await run_in_threadpool(
            app.attach_evidence, complaint_id=complaint_id, content=content,
            filename=filename, content_type=content_type, by=who.sub,
        )
        item = app.get_case(complaint_id).evidence_item(evidence_id)
        return EvidenceCreated(evidence_id=evidence_id, sha256=item.sha256,
                               size_bytes=item.size_bytes, kind=item.kind)

    @router.get("/{complaint_id}/evidence/{evidence_id}",
                summary="A file, verified by its hash (personal data: pii:read, and logged)",
                responses={409: {"description": "the stored file was tampered with"}})
    def read_evidence(complaint_id: ComplaintId, evidence_id: str,
                      who: Principal = evidence_reader) -> Response:
        item, content = app.read_evidence(complaint_id=complaint_id, evidence_id=evidence_id)
        pii_log.record(who, complaint_id=complaint_id, fields=["evidence"])
        # Downloaded, never rendered: files stored before content sniffing may be anything.
        return Response(content, media_type=item["content_type"], headers={
            "ETag": f'"{item["sha256"]}"', "X-Content-SHA256": item["sha256"],
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": attachment(item["filename"]),
            "Content-Security-Policy": "default-src 'none'; sandbox",
        })

    return router


def templates_router() -> APIRouter:
    """The note templates and their fields."""
    router = APIRouter(prefix="/v1/note-templates", tags=["cases"],
                       dependencies=[Depends(require(Scope.COMPLAINTS_READ))])

    @router.get("", summary="Investigation note templates (5 Whys, 5W2H) as JSON Schema, "
                "fields titled in the caller's language")
    def list_templates(
        accept_language: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        return templates.describe(negotiate(accept_language))

    return router


async def _read_limited(request: Request, limit: int) -> bytes:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            language = negotiate(request.headers.get("accept-language"))
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE,
                                translated("at most {limit} bytes", {"limit": limit}, language))
    if not body:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "the file is empty")
    return bytes(body)

