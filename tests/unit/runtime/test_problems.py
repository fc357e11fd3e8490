"""Every error answer is an RFC 9457 problem: domain errors by the service's table, HTTP errors
by their status, validation errors with their fields; the OpenAPI document lists them."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, FastAPI, HTTPException
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from runtime import problems, request_validation


class Refused(Exception):
    pass


class NotOpen(Refused):
    pass


class Note(BaseModel):
    text: str = Field(max_length=10)


TABLE: problems.ErrorTable = {Refused: (409, "refused"), NotOpen: (409, "not-open")}


@pytest.fixture
def client() -> TestClient:
    api = FastAPI()
    request_validation.install(api)  # as every service's app: problems installed with it
    router = APIRouter(route_class=problems.mapping(TABLE))

    @router.post("/things/{thing}/close")
    def close(thing: str) -> dict[str, str]:
        if thing == "closed":
            raise NotOpen(f"{thing} is not open")
        if thing == "odd":
            raise Refused("odd things are refused")
        if thing == "rule":
            raise HTTPException(403, {"rule": "four_eyes", "detail": "not your own"})
        if thing == "teapot":
            raise problems.Problem(418, "short and stout", slug="teapot", spout=1)
        return {"closed": thing}

    @router.post("/notes")
    def note(note: Note) -> Note:
        return note

    api.include_router(router)
    return TestClient(api)


def test_a_domain_error_is_a_problem_of_its_tables_most_specific_type(client: TestClient):
    answer = client.post("/things/closed/close")

    assert answer.headers["content-type"] == "application/problem+json"
    assert (answer.status_code, answer.json()) == (409, {
        "type": "https://complaints.invalid/problems/not-open", "title": "Not open",
        "status": 409, "detail": "closed is not open", "instance": "/things/{thing}/close"})
    assert client.post("/things/odd/close").json()["type"].endswith("/problems/refused")


def test_an_http_exception_keeps_its_reason_and_structured_members(client: TestClient):
    rule = client.post("/things/rule/close")
    teapot = client.post("/things/teapot/close")

    assert (rule.status_code, rule.json()) == (403, {
        "type": "https://complaints.invalid/problems/forbidden", "title": "Forbidden",
        "status": 403, "detail": "not your own", "instance": "/things/{thing}/close",
        "rule": "four_eyes"})
    assert (teapot.status_code, teapot.json()["type"], teapot.json()["spout"]) == (
        418, "https://complaints.invalid/problems/teapot", 1)


def test_unknown_routes_and_methods_are_problems(client: TestClient):
    missing = client.get("/nowhere")
    wrong_method = client.get("/notes")

    assert missing.headers["content-type"] == "application/problem+json"
    assert (missing.status_code, missing.json()["type"], missing.json()["detail"]) == (
        404, "https://complaints.invalid/problems/not-found", "Not Found")
    assert (wrong_method.status_code, wrong_method.json()["type"]) == (
        405, "https://complaints.invalid/problems/method-not-allowed")


def test_a_validation_error_names_each_field_under_errors(client: TestClient):
    answer = client.post("/notes", json={"text": "far too long for a note"})

    assert answer.headers["content-type"] == "application/problem+json"
    assert (answer.status_code, answer.json()) == (422, {
        "type": "https://complaints.invalid/problems/invalid-request",
        "title": "Invalid request", "status": 422,
        "detail": "body.text: String should have at most 10 characters",
        "instance": "/notes",
        "errors": [{"type": "string_too_long", "loc": ["body", "text"],
                    "msg": "String should have at most 10 characters",
                    "ctx": {"max_length": 10}}]})


def test_the_openapi_document_lists_the_tables_statuses_and_the_validation_problem(
    client: TestClient,
):
    document = client.get("/openapi.json").json()
    answers = document["paths"]["/notes"]["post"]["responses"]
    media = "application/problem+json"

    assert answers["409"]["content"][media]["schema"] == {
        "$ref": "#/components/schemas/ProblemDetails"}
    assert answers["422"]["content"][media]["schema"] == {
        "$ref": "#/components/schemas/ValidationProblem"}
    assert {"4XX", "5XX"} <= set(answers)
    schemas = document["components"]["schemas"]
    assert schemas["ProblemDetails"]["required"] == ["type", "title", "status", "detail",
                                                     "instance"]
    assert "errors" in schemas["ValidationProblem"]["properties"]
    assert "HTTPValidationError" not in schemas


def test_a_middlewares_refusal_is_a_problem_too():
    answer = problems.response(429, "too many requests", instance="/v1/x",
                               headers={"Retry-After": "1"})

    assert answer.media_type == "application/problem+json"
    assert answer.headers["retry-after"] == "1"
    assert problems.body(429, "too many requests", instance="/v1/x") == {
        "type": "https://complaints.invalid/problems/too-many-requests",
        "title": "Too many requests", "status": 429, "detail": "too many requests",
        "instance": "/v1/x"}


def test_the_instance_is_the_routes_template_so_any_ids_refusal_reads_the_same(
    client: TestClient,
):
    one, other = client.post("/things/closed/close"), client.post("/things/odd/close")
    missing = client.get("/no/such/route")

    assert one.json()["instance"] == other.json()["instance"] == "/things/{thing}/close"
    assert missing.json()["instance"] == "/no/such/route"  # no route matched: the path
