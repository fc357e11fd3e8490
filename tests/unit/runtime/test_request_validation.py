"""One request-validation path (runtime.request_validation): text no service can keep is a 422
naming where it is, and no 422 echoes the input."""

from __future__ import annotations

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from runtime import request_validation
from runtime.request_validation import MAX_ERRORS, flaw


class Note(BaseModel):
    text: str = Field(max_length=10)
    tags: list[str] = []


@pytest.fixture
def client() -> TestClient:
    app = FastAPI()
    request_validation.install(app)

    @app.post("/notes/{case}")
    def add(case: str, note: Note, kind: str = "") -> dict:
        return {"case": case, "text": note.text, "kind": kind}

    @app.put("/raw")
    async def raw(request: Request) -> dict:  # reads its own body, as evidence uploads do
        return {"size": len(await request.body())}

    return TestClient(app)


def post(client: TestClient, body: str, path: str = "/notes/c-1", **params: str):
    return client.post(path, content=body.encode("ascii"), params=params,
                       headers={"content-type": "application/json"})


@pytest.mark.parametrize(("text", "expected"), [
    ("ab\ud800", ("string_unicode", "String should be valid Unicode: the lone surrogate U+D800 "
                  "at character 2 cannot be encoded as UTF-8")),
    ("\udfff", ("string_unicode", "String should be valid Unicode: the lone surrogate U+DFFF "
                "at character 0 cannot be encoded as UTF-8")),
    ("x\ufdd0", ("string_noncharacter",
                 "String should be text: U+FDD0 at character 1 is a Unicode non-character")),
    ("\ufdef", ("string_noncharacter",
                "String should be text: U+FDEF at character 0 is a Unicode non-character")),
    ("\uffff", ("string_noncharacter",
                "String should be text: U+FFFF at character 0 is a Unicode non-character")),
    ("\U0010fffe", ("string_noncharacter",
                    "String should be text: U+10FFFE at character 0 is a Unicode non-character")),
    ("\U0001ffff", ("string_noncharacter",
                    "String should be text: U+1FFFF at character 0 is a Unicode non-character")),
])
def test_surrogates_and_noncharacters_are_flawed(text: str, expected: tuple[str, str]):
    assert flaw(text) == expected


@pytest.mark.parametrize("text", ["", "王小明 📦 ok", "\ufdcf\ufdf0\ufffd\U0010fffd", "\t\n"])
def test_real_text_has_no_flaw(text: str):
    assert flaw(text) is None


def test_a_lone_surrogate_in_the_body_is_a_422_naming_the_field(client: TestClient):
    response = post(client, '{"text": "a\\ud800", "tags": ["ok", "\\udc00"]}')

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"type": "string_unicode", "loc": ["body", "text"], "msg": "String should be valid "
         "Unicode: the lone surrogate U+D800 at character 1 cannot be encoded as UTF-8"},
        {"type": "string_unicode", "loc": ["body", "tags", 1], "msg": "String should be valid "
         "Unicode: the lone surrogate U+DC00 at character 0 cannot be encoded as UTF-8"},
    ]


def test_a_bad_key_is_named_encodably(client: TestClient):
    response = post(client, '{"text": "a", "\\ud800": 1}')

    assert [(e["type"], e["loc"]) for e in response.json()["errors"]] == [
        ("string_unicode", ["body", "\\ud800"])]


def test_query_and_path_parameters_are_checked(client: TestClient):
    response = post(client, '{"text": "a"}', path="/notes/c%EF%BF%BE", kind="\ufdd0")

    assert [(e["type"], e["loc"]) for e in response.json()["errors"]] == [
        ("string_noncharacter", ["path", "case"]), ("string_noncharacter", ["query", "kind"])]


def test_a_huge_body_of_bad_strings_gets_a_short_answer(client: TestClient):
    response = post(client, '{"text": "a", "tags": [' + ",".join(['"\\ud800"'] * 500) + "]}")

    assert len(response.json()["errors"]) == MAX_ERRORS


def test_other_422s_keep_fastapis_shape_without_the_input(client: TestClient):
    response = post(client, '{"text": "far too long for a note"}')

    assert (response.status_code, response.json()["errors"]) == (422, [{
        "type": "string_too_long", "loc": ["body", "text"],
        "msg": "String should have at most 10 characters", "ctx": {"max_length": 10}}])


def test_malformed_json_and_raw_bodies_are_the_routes_to_judge(client: TestClient):
    assert post(client, '{"text": ').json()["errors"][0]["type"] == "json_invalid"
    raw = client.put("/raw", content='{"a": "\\ud800"}'.encode("ascii"),
                     headers={"content-type": "application/octet-stream"})
    assert raw.json() == {"size": 15}


def test_good_text_passes(client: TestClient):
    response = post(client, '{"text": "\\u738b \\ud83d\\udce6"}', kind="web")

    assert response.json() == {"case": "c-1", "text": "王 📦", "kind": "web"}


def test_it_must_be_installed_before_the_routes_it_covers():
    app = FastAPI()
    app.get("/x")(lambda: None)

    with pytest.raises(RuntimeError):
        request_validation.install(app)
