"""The HTTP API: clocks with derived timeliness, the ledger, extensions, policy reloads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.sla import api
from services.sla.application import SlaApplication
from services.sla.catalog import DEFAULT_CALENDAR_DIR, read_documents
from services.sla.domain import ComplaintSla
from tests.auth_tokens import Tokens
from tests.problems import kind
from tests.unit.sla.conftest import T0, cst, fact

RECEIVE_ID = "3c77e765-2955-5b26-a646-3bb6c44fbfd1"


def client(app: SlaApplication, tokens: Tokens, policy_file: list[Path] | None = None,
           tenant: str = "default") -> TestClient:
    """The API as a caller of tenant holding every scope (these tests are about the clocks)."""
    files = policy_file or []

    def reload() -> list[str]:
        return [d.version for d in app.put_in_force(read_documents(files[0],
                                                                   [DEFAULT_CALENDAR_DIR]))]

    http = tokens.app(api.build_router(app, on_saved=lambda: None, reload=reload,
                                       tenant=tenant))
    return TestClient(http, headers=tokens.headers(tenant=tenant, sub="officer-1"))


def test_clocks_show_their_schedule_and_unknown_complaints_404(app: SlaApplication, tokens):
    app.record(fact("received", T0))
    http = client(app, tokens)

    body = http.get("/v1/clocks/c-1").json()

    assert (body["severity"], body["timely"], [c["key"] for c in body["clocks"]]) == (
        "P3", {}, ["first_response", "progress"])
    first = body["clocks"][0]
    assert {k: first[k] for k in ("clock_id", "status", "calendar_id", "calendar_version",
                                  "policy_version", "warn_at", "deadline_at", "allowed_seconds",
                                  "timely")} == {
        "clock_id": str(ComplaintSla.clock_id("c-1", "first_response")), "status": "running",
        "calendar_id": "cn-mainland", "calendar_version": "2026.1", "policy_version": "1.1",
        "warn_at": "2025-03-05T03:12:00Z", "deadline_at": "2025-03-05T08:00:00Z",
        "allowed_seconds": 86400.0, "timely": None,
    }
    assert http.get("/v1/clocks/nobody").status_code == 404


def test_the_ledger_explains_a_breach_with_causes_actors_and_a_gaming_flag(
    app: SlaApplication, clock, tokens,
):
    app.record(fact("received", T0, actor="intake"))
    app.record(fact("classified", T0, actor="intake", severity="P1", category="outage"))
    app.record(fact("wait", T0 + timedelta(minutes=5), actor="agent-9", reason="logs"))
    app.record(fact("reply", T0 + timedelta(minutes=25), actor="customer"))
    clock.set(T0 + timedelta(minutes=50))
    app.fire_due(ComplaintSla.create_id("c-1"))

    entries = client(app, tokens).get("/v1/clocks/c-1/ledger").json()["entries"]
    first = [(e["kind"], e["at"], e["actor"], e["flags"]) for e in entries
             if e["clock"] == "first_response"]

    assert first == [
        ("started", "2025-03-03T02:00:00Z", "intake", []),
        ("rebased", "2025-03-03T02:00:00Z", "intake", []),
        ("paused", "2025-03-03T02:05:00Z", "agent-9", []),
        ("resumed", "2025-03-03T02:25:00Z", "customer", ["possible clock-gaming"]),
        ("warning", "2025-03-03T02:44:00Z", "system", []),
        ("breach", "2025-03-03T02:50:00Z", "system", []),
        ("escalation", "2025-03-03T02:50:00Z", "system", []),
    ]
    resumed = next(e for e in entries if e["kind"] == "resumed" and e["clock"] ==
                   "first_response")
    breach = next(e for e in entries if e["kind"] == "breach")
    assert resumed["detail"]["paused_seconds"] == 1200.0
    assert breach["cause"] == app.schedule_cause(app.get_sla("c-1"), resumed_version(app))


def resumed_version(app: SlaApplication) -> int:
    stored = app.stored_events("c-1")
    return next(e.originator_version for e in stored
                if isinstance(e, ComplaintSla.ClockResumed) and e.key == "first_response")


@pytest.fixture
def banking(app: SlaApplication, tokens) -> TestClient:
    received = datetime(2025, 9, 16, 7, 0, tzinfo=UTC)  # 15:00 in Beijing
    app.record(fact("received", received, tenant="bank-cn"))
    app.record(fact("classified", received, tenant="bank-cn", severity="P2",
                    category="banking.cards"))
    return client(app, tokens, tenant="bank-cn")


def extend(http: TestClient, **body) -> tuple[int, dict]:
    response = http.post("/v1/clocks/c-1/extensions", json={
        "clock": "cn_banking.decision", "reason": "complex case", **body})
    return response.status_code, response.json()


def deadline(body: dict) -> str:
    return next(c for c in body["clocks"] if c["key"] == "cn_banking.decision")["deadline_at"]


def test_china_banking_decision_extends_to_30_then_60_days_only_with_an_approval(banking):
    clocks = banking.get("/v1/clocks/c-1").json()
    # 15 days after 16 Sep ends 1 Oct, a holiday: rolled to the end of 9 Oct (Beijing).
    assert deadline(clocks) == "2025-10-09T16:00:00Z"

    status, body = extend(banking)
    assert (status, deadline(body)) == (200, "2025-10-16T16:00:00Z")  # day 30: 16 October
    status, body = extend(banking)
    assert (status, body["detail"]) == (
        422, "cn_banking.decision: extending to 60 days needs an approval")
    status, body = extend(banking, approval_id="APR-2025-0042")
    # Day 60, Saturday 15 November, rolls to the end of Monday 17 November.
    assert (status, deadline(body)) == (200, "2025-11-17T16:00:00Z")
    status, body = extend(banking, approval_id="APR-2025-0043")
    assert (status, body["detail"]) == (409, "cn_banking.decision: every extension was taken")


def test_a_regime_is_timely_once_every_clock_of_it_stopped_in_time(banking, app, clock):
    app.record(fact("milestone", cst(20, 10, month=9), tenant="bank-cn", milestone="closed"))

    assert banking.get("/v1/clocks/c-1").json()["timely"] == {"cn_banking": True}


def test_a_reload_with_a_broken_policy_changes_nothing(
    app: SlaApplication, tmp_path: Path, tokens
):
    broken = tmp_path / "broken.yaml"
    broken.write_text("policy_id: default\nversion: '9'\ntiers: {P1: {}}\n")

    response = client(app, tokens, [broken]).post("/v1/policies/reload")

    assert response.status_code == 422
    assert "tiers" in response.json()["detail"]
    assert client(app, tokens).get("/v1/policies/active").json()["version"] == "1.1"


def test_refusals_are_problems_typed_by_slas_error_table(banking):
    extend(banking)  # to day 30
    needs_approval = banking.post("/v1/clocks/c-1/extensions", json={
        "clock": "cn_banking.decision", "reason": "complex case"})
    extend(banking, approval_id="APR-2025-0042")  # to day 60, the last step
    none_left = banking.post("/v1/clocks/c-1/extensions", json={
        "clock": "cn_banking.decision", "reason": "complex case", "approval_id": "APR-1"})
    invalid = banking.post("/v1/clocks/c-1/extensions", json={"clock": "cn_banking.decision"})

    assert [kind(r) for r in (needs_approval, none_left, invalid)] == [
        (422, "approval-required"), (409, "no-extension-left"), (422, "invalid-request")]
    assert [e["loc"] for e in invalid.json()["errors"]] == [["body", "reason"]]
