"""A survey's link is a credential: published by reference only, and revocable (#21, point 2)."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

from eventsourcing.persistence import StoredEvent
from fastapi.testclient import TestClient

from runtime.attribution import FirstEvents
from runtime.survey_links import survey_key, survey_link, survey_token
from services.notify.config import NotifySettings
from services.resolution import published
from services.resolution.application import ResolutionApplication
from services.resolution.config import ResolutionSettings
from services.resolution.domain.communication import CommunicationMixin
from tests.unit.resolution.conftest import SOURCE, Clock, as_, published_envelopes
from tests.unit.resolution.walk import AGENT, ok, resolve


def issue(client: TestClient, cid: str) -> dict:
    return ok(client.post(f"/v1/cases/{cid}/survey", headers=as_(AGENT),
                          json={"channel": "email"}), 201).json()


def token_of(issued: dict) -> str:
    return issued["link"].rsplit("/", 1)[1]


def test_the_published_survey_notification_names_the_survey_not_its_token(
    app: ResolutionApplication, client: TestClient, opened: str
) -> None:
    resolve(client, opened)
    issued = issue(client, opened)

    [notified] = [e.data for e in published_envelopes(app)
                  if e.type == "resolution.customer_notified.v1"
                  and e.data["message_kind"] == "survey"]
    everything = json.dumps([e.model_dump(mode="json") for e in published_envelopes(app)])
    stored = b"".join(n.state for n in app.recorder.select_notifications(None, 1000))

    assert issued["link"] == f"https://complaints.example/v1/surveys/{token_of(issued)}"
    assert notified == {
        "complaint_id": opened, "channel": "email", "message_kind": "survey", "message": None,
        "link": None, "notified_by": AGENT, "survey_id": issued["survey_id"],
    }
    assert token_of(issued) not in everything
    assert token_of(issued).encode() not in stored


def test_a_link_recorded_by_version_1_is_never_published(
    app: ResolutionApplication, client: TestClient, opened: str
) -> None:
    resolve(client, opened)
    token = token_of(issue(client, opened))
    current = [n for n in app.recorder.select_notifications(None, 1000)
               if n.topic.endswith("CommunicationMixin.CustomerNotified")][-1]
    state = app.mapper.transcoder.decode(current.state)
    assert str(state["kind"]) == "survey"
    # Version 1 named neither the survey nor (runtime.attribution) the tenant and complaint.
    del state["survey_id"], state["class_version"], state["tenant"], state["complaint_id"]
    state["link"] = f"https://complaints.example/v1/surveys/{token}"  # as version 1 stored it
    v1 = StoredEvent(originator_id=current.originator_id, topic=current.topic,
                     originator_version=current.originator_version,
                     state=app.mapper.transcoder.encode(state))

    event = app.mapper.to_domain_event(v1)
    first_events = FirstEvents(app.events, service="resolution")
    envelope = published.translator(source=SOURCE, first_events=first_events)(event)

    assert type(event) is CommunicationMixin.CustomerNotified
    assert (event.link, event.survey_id) == (None, None)
    assert (envelope.data["link"], envelope.data["survey_id"]) == (None, None)
    assert token not in envelope.model_dump_json()


def test_a_revoked_survey_no_longer_opens_and_the_revocation_is_published(
    app: ResolutionApplication, client: TestClient, opened: str
) -> None:
    resolve(client, opened)
    issued = issue(client, opened)
    revocation = f"/v1/cases/{opened}/surveys/{issued['survey_id']}/revocation"

    ok(client.post(revocation, headers=as_(AGENT), json={"reason": "Sent to an old address"}))
    again = client.post(revocation, headers=as_(AGENT), json={"reason": "twice"})
    answer = client.post(f"/v1/surveys/{token_of(issued)}", json={"csat": 5})
    shown = client.get(f"/v1/surveys/{token_of(issued)}").json()

    assert (again.status_code, again.json()["detail"]) == (410, "this survey was revoked")
    assert (answer.status_code, answer.json()["detail"]) == (410, "this survey was revoked")
    assert (shown["status"], shown["status_label"]) == ("revoked", "Withdrawn")
    [revoked] = [e for e in published_envelopes(app) if e.type == "resolution.survey_revoked.v1"]
    reason = app.personal.open(app.get_case(opened), revoked.data["reason"])  # sealed
    assert {**revoked.data, "reason": reason} == {
        "complaint_id": opened, "survey_id": issued["survey_id"], "revoked_by": AGENT,
        "reason": "Sent to an old address"}
    assert app.get_case(opened).feedback_at is None


def test_an_unknown_or_answered_survey_cannot_be_revoked(
    client: TestClient, opened: str
) -> None:
    resolve(client, opened)
    issued = issue(client, opened)
    ok(client.post(f"/v1/surveys/{token_of(issued)}", json={"csat": 4}))

    answered = client.post(f"/v1/cases/{opened}/surveys/{issued['survey_id']}/revocation",
                           headers=as_(AGENT), json={"reason": "late"})
    unknown = client.post(f"/v1/cases/{opened}/surveys/no-such-survey/revocation",
                          headers=as_(AGENT), json={"reason": "x"})

    assert (answered.status_code, answered.json()["detail"]) == (
        409, "this survey was answered already")
    assert (unknown.status_code, unknown.json()["detail"]) == (404, "no such survey")


def test_reopening_revokes_the_surveys_still_open(
    app: ResolutionApplication, client: TestClient, opened: str, clock: Clock
) -> None:
    resolve(client, opened)
    answered, still_open = issue(client, opened), issue(client, opened)
    ok(client.post(f"/v1/surveys/{token_of(answered)}", json={"csat": 4}))  # closes the case

    ok(client.post(f"/v1/cases/{opened}/reopening", headers=as_("sup-1"),
                   json={"reason": "Charged again"}))

    late = client.post(f"/v1/surveys/{token_of(still_open)}", json={"csat": 5})
    assert late.status_code == 410
    open_ = partial(app.personal.open, app.get_case(opened))  # the reason is sealed
    assert [(e.data["survey_id"], e.data["revoked_by"], open_(e.data["reason"]))
            for e in published_envelopes(app) if e.type == "resolution.survey_revoked.v1"] == [
        (still_open["survey_id"], "sup-1", "the complaint was reopened")]


def test_an_expired_survey_is_refused(client: TestClient, opened: str, clock: Clock) -> None:
    resolve(client, opened)
    issued = issue(client, opened)
    clock.advance(days=7, seconds=1)

    late = client.post(f"/v1/surveys/{token_of(issued)}", json={"csat": 5})

    assert (late.status_code, late.json()["detail"]) == (410, "this survey has expired")


def test_the_token_is_hmac_sha256_of_the_survey_id_unpadded_base64url() -> None:
    # Pinned: notify sends links made with this function, so it must not drift from resolution.
    assert survey_token(b"resolution-test-key", "sv-1") == (
        "ycI2wNdB1QPxFx150Al-gaiH1YtZbPdnOYYUF17XYoc")
    assert survey_link("https://x.example/v1/surveys/", b"resolution-test-key", "sv-1") == (
        "https://x.example/v1/surveys/ycI2wNdB1QPxFx150Al-gaiH1YtZbPdnOYYUF17XYoc")


def test_the_link_resolution_issues_is_the_shared_derivation_from_the_survey_id(
    app: ResolutionApplication, client: TestClient, opened: str
) -> None:
    resolve(client, opened)
    issued = issue(client, opened)

    assert issued["link"] == survey_link("https://complaints.example/v1/surveys",
                                         app.survey_key, issued["survey_id"])
    assert app.survey_link(issued["survey_id"]) == issued["link"]


def test_services_without_survey_secret_share_the_key_file_of_their_data_dir(
    tmp_path: Path,
) -> None:
    resolution = ResolutionSettings(data_dir=tmp_path, survey_secret=None)
    notify = NotifySettings(data_dir=tmp_path, survey_secret=None)

    first = survey_key(None, resolution.data_dir)

    assert len(first) == 32
    assert survey_key(None, notify.data_dir) == first
    assert survey_key("shared-secret", tmp_path) == b"shared-secret"
