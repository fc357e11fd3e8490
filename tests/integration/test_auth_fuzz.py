"""Fuzz every operation of the demo API from its OpenAPI document (schemathesis, in-process
ASGI), valid and invalid input, as every kind of caller: no 5xx, and a refused request changes
nothing. Operations on one complaint are fuzzed on made-up ids and on a real complaint, and
valid requests also with one string made bad text (tests.hostile_text: lone surrogates,
non-characters, overlong strings).
"""

from __future__ import annotations

import time

import jwt
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from tests.hostile_text import with_bad_text
from tests.unit.auth.demo_app import Demo, build_demo

CALLERS = ["anonymous", "garbage", "supervisor", "agent", "auditor", "adapter", "other-tenant",
           "exp-string", "exp-1e20", "roles-string"]
# Correctly signed, but with claims of the wrong type or no end (issue #21, point 9): as good
# as no token at all.
LOOSE = ("exp-string", "exp-1e20", "roles-string")
OPERATIONS = [
    "POST /v1/complaints", "GET /v1/complaints", "GET /v1/complaints/{complaint_id}",
    "POST /v1/complaints/{complaint_id}/notes", "POST /v1/complaints/{complaint_id}/reassignment",
    "POST /v1/complaints/{complaint_id}/approval", "GET /v1/analytics/count",
    "GET /v1/audit/pii-access",
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Demo:
    return build_demo(tmp_path_factory.mktemp("fuzz"), max_body_bytes=16 * 1024)


@pytest.fixture(scope="module")
def schema(demo: Demo):
    return schemathesis.openapi.from_asgi("/openapi.json", demo.app)


@pytest.fixture(scope="module")
def tokens(demo: Demo) -> dict[str, str | None]:
    mint = demo.issuer.mint
    supervisor = jwt.decode(mint(sub="sue", tenant="acme", roles=["supervisor"],
                                 departments=["billing", "claims"]),
                            options={"verify_signature": False})

    def loose(**claims) -> str:
        return jwt.encode({**supervisor, **claims}, demo.issuer._key, algorithm="EdDSA",
                          headers={"kid": demo.issuer.kid})

    return {
        "exp-string": loose(exp=str(int(time.time()) + 600)),
        "exp-1e20": loose(exp=10**20),
        "roles-string": loose(roles="supervisor"),
        "anonymous": None,
        "garbage": "not.a.jwt",
        "supervisor": mint(sub="sue", tenant="acme", roles=["supervisor"],
                           departments=["billing", "claims"]),
        "agent": mint(sub="al", tenant="acme", roles=["agent"], departments=["billing"]),
        "auditor": mint(sub="ann", tenant="acme", roles=["auditor"]),
        "adapter": demo.issuer.client_credentials(client_id="web", role="channel_adapter",
                                                  tenant="acme"),
        "other-tenant": mint(sub="eve", tenant="globex", roles=["supervisor"],
                             departments=["billing"]),
    }


@pytest.fixture(scope="module")
def real_complaint(demo: Demo, tokens) -> str:
    from fastapi.testclient import TestClient

    response = TestClient(demo.app).post(
        "/v1/complaints", headers={"Authorization": f"Bearer {tokens['adapter']}"},
        json={"department": "billing", "subject": "s", "text": "t", "customer": {
            "id": "c-1", "name": "Li Lei", "phone": "13812345678", "email": "li@example.cn"}})
    return response.json()["complaint_id"]


def test_the_fuzzed_operations_are_all_of_them(schema):
    assert sorted(result.ok().label for result in schema.get_all_operations()) == sorted(
        OPERATIONS)


@pytest.mark.parametrize("mode", list(GenerationMode))
@pytest.mark.parametrize("label", OPERATIONS)
def test_no_operation_fails_or_changes_state_when_refused(
        schema, demo, tokens, real_complaint, label, mode):
    [operation] = [r.ok() for r in schema.get_all_operations() if r.ok().label == label]
    strategies = [operation.as_strategy(generation_mode=mode)]
    if "{complaint_id}" in label:
        strategies.append(operation.as_strategy(
            generation_mode=mode, path_parameters={"complaint_id": real_complaint}))
    if mode is GenerationMode.POSITIVE:  # valid but for one string: past validation, deepest
        strategies += [with_bad_text(strategy) for strategy in strategies]

    for strategy in strategies:
        @given(case=strategy)
        @settings(max_examples=25, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case) -> None:
            for caller in CALLERS:  # each generated request, as every kind of caller
                token = tokens[caller]
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                changes = demo.store.changes
                response = case.call(headers=headers)
                case.validate_response(response, checks=[not_a_server_error])
                if response.status_code >= 400:
                    assert demo.store.changes == changes, (caller, response.status_code)
                if caller in ("anonymous", "garbage", *LOOSE):
                    # FastAPI reads the body before it solves dependencies: a malformed body
                    # gets 400 or 422 first, which tells nothing about any complaint.
                    assert response.status_code in (400, 401, 413, 422), (caller, response.text)

        fuzz()
