"""How intake's HTTP API refuses input: field-level reasons, counted by reason.

Bodies over MAX_BODY_BYTES get 413 from access control (runtime.auth.limits), in front of
every service, before anything parses them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NoReturn

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.responses import Response

from runtime.request_validation import unprocessable
from services.intake.metrics import REJECTED

FieldError = dict[str, Any]


def field_errors(error: ValidationError, *prefix: str | int) -> list[FieldError]:
    """Where and what is wrong; never the input itself, which may be personal data."""
    return [
        {"loc": [*prefix, *e["loc"]], "msg": e["msg"], "type": e["type"]}
        for e in error.errors(include_url=False, include_input=False, include_context=False)
    ]


def reason_of(error: FieldError) -> str:
    """The metric label of one refusal: the error type, named plainly where it matters."""
    loc = tuple(error["loc"])
    if error["type"] == "string_too_long" and loc[-1:] == ("text",):
        return "text_too_long"
    if loc == ("path", "channel"):
        return "unknown_channel"
    return error["type"]


def count(errors: Iterable[FieldError]) -> None:
    """Count each distinct reason of one refused submission once."""
    for reason in {reason_of(e) for e in errors}:
        REJECTED.labels(reason).inc()


def refuse(errors: Sequence[FieldError]) -> NoReturn:
    """Answer 422 with these field errors (through the counting handler)."""
    raise RequestValidationError(list(errors))


async def counted_refusal(request: Request, exc: Exception) -> Response:
    """Every service's 422 answer (runtime.request_validation), counted by reason."""
    assert isinstance(exc, RequestValidationError)
    count(exc.errors())
    return await unprocessable(request, exc)


def install(http: FastAPI) -> None:
    """Count every refused submission by reason."""
    http.add_exception_handler(RequestValidationError, counted_refusal)
