"""No doubles: the same customer's near-identical text within the window links to the first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from runtime.eventstore import persistence_env
from runtime.vault import KeyVault
from services.intake.application import IntakeApplication
from services.intake.classification import Classifier
from services.intake.domain import Customer, Submission
from services.intake.duplicates import (
    MAX_ENTRIES,
    RecentComplaints,
    normalise,
    signature,
    similarity,
)
from services.intake.understanding import DuplicatePolicy

WINDOW = timedelta(hours=72)
# Early in a 72-hour period, so a day later is still the same period.
START = datetime.fromtimestamp(1_000 * WINDOW.total_seconds() + 3600, UTC)
CHARGED = (
    "My card was charged twice for one order on 3 May. I want a refund of the second charge "
    "as soon as possible. The shop says it is the bank's fault."
)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(tmp_path, classifier, clock):
    url = f"sqlite:///{tmp_path}/intake.sqlite"
    return IntakeApplication(
        env=persistence_env(url), vault=KeyVault.from_url(url), classifier=classifier,
        duplicates=DuplicatePolicy(window=WINDOW, threshold=0.45), clock=clock,
    )


def file(app, text: str, *, customer: str = "cust-7", channel: str = "email",
         subject: str = "Charged twice", historical: bool = False):
    submission = Submission(
        channel=channel, customer=Customer(id=customer), subject=subject, text=text,
        historical=historical,
    )
    return app.file_complaint(submission, tenant="acme").complaint_id


def duplicate_of(app, complaint_id) -> str | None:
    return app.get_complaint(complaint_id).duplicate_of


@pytest.mark.parametrize(
    "repeat",
    [
        # reordered sentences
        "The shop says it is the bank's fault. My card was charged twice for one order on 3 May."
        " I want a refund of the second charge as soon as possible.",
        # punctuation and case
        "my card was CHARGED TWICE for one order on 3 may -- i want a refund of the second "
        "charge as soon as possible!!! the shop says it is the bank's fault",
        # a few words changed
        "My card got charged twice for a single order on 3 May. I want a refund of the second "
        "charge as soon as possible. The shop claims it is the bank's fault.",
    ],
    ids=["reordered", "punctuation-and-case", "a-few-words-changed"],
)
def test_a_paraphrase_from_the_same_customer_links_to_the_first(app, clock, repeat) -> None:
    first = file(app, CHARGED)
    clock.now += timedelta(hours=5)

    second = file(app, repeat, subject="Still charged twice")

    assert duplicate_of(app, second) == str(first)
    assert duplicate_of(app, first) is None


def test_the_same_complaint_by_email_then_by_phone_links(app, clock) -> None:
    first = file(app, CHARGED, channel="email")
    clock.now += timedelta(hours=30)

    by_phone = file(app, "Customer says: my card was charged twice for one order on 3 May, "
                         "I want a refund of the second charge as soon as possible, the shop "
                         "says it is the bank's fault.", channel="phone", subject="Call")

    assert duplicate_of(app, by_phone) == str(first)


def test_chinese_paraphrase_links(app, clock) -> None:
    first = file(app, "快递三天了还没到，客服态度很差，打了三次电话都没人处理。", channel="wechat")
    clock.now += timedelta(hours=2)

    second = file(app, "客服态度很差！打了三次电话都没人处理，快递三天了还没到", channel="app")

    assert duplicate_of(app, second) == str(first)


def test_a_different_complaint_from_the_same_customer_is_not_linked(app, clock) -> None:
    file(app, CHARGED)
    clock.now += timedelta(hours=1)

    for other in (
        "The courier left my parcel in the rain and the blender inside it is broken.",
        "My mortgage servicer lost my escrow payment for March and charged me a late fee.",
        "My card was declined at the store on 3 May although my account had enough money.",
    ):
        assert duplicate_of(app, file(app, other)) is None


def test_the_same_text_from_another_customer_is_not_linked(app, clock) -> None:
    file(app, CHARGED, customer="cust-7")

    assert duplicate_of(app, file(app, CHARGED, customer="cust-8")) is None


def test_a_repeat_after_the_window_is_not_linked(app, clock) -> None:
    file(app, CHARGED)
    clock.now += WINDOW + timedelta(minutes=1)

    assert duplicate_of(app, file(app, CHARGED)) is None


def test_a_repeat_in_the_next_period_within_the_window_links(app, clock) -> None:
    clock.now = START + WINDOW - timedelta(hours=2)  # late in one period
    first = file(app, CHARGED)
    clock.now += timedelta(hours=3)  # early in the next

    assert duplicate_of(app, file(app, CHARGED)) == str(first)


def test_repeats_link_to_the_original_not_to_each_other(app, clock) -> None:
    first = file(app, CHARGED)
    clock.now += timedelta(hours=48)
    second = file(app, CHARGED)
    clock.now += timedelta(hours=48)  # 96 h after the first, 48 h after the second

    third = file(app, CHARGED)

    assert (duplicate_of(app, second), duplicate_of(app, third)) == (str(first), str(first))


def test_imported_history_is_never_linked(app) -> None:
    file(app, CHARGED, historical=True)

    assert duplicate_of(app, file(app, CHARGED, historical=True)) is None


def test_after_erasure_nothing_is_left_to_link_with(app, clock) -> None:
    file(app, CHARGED)
    app.erase_customer(tenant="acme", customer_id="cust-7", reason="customer_request")

    assert duplicate_of(app, file(app, CHARGED)) is None


def test_the_index_holds_sealed_signatures_only(app) -> None:
    complaint_id = file(app, CHARGED)
    period = RecentComplaints.period_of(START, WINDOW)

    index = app.repository.get(RecentComplaints.create_id("acme", "cust-7", period))

    [entry] = index.entries
    assert entry["sealed_signature"].startswith("pii:v1:")
    assert (entry["complaint_id"], entry["original_id"]) == (str(complaint_id),) * 2
    assert entry["received_at"] == START
    stored = b"".join(n.state for n in app.recorder.select_notifications(None, 100))
    assert b"the bank's fault" not in stored.lower()  # taxonomy keywords may appear


def test_the_index_keeps_only_the_latest_entries() -> None:
    index = RecentComplaints(tenant="acme", customer_id="cust-7", period=1)
    ids = [f"00000000-0000-4000-8000-{n:012d}" for n in range(MAX_ENTRIES + 10)]
    for n, complaint_id in enumerate(ids):
        index.note(complaint_id=complaint_id, original_id=complaint_id,
                   sealed_signature=f"s{n}", received_at=START)

    assert len(index.entries) == MAX_ENTRIES
    assert [e["sealed_signature"] for e in index.entries[:2]] == ["s10", "s11"]


def test_normalising_removes_case_width_punctuation_and_spacing() -> None:
    assert normalise("  Charged TWICE!!  for\tone ＯＲＤＥＲ. ") == "charged twice for one order"
    assert normalise("快递 三天了，还没到！") == "快递三天了还没到"


def test_similarity_of_signatures() -> None:
    assert similarity(signature(CHARGED), signature(CHARGED)) == 1.0
    assert similarity(signature(CHARGED), signature(CHARGED.upper() + "!!")) == 1.0
    assert similarity(signature(CHARGED), signature("Completely unrelated words here.")) < 0.1
    assert len(signature(CHARGED)) == 512
