"""A rogue administrator switches the append-only triggers off and rewrites history; the
verifier names the first position touched and how. Same scenarios on SQLite and PostgreSQL.

Four complaints, each filed with an idempotency key, store EVENTS_PER_FILING events each;
tampering that edits content picks a complaint's Received event, which names the tenant.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

import pytest

from runtime import sealing
from runtime.sealing import verify
from tests.integration.event_stores import (
    EVENTS_PER_FILING,
    RogueAdmin,
    file_complaints,
    intake,
    store_url_for,
)

pytestmark = pytest.mark.integration

HEAD = 4 * EVENTS_PER_FILING  # the last position after the fixture's four filings


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    yield from store_url_for(request.param, tmp_path, request)


@pytest.fixture
def app(store_url):
    app = intake(store_url)
    file_complaints(app, range(4))
    yield app
    app.close()


@pytest.fixture
def admin(store_url, app):
    admin = RogueAdmin(store_url)
    yield admin
    admin.close()


def received(admin, n: int) -> int:
    """Position of the n-th complaint's Received event (0-based)."""
    return [p for p, _, _, topic, _ in admin.events() if topic.endswith(".Received")][n]


def outcome(app, digest=None) -> tuple[str, int | None]:
    report = verify(app, digest)
    return report.result, report.position


def test_an_untouched_store_verifies(app):
    assert (verify(app).result, verify(app).head, verify(app).entries) == ("ok", HEAD, HEAD)


def test_a_modified_state_is_named_at_its_position(app, admin):
    position = received(admin, 1)
    admin.modify(position, b'"tenant":"acme"', b'"tenant":"evil"')

    assert outcome(app) == ("modified", position)


def test_a_deleted_event_is_named_at_its_position(app, admin):
    admin.tamper(("DELETE FROM {events} WHERE {pos} = {p}", (5,)))

    assert outcome(app) == ("deleted", 5)


def test_an_event_deleted_with_its_seal_is_named_at_its_position(app, admin):
    admin.tamper(("DELETE FROM {events} WHERE {pos} = {p}", (5,)),
                 ("DELETE FROM {chain} WHERE position = {p}", (5,)))

    assert outcome(app) == ("deleted", 5)


@pytest.mark.parametrize("position", [HEAD + 1, 0])
def test_a_forged_event_is_named_where_it_was_slipped_in(app, admin, position):
    _, _, version, topic, state = admin.events()[0]
    admin.tamper((
        "INSERT INTO {events} ({pos}, originator_id, originator_version, topic, state) "
        "VALUES ({p}, {p}, {p}, {p}, {p})",
        (position, uuid.uuid4().hex, version, topic, state),
    ))

    assert outcome(app) == ("inserted", position)


@pytest.mark.parametrize(("p", "q"), [(2, 6), (3, 4)])
def test_two_swapped_events_are_named_reordered_at_the_earlier(app, admin, p, q):
    admin.tamper(*(("UPDATE {events} SET {pos} = {p} WHERE {pos} = {p}", move)
                   for move in ((-1, p), (p, q), (q, -1))))

    assert outcome(app) == ("reordered", p)


def test_a_consistent_rewrite_is_caught_only_by_an_earlier_digest(store_url, admin, app):
    early = sealing.digest(app)
    file_complaints(app, range(4, 6))
    late = sealing.digest(app)
    later = HEAD + 2 * EVENTS_PER_FILING
    assert (early["position"], late["position"], outcome(app, early)) == (
        HEAD, later, ("ok", None),
    )

    admin.rewrite_from(received(admin, 1), b'"tenant":"acme"', b'"tenant":"evil"')

    assert (outcome(app), outcome(app, early), outcome(app, late)) == (
        ("ok", None), ("diverged", HEAD), ("diverged", later),
    )


def test_a_truncated_tail_is_caught_by_an_earlier_digest(app, admin):
    seen = sealing.digest(app)
    admin.tamper(("DELETE FROM {events} WHERE {pos} > {p}", (6,)),
                 ("DELETE FROM {chain} WHERE position > {p}", (6,)))

    assert (outcome(app), outcome(app, seen)) == (("ok", None), ("deleted", 7))


def test_the_cli_verifies_against_a_digest_and_exits_1_when_broken(
    store_url, app, admin, tmp_path, capsys
):
    assert sealing.main(["digest", "--url", store_url]) == 0
    seen = tmp_path / "seen.json"
    seen.write_text(capsys.readouterr().out)
    service = json.loads(seen.read_text())["service"]
    position = received(admin, 3)
    admin.modify(position, b'"tenant":"acme"', b'"tenant":"evil"')

    code = sealing.main(["verify", "--url", store_url, "--digest", str(seen)])

    assert (service, code) == ({"s": "intake", "p": "intakeapplication"}[store_url[0]], 1)
    assert json.loads(capsys.readouterr().out) == {
        "service": service, "result": "modified", "position": position, "head": HEAD,
        "entries": HEAD,
        "detail": "the event differs from its seal",
    }


def test_the_cli_runs_as_a_module_and_prints_one_line(store_url, app):
    done = subprocess.run([sys.executable, "-m", "runtime.sealing", "verify", "--url", store_url],
                          capture_output=True, text=True, timeout=60, check=False)

    assert (done.returncode, done.stdout.count("\n"), json.loads(done.stdout)["result"]) == (
        0, 1, "ok",
    )
