"""Issue #13, point 6: duplicate linking across channels. The same person complaining by email
and then by phone is one customer once a contact point both filings carry was verified by the
channel; a contact typed as free text never merges anyone; erasure by any of their ids erases
the person; the filing quota counts them once."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from contracts.envelope import wrap
from contracts.inbound import ComplaintSubmitted
from runtime.auth import Principal, Role
from runtime.auth.db import SqliteDatabase
from runtime.auth.quota import FilingQuota, QuotaExceeded
from runtime.eventstore import Cause, persistence_env
from runtime.tracking import TrackingTokens
from runtime.vault import KeyVault
from services.intake.application import IntakeApplication
from services.intake.classification import Classifier
from services.intake.domain import Customer, Submission
from services.intake.filing import Filer
from services.intake.handlers import file_submission
from services.intake.identity import ContactKind, CustomerIdentity
from services.intake.understanding import DuplicatePolicy

WINDOW = timedelta(hours=72)
START = datetime.fromtimestamp(1_000 * WINDOW.total_seconds() + 3600, UTC)
CHARGED = ("My card was charged twice for one order on 3 May. I want a refund of the second "
           "charge as soon as possible. The shop says it is the bank's fault.")
PARCEL = "The parcel with my new kettle never arrived and the courier does not answer at all."
MAIL_ID, PHONE_ID = "mail:dana@example.com", "phone:+8613800138000"
EMAIL = ("email", "Dana@Example.com", "sender_address")  # the mail gateway's authenticated From
CALLER = ("phone", "+86 138 0013 8000", "caller_id")  # the network's caller id
EMAIL_BY_CODE = ("email", "dana@example.com", "one_time_code")  # code sent, read back on the call


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier()


@pytest.fixture
def app(tmp_path, classifier):
    url = f"sqlite:///{tmp_path}/intake.sqlite"
    app = IntakeApplication(
        env=persistence_env(url), vault=KeyVault.from_url(url), classifier=classifier,
        duplicates=DuplicatePolicy(window=WINDOW, threshold=0.45), clock=lambda: START,
    )
    yield app
    app.close()


def submission(channel: str, customer_id: str, *verified: tuple[str, str, str],
               contact: str | None = None, text: str = CHARGED) -> Submission:
    return Submission(
        channel=channel, customer=Customer(id=customer_id, contact=contact),
        subject="Charged twice", text=text,
        verified_contacts=[{"kind": k, "value": v, "verified_by": b} for k, v, b in verified],
    )


def file(app, *args, **kwargs):
    filed = app.file_complaint(submission(*args, **kwargs), tenant="acme")
    return filed.complaint_id, filed.duplicate_of


def identity_of(app, customer_id: str) -> CustomerIdentity:
    point = app.repository.get(app.identities.ids("acme", ContactKind.CUSTOMER_ID,
                                                  customer_id))
    return app.repository.get(point.identity_id)


def test_duplicate_linking_across_channels_email_then_phone(app):
    first, _ = file(app, "email", MAIL_ID, EMAIL)
    second, duplicate_of = file(app, "phone", PHONE_ID, CALLER, EMAIL_BY_CODE)

    assert duplicate_of == first
    stored = app.get_complaint(second).customer
    assert (stored["id"], stored["channel_id"]) == (MAIL_ID, PHONE_ID)
    identity = identity_of(app, PHONE_ID)
    assert (identity.customer_id, identity.aliases) == (MAIL_ID, [MAIL_ID, PHONE_ID])
    links = [e for e in app.events.get(identity.id)
             if isinstance(e, CustomerIdentity.ContactLinked)]
    assert [(e.kind, app.vault.open("acme", MAIL_ID, e.sealed_value), e.channel,
             e.verified_by) for e in links] == [
        ("email", "dana@example.com", "email", "sender_address"),
        ("phone", "+8613800138000", "phone", "caller_id")]
    # A later call that carries only the caller id is the same person too.
    _, third_duplicate_of = file(app, "phone", PHONE_ID, CALLER)
    assert third_duplicate_of == first


def test_an_account_number_signed_in_on_the_app_and_the_ivr_links_the_person(app):
    first, _ = file(app, "app", "app:7781", ("account", "C-1001", "signed_in"))
    _, duplicate_of = file(app, "phone", PHONE_ID, CALLER, ("account", "c-1001", "signed_in"))

    assert duplicate_of == first


def test_an_unverified_contact_never_merges(app):
    file(app, "email", MAIL_ID, EMAIL, contact="+86 138 0013 8000")
    second, duplicate_of = file(app, "phone", PHONE_ID, CALLER, contact="dana@example.com")

    assert duplicate_of is None
    assert app.get_complaint(second).customer["id"] == PHONE_ID
    assert identity_of(app, PHONE_ID).id != identity_of(app, MAIL_ID).id


@pytest.mark.parametrize(("channel", "verified", "message"), [
    ("email", CALLER, "the email channel cannot verify by caller_id"),
    ("web", EMAIL, "the web channel cannot verify by sender_address"),
    ("phone", ("email", "dana@example.com", "caller_id"), "caller_id does not verify a email"),
    ("phone", ("phone", "+86 12", "caller_id"), "is not a valid phone number"),
    ("email", ("email", "dana at example.com", "sender_address"), "is not an email address"),
    ("phone", ("customer_id", MAIL_ID, "caller_id"), "the customer id is the submission's"),
])
def test_a_channel_vouches_only_for_what_it_can_verify(channel, verified, message):
    with pytest.raises(ValidationError) as refused:
        submission(channel, PHONE_ID, verified)

    assert message in str(refused.value)


@pytest.mark.parametrize("erased_by", [MAIL_ID, PHONE_ID])
def test_erasure_by_either_id_erases_the_person(app, erased_by):
    first, _ = file(app, "email", MAIL_ID, EMAIL)
    second, _ = file(app, "phone", PHONE_ID, CALLER, EMAIL_BY_CODE, text=PARCEL)

    erasure = app.erase_customer(tenant="acme", customer_id=erased_by, reason="customer_request")

    assert erasure.recorded is True
    assert [app.disclose(app.get_complaint(c)).erased for c in (first, second)] == [True, True]
    assert [app.vault.key_id("acme", c) for c in (MAIL_ID, PHONE_ID)] == [None, None]
    # The contact points lead to nobody now: the next call is a new person's first complaint.
    third, duplicate_of = file(app, "phone", PHONE_ID, CALLER, text=PARCEL)
    assert duplicate_of is None
    assert app.get_complaint(third).customer["id"] == PHONE_ID
    assert app.erase_customer(tenant="acme", customer_id=MAIL_ID,
                              reason="customer_request").recorded is False


def test_two_known_people_found_to_be_one_are_merged(app):
    by_mail, _ = file(app, "email", MAIL_ID, EMAIL)
    by_phone, _ = file(app, "phone", PHONE_ID, CALLER, text=PARCEL)

    _, duplicate_of = file(app, "phone", PHONE_ID, CALLER, EMAIL_BY_CODE)

    assert duplicate_of == by_mail
    identity = identity_of(app, MAIL_ID)
    assert (identity.customer_id, identity.aliases) == (PHONE_ID, [PHONE_ID, MAIL_ID])
    app.erase_customer(tenant="acme", customer_id=MAIL_ID, reason="customer_request")
    assert [app.disclose(app.get_complaint(c)).erased for c in (by_mail, by_phone)] == [
        True, True]


def quota_filer(app, tmp_path) -> Filer:
    return Filer(app=app, on_saved=lambda: None, tokens=TrackingTokens(os.urandom(32)),
                 public_url="https://complaints.example",
                 quota=FilingQuota(SqliteDatabase(str(tmp_path / "quota.sqlite")), per_day=2))


def caller(*roles: Role) -> Principal:
    return Principal(sub="adapter-1", tenant="acme", roles=frozenset(roles),
                     scopes=frozenset({"complaints:file"}))


def test_the_quota_counts_the_person_once_across_channels(app, tmp_path):
    filer = quota_filer(app, tmp_path)
    adapter = caller(Role.CHANNEL_ADAPTER)
    filer.file(submission("email", MAIL_ID, EMAIL), None, caller=adapter)
    filer.file(submission("phone", PHONE_ID, CALLER, EMAIL_BY_CODE, text=PARCEL), None,
               caller=adapter)

    with pytest.raises(QuotaExceeded):
        filer.file(submission("phone", PHONE_ID, CALLER, text="A third, different problem."),
                   None, caller=adapter)


def test_only_a_channel_adapter_vouches_for_a_contact_point(app, tmp_path):
    filer = quota_filer(app, tmp_path)
    agent = caller(Role.AGENT)
    filer.file(submission("email", MAIL_ID, EMAIL), None, caller=agent)

    accepted = filer.file(submission("phone", PHONE_ID, CALLER, EMAIL_BY_CODE), None,
                          caller=agent)

    assert accepted.duplicate_of is None
    assert app.get_complaint(accepted.complaint_id).customer["id"] == PHONE_ID


def test_an_adapter_on_the_inbound_topic_links_the_person_too(app):
    first, _ = file(app, "email", MAIL_ID, EMAIL)
    event = ComplaintSubmitted(
        submission_id="call-42", channel="phone", customer_id=PHONE_ID, subject="Charged twice",
        text=CHARGED, idempotency_key="call:42",
        verified_contacts=[{"kind": k, "value": v, "verified_by": b}
                           for k, v, b in (CALLER, EMAIL_BY_CODE)],
    )
    envelope = wrap(event, source="/adapters/phone", subject="call-42", sequence=1,
                    tenant="acme", correlation_id=uuid.uuid4())

    file_submission(app, event, envelope, Cause(event_id=envelope.id, consumer="intake"))

    second = app.filed_before(submission("phone", PHONE_ID), tenant="acme",
                              idempotency_key="call:42")
    assert app.get_complaint(second).duplicate_of == str(first)
