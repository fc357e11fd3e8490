"""Approvers may say why: an optional comment on approval and rejection, recorded and shown."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import pytest
from eventsourcing.application import Application
from fastapi.testclient import TestClient

from runtime.vault import is_sealed
from services.resolution.application import ResolutionApplication
from services.resolution.domain.errors import Invalid
from services.resolution.domain.proposals import MAX_COMMENT
from tests.unit.resolution.builders import at, new_case, with_proposal
from tests.unit.resolution.conftest import as_, published_envelopes
from tests.unit.resolution.walk import ok, propose


def test_an_approval_and_a_rejection_keep_the_approvers_comment() -> None:
    approved, rejected = with_proposal(new_case()), with_proposal(new_case())

    approved.approve(proposal_id="p-1", approver="lead-1", roles={"team_lead"}, at=at(3),
                     comment="Matches the bank statement")
    rejected.reject(proposal_id="p-1", approver="lead-1", roles={"team_lead"}, at=at(3),
                    reason="Already refunded", comment="See refund R-12")

    assert approved.proposal("p-1").approvals == [{
        "approver": "lead-1", "step": 1, "role": "team_lead",
        "comment": "Matches the bank statement", "at": at(3),
    }]
    assert rejected.proposal("p-1").rejection == {
        "approver": "lead-1", "reason": "Already refunded", "comment": "See refund R-12",
        "at": at(3),
    }


@pytest.mark.parametrize("comment", ["  ", "x" * (MAX_COMMENT + 1)])
def test_a_blank_or_overlong_comment_is_refused(comment: str) -> None:
    case = with_proposal(new_case())

    with pytest.raises(Invalid):
        case.approve(proposal_id="p-1", approver="lead-1", roles={"team_lead"}, at=at(3),
                     comment=comment)
    assert case.proposal("p-1").approvals == []


def test_an_approval_stored_before_comments_existed_replays_without_one() -> None:
    case = with_proposal(new_case())
    case.approve(proposal_id="p-1", approver="lead-1", roles={"team_lead"}, at=at(3))
    mapper = Application().mapper
    approval = next(e for e in case.collect_events() if type(e).__name__ == "ProposalApproved")
    stored = mapper.to_stored_event(approval)
    state = mapper.transcoder.decode(stored.state)
    del state["comment"], state["class_version"]  # as version 1 stored it

    old = mapper.to_domain_event(replace(stored, state=mapper.transcoder.encode(state)))

    assert (old.comment, old.approver, old.step) == (None, "lead-1", 1)


def test_the_api_takes_comments_publishes_them_and_shows_them_on_the_case(
    app: ResolutionApplication, client: TestClient, opened: str
) -> None:
    kept = propose(client, opened, amount="300.00")
    turned_down = propose(client, opened, amount="200.00")
    base = f"/v1/cases/{opened}/proposals"

    ok(client.post(f"{base}/{kept}/approvals", headers=as_("lead-1", "team_lead"),
                   json={"comment": "Matches the bank statement"}))
    ok(client.post(f"{base}/{turned_down}/rejection", headers=as_("lead-1", "team_lead"),
                   json={"reason": "Duplicate of the other proposal", "comment": "Keep one"}))
    too_long = client.post(f"{base}/{turned_down}/approvals", headers=as_("lead-2", "team_lead"),
                           json={"comment": "x" * (MAX_COMMENT + 1)})

    shown = {p["proposal_id"]: p for p in client.get(f"/v1/cases/{opened}").json()["proposals"]}
    assert [a["comment"] for a in shown[kept]["approvals"]] == ["Matches the bank statement"]
    assert (shown[turned_down]["rejection"]["reason"],
            shown[turned_down]["rejection"]["comment"]) == (
        "Duplicate of the other proposal", "Keep one")
    published = {e.type: e.data for e in published_envelopes(app)}
    open_ = partial(app.personal.open, app.get_case(opened))  # published sealed
    approved, rejected = (published[f"resolution.proposal_{kind}.v1"]
                          for kind in ("approved", "rejected"))
    assert is_sealed(approved["comment"])
    assert open_(approved["comment"]) == "Matches the bank statement"
    assert (open_(rejected["reason"]), open_(rejected["comment"])) == (
        "Duplicate of the other proposal", "Keep one")
    assert too_long.status_code == 422


def test_an_approval_without_a_body_still_works(client: TestClient, opened: str) -> None:
    pid = propose(client, opened, amount="300.00")

    ok(client.post(f"/v1/cases/{opened}/proposals/{pid}/approvals",
                   headers=as_("lead-1", "team_lead")))

    proposal = client.get(f"/v1/cases/{opened}/proposals/{pid}").json()
    assert [(a["approver"], a["comment"]) for a in proposal["approvals"]] == [("lead-1", None)]


def test_the_longest_comment_of_the_widest_characters_is_published_sealed(
    app: ResolutionApplication, client: TestClient, opened: str
) -> None:
    pid = propose(client, opened, amount="300.00")
    longest = "\U0001f600" * MAX_COMMENT

    ok(client.post(f"/v1/cases/{opened}/proposals/{pid}/approvals",
                   headers=as_("lead-1", "team_lead"), json={"comment": longest}))

    [approved] = [e.data for e in published_envelopes(app)
                  if e.type == "resolution.proposal_approved.v1"]
    assert is_sealed(approved["comment"])
    assert app.personal.open(app.get_case(opened), approved["comment"]) == longest
