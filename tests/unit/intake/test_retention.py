"""#13 point 3, retention: a customer whose complaints have all been closed for longer than their
tenant's period is crypto-shredded by the scheduled job, once, with the policy's version and rule
on record and in each affected complaint's audit history; an open or reopened complaint keeps
everything, and a tenant's own period applies to its customers only."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from audit.history import AuditTrail
from audit.stores import SERVICES, ServiceStore
from contracts.envelope import Envelope, correlation_for, wrap
from contracts.registry import parse
from contracts.resolution import ComplaintClosed, ComplaintReopened
from contracts.topics import INTAKE_EVENTS, RESOLUTION_EVENTS
from runtime.eventstore import persistence_env
from runtime.inbox import Inbox
from runtime.lease import FileLock, Lease
from runtime.vault import KeyVault
from services.intake.application import IntakeApplication
from services.intake.classification.rulefile import RuleFileError
from services.intake.config import IntakeSettings
from services.intake.domain import PersonalData, Submission
from services.intake.handlers import SUBSCRIPTIONS
from services.intake.published import translator
from services.intake.retention import Expired, RetentionJob, shred_expired
from services.intake.retention_policy import load_policy
from tests.unit.cli.test_command_lines import run

CLOSED_AT = datetime(2020, 3, 1, 10, 0, tzinfo=UTC)
FIVE_YEARS_AND_A_DAY = datetime(2025, 3, 2, 10, 0, tzinfo=UTC)
ONE_DAY_SHORT = datetime(2025, 2, 28, 10, 0, tzinfo=UTC)
ONE_YEAR_AND_A_DAY = datetime(2021, 3, 2, 10, 0, tzinfo=UTC)
POLICY = """\
version: "2025-01"
default:
  personal_data: {after: closure, keep: P5Y}
  complaint_record: {after: closure, keep: P10Y}
tenants:
  brief-co:
    personal_data: {after: closure, keep: P1Y}
