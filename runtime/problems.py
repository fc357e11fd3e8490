"""Every error answer of every service as RFC 9457 `application/problem+json`.

A problem names its kind by `type`: `https://complaints.invalid/problems/<slug>`, a URI that
identifies and is never fetched (`.invalid` cannot resolve). The slug is the service's reason
(`not-open`, `case-not-found`) from its error table, or the HTTP status's phrase
(`not-found`, `too-many-requests`) where nothing more specific is known. `title` is the same
for every problem of a type; `detail` is the reason text of this occurrence (what the services
answered as `detail` before); `instance` is the route the request matched, as its template
(`/v1/cases/{complaint_id}`), or the path where none matched: an object the caller may not see
must answer byte for byte as a missing one does, whichever id was asked for. Anything more a
refusal carries (a rule's name, allowed values, a validation's field errors) is an extension
member beside them.

A service declares its table once, `{DomainError: (status, slug)}`, and gives it to its
routers (`APIRouter(route_class=problems.mapping(ERRORS))`): an error of a class in it (the
most specific class wins) raised by a route is answered with its status, type and `str(error)`,
and the route's OpenAPI operation lists those statuses as problems.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

MEDIA_TYPE = "application/problem+json"
BASE = "https://complaints.invalid/problems/"

ErrorTable = Mapping[type[Exception], tuple[int, str]]


class ProblemDetails(BaseModel):
    """The body of every error answer (RFC 9457); extension members may follow."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description=f"The kind of problem: {BASE}<slug>",
                      examples=[f"{BASE}not-found"])
    title: str = Field(description="A short summary, the same for every problem of the type")
    status: int = Field(description="The HTTP status code")
    detail: str = Field(description="What went wrong this time, in words")
    instance: str = Field(description="The route (its template) or path the request asked for")


class ValidationProblem(ProblemDetails):
    """A 422 for a request that breaks its schema: each field's error under `errors`."""

    errors: list[dict[str, Any]] = Field(
        description="One entry per invalid field: `loc` (where), `msg` (why), `type`, `ctx`")


class Problem(StarletteHTTPException):
    """An HTTP error with its problem type and extension members."""

    def __init__(self, status: int, detail: str, *, slug: str | None = None,
                 headers: Mapping[str, str] | None = None, **extensions: Any) -> None:
        super().__init__(status, detail, headers=dict(headers) if headers else None)
        self.slug = slug or default_slug(status)
        self.extensions = extensions


def default_slug(status: int) -> str:
    """The slug of a problem known only by its status: the status's phrase (`not-found`)."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        return "error"
    return phrase.lower().replace(" ", "-").replace("'", "")


def type_uri(slug: str) -> str:
    """The problem type's URI."""
    return BASE + slug


def title_of(slug: str) -> str:
    """A problem type's title: its slug in words (`not-open` -> `Not open`)."""
    return slug.replace("-", " ").capitalize()


def body(status: int, detail: str, *, slug: str | None = None, instance: str = "",
         **extensions: Any) -> dict[str, Any]:
    """A problem document."""
    slug = slug or default_slug(status)
    return {"type": type_uri(slug), "title": title_of(slug), "status": status,
            "detail": detail, "instance": instance, **extensions}


def response(status: int, detail: str, *, slug: str | None = None, instance: str = "",
             headers: Mapping[str, str] | None = None, **extensions: Any) -> JSONResponse:
    """A problem answer (middleware that refuses before routing uses this too)."""
    return JSONResponse(body(status, detail, slug=slug, instance=instance, **extensions),
                        status_code=status, headers=dict(headers) if headers else None,
                        media_type=MEDIA_TYPE)


def instance(scope: Mapping[str, Any]) -> str:
    """The problem's `instance`: the matched route's template, else the request's path."""
    route = scope.get("route")
    return getattr(route, "path_format", None) or scope.get("path", "")


def lookup(table: ErrorTable, error: Exception) -> tuple[int, str] | None:
    """The table's (status, slug) for the most specific class of error it names."""
    for cls in type(error).__mro__:
        if cls in table:
            return table[cls]
    return None


def of_http_exception(request: Request, error: StarletteHTTPException) -> Response:
    """Any HTTPException (raised by a route, auth, or routing's own 404/405) as a problem."""
    extensions = dict(getattr(error, "extensions", {}))
    detail: Any = error.detail
    if isinstance(detail, Mapping):  # structured refusals: their members become extensions
        extensions |= {k: v for k, v in detail.items() if k != "detail"}
        said = [detail.get(key) for key in ("detail", "message", "reason")]
        detail = next((text for text in said if text), HTTPStatus(error.status_code).phrase)
    elif isinstance(detail, list):
        extensions["errors"] = detail
        detail = HTTPStatus(error.status_code).phrase
    if error.status_code in (204, 304):  # no body allowed
        return Response(status_code=error.status_code, headers=error.headers)
    return response(error.status_code, str(detail), slug=getattr(error, "slug", None),
                    instance=instance(request.scope), headers=error.headers, **extensions)


def documented(table: ErrorTable) -> type[APIRoute]:
    """A route class whose OpenAPI operations list the statuses of the table's errors."""
    statuses = sorted({status for status, _ in table.values()})

    class Documented(APIRoute):
        def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
            responses = dict(kwargs.pop("responses", None) or {})
            for status in statuses:
                responses.setdefault(status, {"description": HTTPStatus(status).phrase})
            super().__init__(path, endpoint, responses=responses, **kwargs)

    return Documented


def mapping(table: ErrorTable) -> type[APIRoute]:
    """A route class answering the table's errors as problems (`APIRouter(route_class=...)`),
    and listing them in the OpenAPI document."""
    caught = tuple(table)

    class Mapped(documented(table)):  # type: ignore[misc]
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def handle(request: Request) -> Response:
                try:
                    return await handler(request)
                except caught as error:
                    status, slug = lookup(table, error)  # type: ignore[misc]
                    raise Problem(status, str(error), slug=slug) from error

            return handle

    return Mapped


def install(api: FastAPI) -> None:
    """Answer every HTTPException (a Problem, a route's, auth's, routing's 404/405) as a
    problem; the 422 of request validation is runtime.request_validation's."""
    api.add_exception_handler(StarletteHTTPException, of_http_exception)  # type: ignore[arg-type]


def document(api: FastAPI) -> None:
    """Make api's OpenAPI document describe every error answer of every operation as a problem
    (422 as the validation problem), and list any other 4XX/5XX as one."""
    build = api.openapi

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is not None:
            return api.openapi_schema
        schema = build()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in (ProblemDetails, ValidationProblem):
            schemas[model.__name__] = model.model_json_schema(
                ref_template="#/components/schemas/{model}")
        schemas.pop("HTTPValidationError", None)  # every 422 is a ValidationProblem instead
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                answers = operation.setdefault("responses", {})
                for code, answer in answers.items():
                    if code[0] in "45":  # the route's own description is kept
                        model = ValidationProblem if code == "422" else ProblemDetails
                        answers[code] = _problem(answer.get("description", code), model)
                answers.setdefault("4XX", _problem("Refused: the problem says why"))
                answers.setdefault("5XX", _problem("Failed: the problem says why"))
        api.openapi_schema = schema
        return schema

    api.openapi = openapi  # type: ignore[method-assign]


def _problem(description: str, model: type[BaseModel] = ProblemDetails) -> dict[str, Any]:
    return {"description": description, "content": {
        MEDIA_TYPE: {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}}


__all__ = ["BASE", "MEDIA_TYPE", "ErrorTable", "Problem", "ProblemDetails", "ValidationProblem",
           "body", "document", "install", "lookup", "mapping", "response"]
