"""Fuzz every operation of every service's OpenAPI document (schemathesis, in-process ASGI),
valid and invalid input, as every kind of caller: no 5xx, and a refused request stores no
event. Operations on one complaint are fuzzed on made-up ids and on a real complaint.

The services are the real ones (tests.integration.platform_world). One kind of refusal does
store an event, by design: resolution records a command its controls refuse (four eyes,
approver role, recusal...) as `resolution.action_refused.v1`, so auditors see attempted
violations; such answers carry the control's `rule` and are told apart below.

Valid requests are also sent with one string made bad text (tests.hostile_text: lone
surrogates, non-characters, overlong strings), which schemathesis alone never or rarely draws.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from starlette.types import ASGIApp, Receive, Scope, Send

from tests.auth_tokens import bearer
from tests.hostile_text import with_bad_text
from tests.integration.platform_world import EVERY_ROLE, TENANT, World, platform_world

pytestmark = pytest.mark.integration

SERVICES = ["intake", "dispatch", "sla", "resolution", "audit", "analytics"]
CALLERS = ["anonymous", "garbage", "other-tenant", "other-department", "adapter", "owner"]
# /readyz answers 503 by design while the service's lifespan (Kafka) is not running.
NOT_FUZZED = {"GET /readyz"}


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[World]:
    with platform_world(tmp_path_factory.mktemp("fuzz"), complaints=6) as world:
        yield world


@pytest.fixture(scope="module")
def complaint(world: World) -> tuple[str, str]:
    """A real complaint and its department."""
    return next(iter(world.departments.items()))


@pytest.fixture(scope="module")
def callers(world: World, complaint) -> dict[str, dict[str, str]]:
    _, department = complaint
    other = sorted(set(world.departments.values()) - {department})[0]
    mint = world.tokens.token
    return {
        "anonymous": {},
        "garbage": {"Authorization": "Bearer not.a.jwt"},
        "other-tenant": bearer(mint(*EVERY_ROLE, tenant="globex", departments=[department])),
        "other-department": bearer(mint("supervisor", tenant=TENANT, departments=[other])),
        "adapter": bearer(world.tokens.client(tenant=TENANT)),
        "owner": bearer(mint("supervisor", "administrator", tenant=TENANT,
                             departments=[department], sub="owner")),
    }


class WithoutLifespan:
    """The app, its lifespan (Kafka producer, relay, agents) left out: HTTP only."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})


def recorded_refusal(response) -> bool:
    """A refusal resolution's controls record on the case (403 with the control's rule)."""
    if response.status_code != 403:
        return False
    return "rule" in response.json()  # an extension member of the problem


@pytest.mark.parametrize("service", SERVICES)
def test_no_operation_fails_or_stores_an_event_when_refused(world, callers, complaint, service):
    client = world.clients[service]
    schema = schemathesis.openapi.from_asgi("/openapi.json", WithoutLifespan(client.app))
    operations = [r.ok() for r in schema.get_all_operations()
                  if r.ok().label not in NOT_FUZZED]
    store = world.runtimes.get(service)
    complaint_id, _ = complaint
    fuzzed, unsatisfiable = [], []
    for operation in operations:
        for mode in GenerationMode:
            strategies = [operation.as_strategy(generation_mode=mode)]
            if "{complaint_id}" in operation.path:
                strategies.append(operation.as_strategy(
                    generation_mode=mode, path_parameters={"complaint_id": complaint_id}))
            if "{action_id}" in operation.path:
                strategies.append(operation.as_strategy(
                    generation_mode=mode, path_parameters={"action_id": world.action_id}))
            if mode is GenerationMode.POSITIVE:  # valid but for one string: reaches deepest
                strategies.append(with_bad_text(strategies[0]))
            for strategy in strategies:
                try:
                    fuzz(strategy, callers, store)
                except Unsatisfiable:
                    # Nothing to make invalid (no parameters, no body): positive cases only.
                    assert mode is GenerationMode.NEGATIVE, operation.label
                    unsatisfiable.append(operation.label)
        fuzzed.append(operation.label)
    assert len(fuzzed) >= 4
    assert set(unsatisfiable) < set(fuzzed)


def fuzz(strategy, callers: dict[str, dict[str, str]], store) -> None:
    @given(case=strategy)
    @settings(max_examples=8, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case) -> None:
        for caller, headers in callers.items():  # each generated request, as every caller
            before = store.app.recorder.max_notification_id() if store else None
            response = case.call(headers={**(case.headers or {}), **headers})
            case.validate_response(response, checks=[not_a_server_error])
            if store and response.status_code >= 400 and not recorded_refusal(response):
                after = store.app.recorder.max_notification_id()
                assert after == before, (caller, case.method, case.path, response.text)
            if response.status_code < 300:
                path = case.operation.path
                assert may_succeed(caller, case.method, path), (caller, case.method, path)

    run()


