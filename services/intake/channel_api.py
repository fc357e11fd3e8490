"""`POST /v1/channels/{channel}`: a channel's raw payload, normalised and filed."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, status
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from contracts.intake import Channel
from runtime.auth import Principal, Scope, require
from services.intake.channels import NORMALISERS, Unreadable
from services.intake.domain import Submission
from services.intake.filing import Accepted, Filer
from services.intake.identity import Verification, vouched_raw
from services.intake.refusals import field_errors, refuse

RAW_BODY = {"requestBody": {"required": True, "content": {
    "message/rfc822": {"schema": {"type": "string"}, "example": "From: ...\r\n\r\n..."},
    "application/xml": {"schema": {"type": "string"}, "example": "<xml>...</xml>"},
    "text/plain": {"schema": {"type": "string"}, "example": "Call-ID: ...\n\nCustomer: ..."},
    "application/json": {"schema": {"type": "object"}},
}}}


def build_channel_router(filer: Filer) -> APIRouter:
    """The raw channel entry; normalisers are routed by channel."""
    router = APIRouter()

    @router.post(
        "/channels/{channel}", status_code=status.HTTP_202_ACCEPTED, response_model=Accepted,
        tags=["channels"], openapi_extra=RAW_BODY,
        summary="File a channel's raw payload: email as message/rfc822, WeChat as XML, a call "
        "transcript as text/plain, the other channels as JSON",
    )
    async def file_raw(
        channel: Channel,
        request: Request,
        caller: Annotated[Principal, Depends(require(Scope.COMPLAINTS_FILE))],
        idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
        verified_by: Annotated[str | None, Header(
            max_length=200, description="How the adapter verified the payload's own contact "
            "(comma-separated: sender_address for an email's From its gateway authenticated, "
            "caller_id for a call's number, one_time_code for a form's email or phone); "
            "honoured from channel adapters only")] = None,
    ) -> Accepted:
        submission = vouched(normalised(channel, await request.body()), verified_by)
        return await run_in_threadpool(filer.file, submission, idempotency_key, caller=caller)

    return router


def normalised(channel: Channel, body: bytes) -> Submission:
    """The body as a submission, or 422 naming what is wrong with it."""
    normaliser = NORMALISERS[channel]
    malformed = f"malformed_{channel.value}"
    try:
        payload = json.loads(body) if normaliser.takes_json else body
        return normaliser.normalise(payload)
    except ValidationError as error:
        where = "submission" if error.title == Submission.__name__ else "body"
        refuse(field_errors(error, where))
    except (Unreadable, ValueError) as error:  # json.JSONDecodeError is a ValueError
        refuse([{"loc": ["body"], "msg": str(error), "type": malformed}])


def vouched(submission: Submission, verified_by: str | None) -> Submission:
    """The submission with the contact points its adapter vouches for, or 422 naming why not."""
    if not verified_by:
        return submission
    try:
        asserted = [Verification(token.strip()) for token in verified_by.split(",")
                    if token.strip()]
        contacts = vouched_raw(submission.channel, submission.customer.contact, asserted)
    except ValueError as error:
        refuse([{"loc": ["header", "verified-by"], "msg": str(error),
                 "type": "unverifiable_contact"}])
    known = {(c.kind, c.value) for c in submission.verified_contacts}
    added = tuple(c for c in contacts if (c.kind, c.value) not in known)
    return submission.model_copy(
        update={"verified_contacts": submission.verified_contacts + added})
