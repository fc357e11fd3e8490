"""Issue #21, point 4: text no service can keep (a lone UTF-16 surrogate, a Unicode
non-character) is a 422 naming the field on the real services, and nothing is stored.

JSON's "\\ud800" decodes into a Python str that no UTF-8 encoder takes: it used to reach
FastAPI's 422 answer, which echoes the input and could not encode it (a plain-text 500).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.auth_tokens import bearer
from tests.integration.platform_world import EVERY_ROLE, PHONE, TENANT, World, platform_world

pytestmark = pytest.mark.integration

SURROGATE = {"type": "string_unicode", "msg": "String should be valid Unicode: the lone "
             "surrogate U+D800 at character 4 cannot be encoded as UTF-8"}
NONCHARACTER = {"type": "string_noncharacter", "msg": "String should be text: U+FFFE at "
                "character 4 is a Unicode non-character"}


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[World]:
    with platform_world(tmp_path_factory.mktemp("text"), complaints=6) as world:
        yield world


def owner(world: World, complaint_id: str) -> dict[str, str]:
    return bearer(world.tokens.token(*EVERY_ROLE, tenant=TENANT,
                                     departments=[world.departments[complaint_id]]))


def send(world: World, service: str, path: str, headers: dict[str, str], body: str):
    """Body as raw JSON text, so that "\\ud800" reaches the service exactly as written."""
    return world.clients[service].post(
        path, content=body.encode("ascii"),
        headers={**headers, "content-type": "application/json"})


@pytest.mark.parametrize(("bad", "error"), [("\\ud800", SURROGATE), ("\\ufffe", NONCHARACTER)])
def test_filing_a_complaint_with_bad_text_is_a_422_naming_the_field(world: World, bad, error):
    adapter = bearer(world.tokens.client(tenant=TENANT))
    stored = world.stored()
    body = ('{"channel": "web", "subject": "Double charge", "text": "Card' + bad + ' charged '
            'twice", "customer": {"id": "cust-9", "name": "Ann", "contact": "' + PHONE + '"}}')

    response = send(world, "intake", "/v1/complaints", adapter, body)

    assert (response.status_code, response.json()["errors"]) == (
        422, [{**error, "loc": ["body", "text"]}])
    assert world.stored() == stored


@pytest.mark.parametrize(("bad", "error"), [("\\ud800", SURROGATE), ("\\ufffe", NONCHARACTER)])
def test_a_case_note_with_bad_text_is_a_422_naming_the_field(world: World, bad, error):
    complaint_id = next(iter(world.departments))
    stored = world.stored()

    response = send(world, "resolution", f"/v1/cases/{complaint_id}/notes",
                    owner(world, complaint_id), '{"text": "Note' + bad + ' here"}')

    assert (response.status_code, response.json()["errors"]) == (
        422, [{**error, "loc": ["body", "text"]}])
    assert world.stored() == stored


@pytest.mark.parametrize(("bad", "error"), [("\\ud800", SURROGATE), ("\\ufffe", NONCHARACTER)])
def test_a_transfer_with_bad_text_is_a_422_naming_the_field(world: World, bad, error):
    complaint_id = next(iter(world.departments))
    stored = world.stored()

    response = send(world, "dispatch", f"/v1/assignments/{complaint_id}/transfer",
                    owner(world, complaint_id),
                    '{"to_queue": "general", "reason": "Wait' + bad + '"}')

    assert (response.status_code, response.json()["errors"]) == (
        422, [{**error, "loc": ["body", "reason"]}])
    assert world.stored() == stored


def test_a_bad_key_or_list_item_is_named_where_it_is(world: World):
    adapter = bearer(world.tokens.client(tenant=TENANT))
    body = ('{"items": [{"idempotency_key": "k-1", "submission": {"channel": "web", '
            '"subject": "s", "text": "t", "customer": {"id": "c", "\\ud800": "x"}}}, '
            '"abc\\ud800"]}')

    response = send(world, "intake", "/v1/complaints:batch", adapter, body)

    assert response.status_code == 422
    assert [(e["type"], e["loc"]) for e in response.json()["errors"]] == [
        ("string_unicode", ["body", "items", 1]),
        ("string_unicode", ["body", "items", 0, "submission", "customer", "\\ud800"]),
    ]