def may_succeed(caller: str, method: str, path: str) -> bool:
    """Which callers any request of this operation may succeed for."""
    if open_route(path) or caller == "owner":
        return True
    if caller == "adapter":  # a channel adapter files complaints, nothing else
        return method == "POST" and path in FILING
    if caller in ("other-tenant", "other-department"):
        # Tenant-wide reads (libraries, their own tenant's logs, reports and filings) answer;
        # nothing about this tenant's complaint does, nor another tenant's action.
        return "{complaint_id}" not in path and (
            "{action_id}" not in path or caller == "other-department")
    return False  # anonymous, garbage


FILING = {"/v1/complaints", "/v1/complaints:batch", "/v1/channels/{channel}"}


def open_route(path: str) -> bool:
    """Routes that take no bearer token: operations endpoints, tracking and survey links."""
    return path in ("/healthz", "/metrics") or path.startswith(("/v1/track/", "/v1/surveys/"))


# Issue #21, point 8: evidence bytes of any kind, under any accepted type, on the real
# resolution service: never a 5xx, markup never stored, every stored file only downloadable.
MARKUP = [b"<html><body>x</body></html>", b"<!DOCTYPE html><p>x", b"<svg onload=x()>",
          b"<script>x()</script>", b"<?xml version='1.0'?><x/>", b"<iframe src=//x>"]
DECLARED = ["image/png", "image/jpeg", "image/gif", "audio/mpeg", "application/pdf",
            "text/plain", "text/csv", "message/rfc822", "application/msword"]
PREFIXES = [b"", b"  \n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\t "]


def test_evidence_uploads_never_fail_and_markup_is_never_stored(world, callers, complaint):
    resolution = world.clients["resolution"]
    complaint_id, _ = complaint
    owner = callers["owner"]
    accepted: list[str] = []

    @given(content=st.one_of(
               st.binary(min_size=1, max_size=256),
               st.tuples(st.sampled_from(PREFIXES), st.sampled_from(MARKUP)).map(b"".join),
               st.sampled_from([b"\x89PNG\r\n\x1a\n", b"%PDF-1.7", b"ID3\x03", b"GIF89a"])
               .flatmap(lambda magic: st.binary(max_size=64).map(lambda rest: magic + rest))),
           declared=st.sampled_from(DECLARED))
    @settings(max_examples=150, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def upload(content: bytes, declared: str) -> None:
        response = resolution.put(
            f"/v1/cases/{complaint_id}/evidence", params={"filename": "f.bin"},
            content=content, headers={**owner, "content-type": declared})
        assert response.status_code in (201, 422), (declared, content, response.text)
        if response.status_code == 201:
            assert not any(markup in content for markup in MARKUP), (declared, content)
            accepted.append(response.json()["evidence_id"])

    upload()
    assert accepted, "some generated files are what they say"
    for evidence_id in accepted:
        read = resolution.get(f"/v1/cases/{complaint_id}/evidence/{evidence_id}", headers=owner)
        assert read.status_code == 200
        assert read.headers["x-content-type-options"] == "nosniff"
        assert read.headers["content-disposition"].startswith("attachment; ")


# Issue #21, point 1: whatever an agent writes around a phone number in a note, the audit
# history shows it to an auditor without pii:read masked, and logs nothing for them.
def test_an_auditor_never_reads_a_notes_phone_number_through_audit(world, complaint):
    complaint_id, department = complaint
    resolution, audit = world.clients["resolution"], world.clients["audit"]
    agent = bearer(world.tokens.token("agent", tenant=TENANT, departments=[department]))
    auditor = bearer(world.tokens.token("auditor", tenant=TENANT, sub="fuzz-auditor"))
    phone = "13912345678"

    @given(before=st.text(max_size=40), after=st.text(max_size=40))
    @settings(max_examples=25, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def note(before: str, after: str) -> None:
        written = resolution.post(f"/v1/cases/{complaint_id}/notes", headers=agent,
                                  json={"text": f"{before} {phone} {after}"})
        assert written.status_code in (201, 422), written.text
        history = audit.get(f"/v1/audit/complaints/{complaint_id}/history", headers=auditor)
        assert history.status_code == 200
        assert phone not in history.text

    note()
    assert [read for log in world.pii_logs for read in log.query(tenant=TENANT, limit=1000)
            if read.subject == "fuzz-auditor"] == []
