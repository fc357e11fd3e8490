"""Each service's OpenAPI document is checked in (contracts/openapi) and kept current, and it
describes every error answer as a problem (RFC 9457)."""

from __future__ import annotations

import json

import pytest

from services import openapi

MEDIA = "application/problem+json"


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    return openapi.render()


def test_the_checked_in_documents_are_current(rendered):
    assert openapi.stale(rendered=rendered) == []


def test_a_changed_or_missing_document_is_reported_stale(tmp_path, rendered):
    for name, text in rendered.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert openapi.stale(tmp_path, rendered) == []

    (tmp_path / "sla.json").write_text("{}", encoding="utf-8")
    (tmp_path / "work.json").unlink()

    assert openapi.stale(tmp_path, rendered) == ["sla.json", "work.json"]


def test_every_error_answer_of_every_operation_is_a_problem(rendered):
    for name, text in rendered.items():
        document = json.loads(text)
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                answers = operation["responses"]
                assert {"4XX", "5XX"} <= set(answers), (name, path, method)
                for code, answer in answers.items():
                    if code[0] in "45":
                        assert list(answer["content"]) == [MEDIA], (name, path, method, code)


def test_the_error_tables_statuses_are_listed_on_their_routes(rendered):
    dispatch = json.loads(rendered["dispatch.json"])
    transfer = dispatch["paths"]["/v1/assignments/{complaint_id}/transfer"]["post"]["responses"]
    sla = json.loads(rendered["sla.json"])
    extend = sla["paths"]["/v1/clocks/{complaint_id}/extensions"]["post"]["responses"]

    assert {"404", "409", "422"} <= set(transfer)  # NoSuchAssignment, NotOpen, UnknownTarget
    assert transfer["422"]["content"][MEDIA]["schema"] == {
        "$ref": "#/components/schemas/ValidationProblem"}
    assert transfer["409"]["content"][MEDIA]["schema"] == {
        "$ref": "#/components/schemas/ProblemDetails"}
    assert {"409", "422"} <= set(extend)  # ClockNotLive..., ApprovalRequired