"""
DEFAULT_RULE = "default.personal_data: keep P5Y after closure"


@pytest.fixture
def policy(tmp_path):
    path = tmp_path / "retention.yaml"
    path.write_text(POLICY)
    return load_policy(path)


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'intake.sqlite'}"


@pytest.fixture
def app(url):
    app = IntakeApplication(env=persistence_env(url), vault=KeyVault.from_url(url))
    yield app
    app.close()


def file(app: IntakeApplication, customer_id: str, tenant: str = "acme",
         text: str = "The refund for my returned blender never arrived.") -> str:
    """File a complaint and hand intake its own published events, as its subscription does."""
    submission = Submission.model_validate({
        "channel": "email", "subject": f"Refund for {customer_id}",
        "customer": {"id": customer_id, "name": "Zhang Xiaoming", "contact": "z@example.cn"},
        "text": text,
    })
    complaint_id = str(app.file_complaint(submission, tenant=tenant).complaint_id)
    translate = translator(source="/services/intake")
    own = [translate(app.mapper.to_domain_event(n))
           for n in app.recorder.select_notifications(None, 1000)]
    deliver(app, INTAKE_EVENTS, [e for e in own if e and e.subject == complaint_id])
    return complaint_id


def said(complaint_id: str, event, at: datetime, tenant: str = "acme", sequence: int = 1):
    return wrap(event, source="/services/resolution", subject=complaint_id, sequence=sequence,
                tenant=tenant, correlation_id=correlation_for(complaint_id), time=at)


def close(app, complaint_id: str, at: datetime = CLOSED_AT, tenant: str = "acme",
          sequence: int = 1) -> None:
    event = ComplaintClosed(complaint_id=complaint_id, closed_by="agent-7",
                            root_cause_category="process_gap",
                            why_chain=("The refund was never triggered",))
    deliver(app, RESOLUTION_EVENTS, [said(complaint_id, event, at, tenant, sequence)])


def reopen(app, complaint_id: str, at: datetime, sequence: int = 2) -> None:
    event = ComplaintReopened(complaint_id=complaint_id, reason="not refunded after all",
                              reopened_by="customer")
    deliver(app, RESOLUTION_EVENTS, [said(complaint_id, event, at, sequence=sequence)])


def deliver(app, topic, envelopes: list[Envelope]) -> None:
    inbox = Inbox(app=app, consumer="intake", handlers=SUBSCRIPTIONS[topic])
    for envelope in envelopes:
        inbox.process(*parse(envelope.model_dump(mode="json")))


def erased(app, complaint_id: str) -> bool:
    return app.personal_data_erased(app.get_complaint(uuid.UUID(complaint_id)))


def erasures(app, customer_id: str, tenant: str = "acme") -> int:
    return len(app.repository.get(PersonalData.create_id(tenant, customer_id)).erased_keys)


def test_retention_shreds_a_customer_closed_five_years_and_a_day_ago(app, policy):
    complaint = file(app, "cust-1")
    close(app, complaint)

    shredded = shred_expired(app, policy, FIVE_YEARS_AND_A_DAY)

    assert shredded == [Expired("acme", "cust-1", CLOSED_AT, datetime(2025, 3, 1, 10, 0,
                                tzinfo=UTC), "2025-01", DEFAULT_RULE)]
    assert erased(app, complaint) is True
    assert app.disclose(app.get_complaint(uuid.UUID(complaint))).text == "[erased]"


def test_retention_keeps_a_customer_one_day_short_of_the_period(app, policy):
    complaint = file(app, "cust-1")
    close(app, complaint)

    assert shred_expired(app, policy, ONE_DAY_SHORT) == []
    assert erased(app, complaint) is False


def test_retention_keeps_a_customer_with_a_complaint_still_open(app, policy):
    closed = file(app, "cust-2")
    still_open = file(app, "cust-2", text="A courier broke the glass door of my new oven.")
    close(app, closed)

    assert shred_expired(app, policy, FIVE_YEARS_AND_A_DAY) == []
    assert (erased(app, closed), erased(app, still_open)) == (False, False)


def test_retention_keeps_a_customer_whose_complaint_was_reopened(app, policy):
    complaint = file(app, "cust-3")
    close(app, complaint)
    reopen(app, complaint, at=datetime(2020, 6, 1, tzinfo=UTC))

    assert shred_expired(app, policy, FIVE_YEARS_AND_A_DAY) == []
    assert erased(app, complaint) is False


def test_retention_counts_from_the_closure_after_a_reopen(app, policy):
    complaint = file(app, "cust-3")
    close(app, complaint)
    reopen(app, complaint, at=datetime(2020, 6, 1, tzinfo=UTC))
    close(app, complaint, at=datetime(2020, 9, 1, tzinfo=UTC), sequence=3)

    assert shred_expired(app, policy, FIVE_YEARS_AND_A_DAY) == []
    assert [e.customer_id for e in shred_expired(app, policy, datetime(2025, 9, 2, tzinfo=UTC))
            ] == ["cust-3"]


def test_retention_a_tenants_shorter_period_applies_to_its_own_customers_only(app, policy):
    own = file(app, "cust-4", tenant="brief-co")
    close(app, own, tenant="brief-co")
    other = file(app, "cust-4")  # the same id at the default's tenant
    close(app, other)

    shredded = shred_expired(app, policy, ONE_YEAR_AND_A_DAY)

    assert [(e.tenant, e.customer_id, e.rule) for e in shredded] == [
        ("brief-co", "cust-4", "brief-co.personal_data: keep P1Y after closure")
    ]
    assert (erased(app, own), erased(app, other)) == (True, False)


def test_retention_dry_run_lists_and_changes_nothing(app, policy, url):
    complaint = file(app, "cust-5")
    close(app, complaint)
    before = app.recorder.max_notification_id()

    listed = shred_expired(app, policy, FIVE_YEARS_AND_A_DAY, dry_run=True)

    assert [(e.customer_id, e.policy_version) for e in listed] == [("cust-5", "2025-01")]
    assert erased(app, complaint) is False
    assert app.recorder.max_notification_id() == before


def test_retention_running_twice_erases_once(app, policy, tmp_path):
    close(app, file(app, "cust-6"))
    job = RetentionJob(app=app, policy=lambda: policy, interval_s=60,
                       clock=lambda: FIVE_YEARS_AND_A_DAY,
                       lease=Lease("intake", "retention", FileLock(tmp_path / "lease")))

    first, second = job.run_once(), job.run_once()

    assert ([e.customer_id for e in first], second) == (["cust-6"], [])
    assert erasures(app, "cust-6") == 1


def test_retention_runs_only_on_the_replica_holding_the_lease(app, policy, tmp_path):
    close(app, file(app, "cust-7"))
    leader = Lease("intake", "retention", FileLock(tmp_path / "lease"))
    assert leader.held() is True
    standby = RetentionJob(app=app, policy=lambda: policy, interval_s=60,
                           clock=lambda: FIVE_YEARS_AND_A_DAY,
                           lease=Lease("intake", "retention", FileLock(tmp_path / "lease")))

    assert standby.run_once() == []
    assert erasures_recorded(app, "cust-7") is False
    leader.release()


def erasures_recorded(app, customer_id: str, tenant: str = "acme") -> bool:
    return PersonalData.create_id(tenant, customer_id) in app.repository


def test_retention_erasure_is_in_each_affected_complaints_audit_history(app, policy, url,
                                                                        tmp_path):
    first = file(app, "cust-8")
    second = file(app, "cust-8", text="A courier broke the glass door of my new oven.")
    close(app, first)
    close(app, second)
    shred_expired(app, policy, FIVE_YEARS_AND_A_DAY)

    own = IntakeSettings(data_dir=tmp_path, database_url=url, tenant="acme")
    store = ServiceStore(SERVICES[0], url, own)
    try:
        histories = [AuditTrail([store]).history(c) for c in (first, second)]
    finally:
        store.close()
    for history in histories:
        assert history[-1].type == "customer.erased.v1"
        assert {k: history[-1].data[k] for k in (
            "customer_id", "reason", "policy_version", "retention_rule")} == {
            "customer_id": "cust-8", "reason": "retention_expired",
            "policy_version": "2025-01", "retention_rule": DEFAULT_RULE,
        }


def test_retention_policy_names_the_line_of_a_bad_period(tmp_path):
    path = tmp_path / "retention.yaml"
    path.write_text(POLICY.replace("keep: P1Y", "keep: 1 year"))

    with pytest.raises(RuleFileError) as refused:
        load_policy(path)

    assert str(refused.value) == (
        "retention.yaml:7: tenants.brief-co.personal_data.keep: Value error, '1 year' is "
        "not an ISO 8601 period such as P5Y, P18M or P90D"
    )


def test_retention_the_shipped_policy_loads():
    shipped = load_policy(Path(IntakeSettings().retention_policy))
    assert (shipped.version, shipped.rules_of("acme")["personal_data"].keep) == (
        "2025-01", "P5Y")


def test_retention_hears_a_closure_before_the_complaint_received(app, policy):
    # Topics interleave: resolution's closure may be consumed before intake's own received.
    submission = Submission.model_validate({
        "channel": "email", "subject": "Refund", "text": "The refund never arrived.",
        "customer": {"id": "cust-10"},
    })
    complaint = str(app.file_complaint(submission, tenant="acme").complaint_id)
    close(app, complaint)
    translate = translator(source="/services/intake")
    own = [translate(app.mapper.to_domain_event(n))
           for n in app.recorder.select_notifications(None, 1000)]
    deliver(app, INTAKE_EVENTS, [e for e in own if e and e.subject == complaint])

    assert [e.customer_id for e in shred_expired(app, policy, FIVE_YEARS_AND_A_DAY)] == [
        "cust-10"]


@pytest.fixture
def home(tmp_path) -> Path:
    """A DATA_DIR whose intake store holds a customer closed in 2020, long expired by now."""
    home = tmp_path / "home"
    url = f"sqlite:///{home / 'data' / 'intake.sqlite'}"
    (home / "data").mkdir(parents=True)
    app = IntakeApplication(env=persistence_env(url), vault=KeyVault.from_url(url))
    try:
        close(app, file(app, "cust-9"))
    finally:
        app.close()
    return home


def still_readable(home: Path) -> bool:
    url = f"sqlite:///{home / 'data' / 'intake.sqlite'}"
    app = IntakeApplication(env=persistence_env(url), vault=KeyVault.from_url(url))
    try:
        return erasures_recorded(app, "cust-9") is False
    finally:
        app.close()


def test_retention_command_without_yes_refuses_and_erases_nothing(home):
    answer = run(["-m", "services.intake.tools.retention"], home)

    assert answer.returncode == 2
    assert answer.stderr.splitlines()[-1] == (
        "python -m services.intake.tools.retention: error: this destroys the keys of every "
        "customer listed by --dry-run; give --yes to go ahead"
    )
    assert still_readable(home) is True


def test_retention_command_dry_run_lists_and_erases_nothing(home):
    answer = run(["-m", "services.intake.tools.retention", "--dry-run"], home)

    assert (answer.returncode, answer.stderr) == (0, "")
    assert answer.stdout.splitlines() == [
        "acme cust-9 would be erased: last closed 2020-03-01T10:00:00+00:00, due "
        f"2025-03-01T10:00:00+00:00 ({DEFAULT_RULE}, policy 2025-01)",
        "1 customer(s) would be erased",
    ]
    assert still_readable(home) is True


def test_retention_command_with_yes_erases(home):
    answer = run(["-m", "services.intake.tools.retention", "--yes"], home)

    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.splitlines()[-1] == "1 customer(s) erased"
    assert still_readable(home) is False


async def test_retention_erasures_delete_processed_raw_submissions_like_a_requested_one(
        app, policy, tmp_path):
    close(app, file(app, "cust-9"))
    purges: list[str] = []

    async def purge() -> None:
        purges.append("inbound")
        raise asyncio.CancelledError  # stop the loop after its first pass

    job = RetentionJob(app=app, policy=lambda: policy, interval_s=60,
                       clock=lambda: FIVE_YEARS_AND_A_DAY, on_erased=purge,
                       lease=Lease("intake", "retention", FileLock(tmp_path / "lease")))
    with pytest.raises(asyncio.CancelledError):
        await job.run()

    assert (purges, erasures(app, "cust-9")) == (["inbound"], 1)
