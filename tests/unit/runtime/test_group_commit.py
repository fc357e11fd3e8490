"""Concurrent filings saved in one transaction, each one's failure undone and answered alone."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from runtime.eventstore import persistence_env
from runtime.group_commit import GroupCommit
from runtime.vault import KeyVault
from services.intake.application import IntakeApplication
from services.intake.domain import Submission


def submission(n: int) -> Submission:
    return Submission.model_validate({
        "channel": "email",
        "customer": {"id": f"cust-{n}", "name": "Li Wei", "contact": f"li{n}@example.com"},
        "subject": "Refund not received",
        "text": f"I returned blender number {n} in May and the refund has not arrived.",
        "external_reference": f"MAIL-{n}",
    })


@pytest.fixture
def app(tmp_path):
    url = f"sqlite:///{tmp_path}/intake.sqlite"
    return IntakeApplication(env=persistence_env(url), vault=KeyVault.from_url(url))


def until(condition: Callable[[], bool]) -> None:
    """Wait for other threads to get somewhere (no timing is asserted)."""
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, "the threads never got there"
        time.sleep(0.005)


class Outcomes:
    """Runs pieces of work through the group commit in threads, and keeps what each got."""

    def __init__(self, commits: GroupCommit) -> None:
        self.commits = commits
        self.got: dict[str, Any] = {}
        self.threads: list[threading.Thread] = []

    def start(self, name: str, work: Callable[[], Any]) -> None:
        def run() -> None:
            try:
                self.got[name] = self.commits.run(work)
            except Exception as error:
                self.got[name] = error

        thread = threading.Thread(target=run)
        thread.start()
        self.threads.append(thread)

    def join(self) -> dict[str, Any]:
        for thread in self.threads:
            thread.join(60)
        return self.got


def test_concurrent_filings_commit_together_and_a_failing_one_is_answered_alone(app):
    files_concurrently_one_refused(app)


def files_concurrently_one_refused(app: IntakeApplication) -> None:
    """Five filings wait while a first one commits: they commit together, the refused one
    (which saved before failing) undone and answered with its own error, a repeat found."""
    sizes: list[int] = []
    commits = GroupCommit(app, linger_s=0, on_commit=sizes.append)
    outcomes = Outcomes(commits)
    gate, started = threading.Event(), threading.Event()

    def first():  # holds the first commit open while the others arrive
        started.set()
        gate.wait(30)
        return app.file_complaint(submission(0), tenant="acme")

    def refused():  # saves, then fails: its save must be undone, the others' kept
        app.file_complaint(submission(9), tenant="acme")
        raise ValueError("refused after saving")

    outcomes.start("first", first)
    assert started.wait(30)
    for n in (1, 2, 3):
        outcomes.start(f"filing-{n}", lambda n=n: app.file_complaint(submission(n), tenant="acme"))
    outcomes.start("refused", refused)
    outcomes.start("repeat", lambda: app.file_complaint(submission(1), tenant="acme"))
    until(lambda: commits.waiting == 5)
    gate.set()
    got = outcomes.join()

    assert sizes == [1, 5]  # the five that waited were one transaction
    assert isinstance(got["refused"], ValueError)
    filed = [got[f"filing-{n}"] for n in (1, 2, 3)]
    assert all(f.created for f in filed)
    assert got["repeat"].created is False
    assert got["repeat"].complaint_id == filed[0].complaint_id
    for f in [got["first"], *filed]:
        assert app.get_complaint(f.complaint_id).tenant == "acme"
    assert app.filed_before(submission(9), tenant="acme") is None  # the refused one's undone


class FailingCommit:
    """A store whose commit fails: everything of the batch is lost."""

    def __init__(self) -> None:
        self.pending: list[str] = []

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        yield
        raise OSError("disk full on commit")

    @contextlib.contextmanager
    def savepoint(self) -> Iterator[None]:
        yield


def test_a_failed_commit_answers_every_request_of_the_group_with_its_error():
    store = FailingCommit()
    commits = GroupCommit(store, linger_s=0)
    outcomes = Outcomes(commits)
    gate, started = threading.Event(), threading.Event()
    outcomes.start("first", lambda: started.set() or gate.wait(30))
    assert started.wait(30)
    for n in range(3):
        outcomes.start(f"w{n}", lambda n=n: store.pending.append(f"w{n}") or n)
    until(lambda: commits.waiting == 3)
    gate.set()
    got = outcomes.join()

    assert sorted(got) == ["first", "w0", "w1", "w2"]
    assert all(isinstance(v, OSError) for v in got.values())
    assert store.pending == ["w0", "w1", "w2"]  # each ran, in the order they arrived
    assert commits.waiting == 0
    # and the coalescer is not stuck: the next piece of work runs (and fails the same way)
    with pytest.raises(OSError):
        commits.run(lambda: 1)


def test_one_caller_s_works_share_transactions_up_to_most_each_answered_alone(app):
    sizes: list[int] = []
    commits = GroupCommit(app, linger_s=0, most=4, on_commit=sizes.append)

    def refused():
        app.file_complaint(submission(9), tenant="acme")
        raise ValueError("refused after saving")

    works = [lambda n=n: app.file_complaint(submission(n), tenant="acme") for n in range(5)]
    got = commits.run_all([*works[:2], refused, *works[2:], works[0]])

    assert sizes == [4, 3]  # seven works, at most four a transaction
    assert [error is None for _, error in got] == [True, True, False, True, True, True, True]
    assert isinstance(got[2][1], ValueError) and got[2][0] is None
    filed = [value for value, _ in got[:2] + got[3:6]]
    assert all(f.created for f in filed)
    assert got[6][0].created is False and got[6][0].complaint_id == filed[0].complaint_id
    assert app.filed_before(submission(9), tenant="acme") is None
    assert commits.waiting == 0


def test_works_handed_over_together_wait_behind_a_commit_under_way_and_then_lead(app):
    sizes: list[int] = []
    commits = GroupCommit(app, linger_s=0, most=2, on_commit=sizes.append)
    outcomes = Outcomes(commits)
    gate, started = threading.Event(), threading.Event()
    outcomes.start("first", lambda: started.set() or gate.wait(30))
    assert started.wait(30)
    got: list = []
    batch = threading.Thread(target=lambda: got.extend(commits.run_all(
        [lambda n=n: app.file_complaint(submission(n), tenant="acme") for n in range(3)])))
    batch.start()
    until(lambda: commits.waiting == 3)
    gate.set()
    batch.join(60)
    outcomes.join()

    assert sizes == [1, 2, 1]
    assert len(got) == 3 and all(error is None and value.created for value, error in got)
