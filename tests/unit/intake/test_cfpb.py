"""CFPB rows -> submissions, and a historical complaint's past recorded with its original dates."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from contracts.intake import Channel, ComplaintHistoryRecorded, ComplaintReceived
from runtime.eventstore import persistence_env
from runtime.vault import KeyVault
from services.intake.application import IntakeApplication
from services.intake.channels import Unreadable, cfpb
from services.intake.domain import Customer, History, Submission
from services.intake.published import translator
from tests.unit.intake.cfpb_sample import cfpb_rows

ROWS = {row["Complaint ID"]: row for row in cfpb_rows()}
WITHOUT_NARRATIVE = ROWS["7523056"]
WITH_NARRATIVE = ROWS["7399329"]
DISPUTED = ROWS["236456"]


@pytest.fixture
def app(tmp_path):
    url = f"sqlite:///{tmp_path}/intake.sqlite"
    app = IntakeApplication(env=persistence_env(url), vault=KeyVault.from_url(url))
    yield app
    app.close()


def test_row_without_narrative_is_described_by_what_the_consumer_ticked():
    submission = cfpb.normalise(WITHOUT_NARRATIVE)

    assert submission == Submission(
        channel=Channel.CFPB,
        customer=Customer(id="cfpb:7523056", region="FL"),
        subject="Incorrect information on your report",
        text="Issue: Incorrect information on your report\n"
             "Sub-issue: Information belongs to someone else",
        external_reference="cfpb:7523056",
        product="Credit reporting or other personal consumer reports",
        sub_product="Credit reporting",
        issue="Incorrect information on your report",
        company="EQUIFAX, INC.",
        channel_detail="Web",
    )
    assert "33009" not in submission.model_dump_json()  # the ZIP code is not kept


def test_row_with_narrative_files_the_consumers_words():
    submission = cfpb.normalise(WITH_NARRATIVE)

    assert submission.text == WITH_NARRATIVE["Consumer complaint narrative"]
    assert submission.text.startswith("XXXX XXXX  is a rip-off company")
    assert (submission.subject, submission.product, submission.sub_product) == (
        "Struggling to pay mortgage", "Mortgage", "Conventional home mortgage"
    )
    assert (submission.historical, submission.received_at, submission.history) == (
        False, None, None
    )


def test_historical_row_carries_its_original_dates_and_outcome():
    submission = cfpb.normalise(DISPUTED, historical=True)

    assert submission.historical is True
    assert submission.received_at == datetime(2013, 1, 16, tzinfo=UTC)
    assert submission.channel_detail == "Referral"
    assert submission.history == History(
        sent_to_company_at=datetime(2013, 1, 17, tzinfo=UTC),
        company_response="Closed with explanation",
        company_public_response=None,
        timely=True,
        consumer_disputed=True,
        tags=(),
        issue="Loan modification,collection,foreclosure",
        sub_issue=None,
    )
    tagged = cfpb.normalise(WITH_NARRATIVE, historical=True).history
    assert (tagged.tags, tagged.consumer_disputed, tagged.company_public_response) == (
        ("Older American",), None,
        "Company has responded to the consumer and the CFPB and chooses not to provide a public"
        " response",
    )


def test_every_row_of_the_sample_normalises():
    submissions = [cfpb.normalise(row, historical=True) for row in ROWS.values()]
    assert len(submissions) == 2067
    assert len({s.external_reference for s in submissions}) == 2067
    assert sum(s.history.timely is True for s in submissions) == 2066


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"Complaint ID": ""}, "the CFPB record has no Complaint ID"),
        ({"Date received": "08/25/2023"}, "Date received '08/25/2023' is not an ISO date"),
        ({"Timely response?": "Maybe"}, "Timely response? 'Maybe' is not Yes, No or N/A"),
    ],
)
def test_unreadable_rows_are_refused_with_the_reason(change, reason):
    with pytest.raises(Unreadable) as refused:
        cfpb.normalise({**WITHOUT_NARRATIVE, **change}, historical=True)
    assert str(refused.value) == reason


def test_a_row_missing_a_column_is_not_a_cfpb_record():
    row = {k: v for k, v in WITHOUT_NARRATIVE.items() if k != "Issue"}
    with pytest.raises(Unreadable, match="not a CFPB record: no 'Issue' column"):
        cfpb.normalise(row)


def test_a_live_submission_cannot_backdate_itself_or_bring_a_past():
    historical = cfpb.normalise(DISPUTED, historical=True).model_dump()
    with pytest.raises(ValidationError) as invalid:
        Submission.model_validate({**historical, "historical": False})
    assert [(e["loc"], e["msg"]) for e in invalid.value.errors()] == [
        (("received_at",), "Value error, accepted for historical submissions only"),
        (("history",), "Value error, accepted for historical submissions only"),
    ]


def test_historical_complaint_is_received_on_its_date_and_its_history_published(app):
    filed = app.file_complaint(cfpb.normalise(DISPUTED, historical=True), tenant="acme")

    translate = translator(source="/services/intake")
    notifications = app.recorder.select_notifications(None, 100)
    envelopes = [translate(app.mapper.to_domain_event(n)) for n in notifications]
    by_type = {e.type: e for e in envelopes if e is not None}
    received = by_type[ComplaintReceived.event_type]
    history = by_type[ComplaintHistoryRecorded.event_type]
    assert received.data["received_at"] == "2013-01-16T00:00:00Z"
    assert (received.data["historical"], received.data["channel_detail"]) == (True, "Referral")
    assert (received.data["issue"], received.data["sub_product"]) == (
        "Loan modification,collection,foreclosure", "Other mortgage"
    )
    assert (history.subject, received.subject) == (str(filed.complaint_id),) * 2
    assert history.sequence > received.sequence
    assert history.data == {
        "complaint_id": str(filed.complaint_id),
        "sent_to_company_at": "2013-01-17T00:00:00Z",
        "company_response": "Closed with explanation",
        "company_public_response": None,
        "timely": True,
        "consumer_disputed": True,
        "tags": [],
        "issue": "Loan modification,collection,foreclosure",
        "sub_issue": None,
    }
    complaint = app.get_complaint(uuid.UUID(str(filed.complaint_id)))
    assert complaint.history["company_response"] == "Closed with explanation"


def test_filing_the_same_cfpb_record_again_is_the_same_complaint(app):
    first = app.file_complaint(cfpb.normalise(DISPUTED, historical=True), tenant="acme")
    events = len(app.recorder.select_notifications(None, 100))
    again = app.file_complaint(cfpb.normalise(DISPUTED, historical=True), tenant="acme")
    assert (again.complaint_id, again.created) == (first.complaint_id, False)
    assert len(app.recorder.select_notifications(None, 100)) == events
