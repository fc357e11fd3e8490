"""The agent API: who acts, what is refused and recorded, the survey, closing the loop."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from contracts.registry import parse
from runtime.eventstore import IntegrityError
from services.resolution.application import ResolutionApplication
from services.resolution.autoclose import AutoCloser
from services.resolution.projections import Projections
from tests.problems import reason
from tests.unit.resolution.conftest import Clock, as_, published_envelopes, published_types
from tests.unit.resolution.walk import AGENT, approve, ok, propose, resolve, survey_token

COMMANDS = [
    ("post", "/accept", None),
    ("post", "/notes", {"text": "x"}),
    ("post", "/updates", {"text": "x", "visibility": "internal"}),
    ("post", "/waiting", {"reason": "x"}),
    ("post", "/conflicts", {"person": "a", "reason": "x"}),
    ("post", "/proposals", {"solution_id": "refund", "amount": "1.00"}),
    ("post", "/closure", {"exception_reason": "x", "root_cause_category": "x"}),
]


@pytest.mark.parametrize(("method", "path", "body"), COMMANDS)
def test_a_command_without_a_valid_token_is_refused_and_changes_nothing(
    app: ResolutionApplication, client: TestClient, opened: str, method: str, path: str,
    body: dict | None,
) -> None:
    # The client's default token is replaced: none, a header that is no bearer token, a
    # legacy X-Actor header alone.
    for headers in ({"Authorization": ""}, {"Authorization": "Basic YTpi"},
                    {"Authorization": "", "X-Actor": "agent-0142"}):
        response = client.request(method, f"/v1/cases/{opened}{path}", json=body,
                                  headers=headers)
        assert response.status_code == 401
        assert reason(response) == {"detail": "not authenticated"}
    assert app.get_case(opened).version == 1


def test_a_first_customer_visible_update_is_the_first_response(
    app: ResolutionApplication, client: TestClient, opened: str, clock: Clock
) -> None:
    ok(client.post(f"/v1/cases/{opened}/accept", headers=as_(AGENT)))
    ok(client.post(f"/v1/cases/{opened}/updates", headers=as_(AGENT),
                   json={"text": "Checking with the bank", "visibility": "internal"}), 201)
    sent_at = clock.advance(minutes=5)
    ok(client.post(f"/v1/cases/{opened}/updates", headers=as_(AGENT),
                   json={"text": "We are on it", "visibility": "customer", "channel": "wechat"}),
       201)
    ok(client.post(f"/v1/cases/{opened}/updates", headers=as_(AGENT),
                   json={"text": "Still on it", "visibility": "customer", "channel": "wechat"}),
       201)
    no_channel = client.post(f"/v1/cases/{opened}/updates", headers=as_(AGENT),
                             json={"text": "x", "visibility": "customer"})

    assert no_channel.status_code == 422
    assert published_types(app) == [
        "resolution.case_opened.v1", "resolution.investigation_started.v1",
        "resolution.progress_updated.v1",
        "resolution.progress_updated.v1", "resolution.customer_notified.v1",
        "resolution.first_response_sent.v1",
        "resolution.progress_updated.v1", "resolution.customer_notified.v1",
    ]
    [first] = [e for e in published_envelopes(app)
               if e.type == "resolution.first_response_sent.v1"]
    assert first.data == {"complaint_id": opened, "responder": AGENT, "channel": "wechat",
                          "sent_at": sent_at.isoformat().replace("+00:00", "Z")}


def test_waiting_on_the_customer_and_their_reply_are_published(
    app: ResolutionApplication, client: TestClient, opened: str
) -> None:
    ok(client.post(f"/v1/cases/{opened}/waiting", headers=as_(AGENT),
                   json={"reason": "Need the statement"}))
    again = client.post(f"/v1/cases/{opened}/waiting", headers=as_(AGENT),
                        json={"reason": "again"})
    ok(client.post(f"/v1/cases/{opened}/customer-replies", headers=as_(AGENT),
                   json={"channel": "email"}))

    assert again.status_code == 409
    assert published_types(app)[1:] == [
        "resolution.customer_wait_started.v1", "resolution.customer_replied.v1"
    ]


def test_template_notes_are_validated_and_rendered(
    app: ResolutionApplication, client: TestClient, opened: str
) -> None:
    fields = {"what": "Double charge", "why": "Gateway retry", "where": "Checkout",
              "when": "2026-03-01", "who": "Payments", "how": "Capture sent twice",
              "how_much": 300}
    ok(client.post(f"/v1/cases/{opened}/notes", headers=as_(AGENT),
                   json={"template": "5w2h", "fields": fields}), 201)
    missing = client.post(f"/v1/cases/{opened}/notes", headers=as_(AGENT),
                          json={"template": "five_whys", "fields": {"problem": "x"}})
    unknown = client.post(f"/v1/cases/{opened}/notes", headers=as_(AGENT),
                          json={"template": "fishbone", "fields": {}})
    stray = client.post(f"/v1/cases/{opened}/notes", headers=as_(AGENT),
                        json={"template": "5w2h", "fields": {**fields, "whom": "x"}})

    assert (missing.status_code, unknown.status_code, stray.status_code) == (422, 404, 422)
    assert "why_1: Field required" in missing.json()["detail"]
    case = app.get_case(opened)
    [note] = [app.personal.open(case, note) for note in case.notes]  # stored sealed
    assert (note["template"], note["fields"]["how_much"]) == ("5w2h", 300)
    assert note["text"].splitlines()[0] == "What: Double charge"
    assert set(client.get("/v1/note-templates").json()) == {"five_whys", "5w2h"}


def test_refusals_are_answered_403_and_published_for_auditors(
    app: ResolutionApplication, client: TestClient, opened: str
) -> None:
    pid = propose(client, opened, amount="1500.00")
    ok(client.post(f"/v1/cases/{opened}/conflicts", headers=as_("sup-1"),
                   json={"person": "lead-2", "reason": "Brother-in-law of the customer"}))

    early = client.post(f"/v1/cases/{opened}/proposals/{pid}/execution", headers=as_(AGENT),
                        json={})
    own = approve(client, opened, pid, AGENT, "team_lead")
    conflicted = approve(client, opened, pid, "lead-2", "team_lead")
    no_role = approve(client, opened, pid, "fin-1", "finance")

    assert [r.status_code for r in (early, own, conflicted, no_role)] == [403] * 4
    assert reason(own) == {
        "rule": "four_eyes", "action": "approve",
        "detail": f"{AGENT} proposed {pid} and may not decide on it",
    }
    refused = [e.data for e in published_envelopes(app)
               if e.type == "resolution.action_refused.v1"]
    assert [(r["actor"], r["action"], r["rule"], r["proposal_id"]) for r in refused] == [
        (AGENT, "execute", "approval_required", pid),
        (AGENT, "approve", "four_eyes", pid),
        ("lead-2", "approve", "recusal", pid),
        ("fin-1", "approve", "approver_role", pid),
    ]
    assert client.get(f"/v1/cases/{opened}/proposals/{pid}").json()["approvals"] == []


def test_every_published_event_parses_as_its_contract(
    app: ResolutionApplication, client: TestClient, opened: str
) -> None:
    resolve(client, opened)
    ok(client.post(f"/v1/surveys/{survey_token(client, opened)}", json={"csat": 4}))
    ok(client.post(f"/v1/cases/{opened}/reopening", headers=as_(AGENT),
                   json={"reason": "Charged again"}))

    envelopes = published_envelopes(app)

    assert sorted({e.type for e in envelopes}) == [
        "complaint.closed.v1", "complaint.reopened.v1", "resolution.approval_requested.v1",
        "resolution.case_opened.v1", "resolution.customer_notified.v1",
        "resolution.feedback_received.v1", "resolution.first_response_sent.v1",
        "resolution.investigation_note_added.v1", "resolution.investigation_started.v1",
        "resolution.proposal_approved.v1", "resolution.resolution_executed.v1",
        "resolution.resolution_proposed.v1",
    ]
    for envelope in envelopes:
        assert parse(envelope.model_dump_json()) == (envelope, parse(envelope.model_dump())[1])
    sequences = [e.sequence for e in envelopes]
    assert sequences == sorted(set(sequences))  # one case: one increasing sequence


def test_the_survey_is_answered_once_by_token_and_closes_a_resolved_case(
    app: ResolutionApplication, client: TestClient, opened: str
) -> None:
    resolve(client, opened)
    token = survey_token(client, opened)

    assert client.get(f"/v1/surveys/{token}").json()["status"] == "open"
    ok(client.post(f"/v1/surveys/{token}", json={"csat": 5, "nps": 9, "comment": "Quick!"}))
    again = client.post(f"/v1/surveys/{token}", json={"csat": 1})

    assert again.status_code == 409
    assert client.get(f"/v1/surveys/{token}").json()["status"] == "answered"
    assert published_types(app)[-3:] == [
        "resolution.customer_notified.v1", "resolution.feedback_received.v1",
        "complaint.closed.v1",
    ]
    closed = published_envelopes(app)[-1].data
    why_chain = app.personal.open(app.get_case(opened), closed["why_chain"])  # sealed
    assert {**closed, "why_chain": why_chain} == {
        "complaint_id": opened, "closed_by": "system", "root_cause_category": "payment_retry",
        "why_chain": ["The gateway retried the capture"], "exception_reason": None,
        "resolution_kind": "refund", "automatic": True,
        "root_cause_taxonomy_version": "2026.11.1", "root_cause_detail": None,
    }
    notified = published_envelopes(app)[-3].data
    assert (notified["message_kind"], notified["link"]) == ("survey", None)
    assert token not in str([e.data for e in published_envelopes(app)])


def test_a_survey_token_is_unguessable_and_not_stored(
    app: ResolutionApplication, client: TestClient, opened: str
) -> None:
    resolve(client, opened)
    token = survey_token(client, opened)
    stored = b"".join(n.state for n in app.recorder.select_notifications(None, 1000))

    assert len(token) >= 43  # 256 random bits
    assert token.encode() not in stored
    assert client.get("/v1/surveys/" + "x" * 43).status_code == 404
    assert client.post("/v1/surveys/" + "x" * 43, json={"csat": 5}).status_code == 404


def test_an_expired_survey_is_gone_and_scores_are_in_range(
    client: TestClient, opened: str, clock: Clock
) -> None:
    resolve(client, opened)
    token = survey_token(client, opened)

    assert client.post(f"/v1/surveys/{token}", json={"csat": 6}).status_code == 422
    assert client.post(f"/v1/surveys/{token}", json={"csat": 3, "nps": 11}).status_code == 422
    clock.advance(days=7, seconds=1)
    assert client.get(f"/v1/surveys/{token}").json()["status"] == "expired"
    assert client.post(f"/v1/surveys/{token}", json={"csat": 3}).status_code == 410


def test_no_survey_before_a_resolution_was_executed(client: TestClient, opened: str) -> None:
    response = client.post(f"/v1/cases/{opened}/survey", headers=as_(AGENT),
                           json={"channel": "email"})
    assert response.status_code == 409


def test_closing_needs_resolution_and_notification_unless_an_exception_is_documented(
    app: ResolutionApplication, client: TestClient, opened: str
) -> None:
    premature = client.post(f"/v1/cases/{opened}/closure", headers=as_(AGENT),
                            json={"root_cause_category": "payment_retry", "why_chain": ["y"]})
    by_exception = client.post(f"/v1/cases/{opened}/closure", headers=as_(AGENT), json={
        "root_cause_category": "customer_unreachable",
        "exception_reason": "No answer on three channels in 30 days",
    })

    assert (premature.status_code, premature.json()["detail"]) == (
        409, "no resolution was executed"
    )
    assert by_exception.status_code == 204
    reason = published_envelopes(app)[-1].data["exception_reason"]  # free text: sealed
    assert app.personal.open(app.get_case(opened), reason) == (
        "No answer on three channels in 30 days"
    )


def test_reopening_is_refused_after_the_window(
    app: ResolutionApplication, client: TestClient, opened: str, clock: Clock
) -> None:
    resolve(client, opened)
    ok(client.post(f"/v1/cases/{opened}/closure", headers=as_(AGENT), json={}))
    clock.advance(days=30, seconds=1)

    late = client.post(f"/v1/cases/{opened}/reopening", headers=as_(AGENT),
                       json={"reason": "Charged again"})

    assert late.status_code == 409
    assert app.get_case(opened).is_closed


def test_a_reopen_names_the_previous_owner_for_dispatch(
    app: ResolutionApplication, client: TestClient, opened: str, clock: Clock
) -> None:
    resolve(client, opened)
    ok(client.post(f"/v1/cases/{opened}/closure", headers=as_(AGENT), json={}))
    clock.advance(days=3)
    ok(client.post(f"/v1/cases/{opened}/reopening", headers=as_(AGENT),
                   json={"reason": "Charged again"}))

    data = published_envelopes(app)[-1].data
    # The reason is free text: published sealed with the complaint's key.
    assert app.personal.open(app.get_case(opened), data["reason"]) == "Charged again"
    assert {**data, "reason": "Charged again"} == {
        "complaint_id": opened, "reason": "Charged again", "reopened_by": AGENT,
        "previous_owner_agent_id": "agent-0142",
        "previous_owner_queue": "credit-report-disputes", "reopen_count": 1,
    }


def test_silence_closes_a_resolved_case_after_the_configured_time(
    app: ResolutionApplication, client: TestClient, opened: str, clock: Clock,
    projections: Projections,
) -> None:
    resolve(client, opened)
    closer = AutoCloser(app, projections, silence=timedelta(days=5), interval_s=60)

    clock.advance(days=5, seconds=-1)
    assert closer.tick() == []
    clock.advance(seconds=1)
    assert closer.tick() == [opened]
    assert closer.tick() == []

    assert published_envelopes(app)[-1].data["automatic"] is True
    assert app.get_case(opened).closure["closed_by"] == "system"


def test_silence_does_not_close_while_waiting_on_the_customer_or_without_root_cause(
    app: ResolutionApplication, client: TestClient, opened: str, clock: Clock,
    projections: Projections,
) -> None:
    resolve(client, opened)
    ok(client.post(f"/v1/cases/{opened}/waiting", headers=as_(AGENT),
                   json={"reason": "Confirm the refund arrived"}))
    closer = AutoCloser(app, projections, silence=timedelta(days=5), interval_s=60)

    clock.advance(days=30)

    assert closer.tick() == []
    assert not app.get_case(opened).is_closed


def test_a_concurrent_change_is_answered_409(
    app: ResolutionApplication, client: TestClient, opened: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def lost_race(*objs, **kwargs):
        raise IntegrityError("version 2 exists")

    monkeypatch.setattr(app, "save", lost_race)

    response = client.post(f"/v1/cases/{opened}/accept", headers=as_(AGENT))

    assert (response.status_code, response.json()["detail"]) == (
        409, "the case changed meanwhile; read it again and retry"
    )
