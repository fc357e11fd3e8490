"""How every service checks a request's text and answers bad input: one path for all routes.

JSON may carry text that Python decodes but nothing downstream can hold: `"\\ud800"` becomes a
lone surrogate in a `str`, which no UTF-8 encoder (store, hash, seal, response) accepts. Such a
string, and a Unicode non-character (U+FDD0..U+FDEF, U+xFFFE, U+xFFFF: reserved for a program's
internal use, never text a person wrote), is refused with a 422 naming where it is, before any
handler or store sees it. Every 422 is FastAPI's shape without the input: the input may be
personal data, or the very text no response can encode. Its messages come in the language the
caller's `Accept-Language` prefers (runtime.validation_messages).
"""

from __future__ import annotations

import email.message
import itertools
import re
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict
from starlette.responses import Response

from contracts.intake import Language
from runtime import problems, validation_messages
from runtime.language import DEFAULT, negotiate

Loc = tuple[str | int, ...]
SURROGATE = re.compile(r"[\ud800-\udfff]")
NONCHARACTER = re.compile("[\\ufdd0-\\ufdef" + "".join(
    f"\\U{plane << 16 | 0xFFFE:08x}\\U{plane << 16 | 0xFFFF:08x}" for plane in range(17)) + "]")
MAX_ERRORS = 10  # a body of a million bad strings gets a short answer


class RequestBody(BaseModel):
    """A request's JSON body: a field it does not declare is refused (422), never ignored, so
    a misspelt or unexpected field cannot pass unseen."""

    model_config = ConfigDict(extra="forbid")


def flaw(text: str) -> tuple[str, str] | None:
    """Why no service should take this text (error type, message), or None."""
    if found := SURROGATE.search(text):
        return "string_unicode", (
            f"String should be valid Unicode: the lone surrogate U+{ord(found[0]):04X} at "
            f"character {found.start()} cannot be encoded as UTF-8")
    if found := NONCHARACTER.search(text):
        return "string_noncharacter", (
            f"String should be text: U+{ord(found[0]):04X} at character {found.start()} is a "
            "Unicode non-character")
    return None


def printable(value: Any) -> Any:
    """value with every string made encodable (a lone surrogate spelled as \\udXXX)."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, list | tuple):
        return [printable(item) for item in value]
    if isinstance(value, dict):
        return {printable(key): printable(item) for key, item in value.items()}
    return value


def refusal(loc: Loc, found: tuple[str, str]) -> dict[str, Any]:
    """A validation error in FastAPI's shape, its location made encodable."""
    return {"type": found[0], "loc": printable(list(loc)), "msg": found[1]}


def unfit_text(seeds: Iterable[tuple[Loc, Any]]) -> Iterator[dict[str, Any]]:
    """An error for each string (object keys too) under the seeds that flaw() refuses."""
    pending = deque(seeds)
    while pending:  # breadth first and without recursion: JSON nests as deep as it likes
        loc, value = pending.popleft()
        if isinstance(value, str) and (found := flaw(value)):
            yield refusal(loc, found)
        elif isinstance(value, dict):
            for key, item in value.items():
                if found := flaw(key):
                    yield refusal((*loc, key), found)
                pending.append(((*loc, key), item))
        elif isinstance(value, list):
            pending.extend(((*loc, index), item) for index, item in enumerate(value))


async def json_body(request: Request) -> Any:
    """The request's JSON body as FastAPI reads it (None if it has none or it is malformed)."""
    declared = email.message.Message()
    declared["content-type"] = request.headers.get("content-type", "")
    subtype = declared.get_content_subtype()
    if declared.get_content_maintype() != "application" or not (
            subtype == "json" or subtype.endswith("+json")):
        return None  # raw bodies (evidence files, channel payloads) are the route's to read
    try:
        return await request.json()  # cached on the request: FastAPI parses it once
    except (ValueError, RecursionError):
        return None  # the route answers malformed JSON itself


async def fit_text(request: Request) -> None:
    """Refuse (422) a request whose path, query or JSON body holds text no service can keep."""
    query = [(("query",), dict([pair])) for pair in request.query_params.multi_items()]
    seeds = [(("path",), dict(request.path_params)), *query, (("body",), await json_body(request))]
    errors = list(itertools.islice(unfit_text(seeds), MAX_ERRORS))
    if errors:
        raise RequestValidationError(errors)


def declared_query(dependant: Dependant) -> set[str]:
    """The query parameters a route takes, its dependencies' (page sizes, ...) included."""
    names = {param.alias for param in dependant.query_params}
    for dependency in dependant.dependencies:
        names |= declared_query(dependency)
    return names


async def known_query(request: Request) -> None:
    """Refuse (422) a query parameter the route does not take, naming it: a misspelt filter
    (`assignee=me` for `view=mine`) would otherwise widen the answer without a word."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    accepted = declared_query(route.dependant)
    unknown = sorted(set(request.query_params) - accepted)
    if unknown:
        takes = ", ".join(sorted(accepted)) or "none"
        raise RequestValidationError([
            {"type": "query_unknown", "loc": ("query", name),
             "msg": f"Unknown query parameter {name!r}; this route takes: {takes}",
             "ctx": {"parameter": name, "accepted": takes}}
            for name in unknown[:MAX_ERRORS]])


def without_input(error: dict[str, Any], language: Language = DEFAULT) -> dict[str, Any]:
    """One validation error as a client sees it: where, what, and the rule's context."""
    shown = {"type": error["type"], "loc": list(error["loc"]),
             "msg": validation_messages.message(error, language)}
    if "ctx" in error:
        shown["ctx"] = jsonable_encoder(error["ctx"])
    return printable(shown)


async def unprocessable(request: Request, exc: Exception) -> Response:
    """The 422 of every service: a problem whose `errors` are FastAPI's [{type, loc, msg, ctx}]
    and whose `detail` joins them (`body.text: Field required`), never the input."""
    assert isinstance(exc, RequestValidationError)
    language = negotiate(request.headers.get("accept-language"))
    errors = [without_input(e, language) for e in exc.errors()]
    detail = "; ".join(".".join(map(str, e["loc"])) + ": " + e["msg"] for e in errors)
    return problems.response(422, detail, slug="invalid-request",
                             instance=problems.instance(request.scope), errors=errors)


def install(api: FastAPI) -> None:
    """Check every request's text and answer every 422 here, and every other error answer as a
    problem (runtime.problems, which the OpenAPI document shows); call before adding routes."""
    if any(isinstance(route, APIRoute) for route in api.routes):
        raise RuntimeError("install request validation before the routes it must cover")
    api.router.dependencies.append(Depends(fit_text))
    api.add_exception_handler(RequestValidationError, unprocessable)
    problems.install(api)
    problems.document(api)
