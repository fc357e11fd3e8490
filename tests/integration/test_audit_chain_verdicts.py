"""Audit's chain verdict on a real intake store opened as audit opens it (SQLite and PostgreSQL):
ok when untouched, broken at the position a rogue administrator edited."""

from __future__ import annotations

import pytest

from audit.chains import ChainVerdict, Verdict, verdicts
from audit.stores import SERVICES, ServiceStore
from services.intake.config import IntakeSettings
from tests.integration.event_stores import (
    EVENTS_PER_FILING,
    RogueAdmin,
    file_complaints,
    intake,
    store_url_for,
)

pytestmark = pytest.mark.integration

HEAD = 2 * EVENTS_PER_FILING


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    yield from store_url_for(request.param, tmp_path, request)


@pytest.fixture
def store(store_url, tmp_path):
    app = intake(store_url)
    file_complaints(app, range(2))
    app.close()
    own = IntakeSettings(data_dir=tmp_path)
    store = ServiceStore(SERVICES[0], store_url, own)
    yield store
    store.close()


def test_an_untouched_store_is_ok_and_a_missing_one_named(store):
    assert verdicts([store], ["notify"]) == [
        ChainVerdict(service="intake", verdict=Verdict.OK, head=HEAD, entries=HEAD),
        ChainVerdict(service="notify", verdict=Verdict.MISSING),
    ]


def test_a_tampered_store_is_broken_at_the_position_touched(store, store_url):
    admin = RogueAdmin(store_url)
    try:
        position = [p for p, _, _, topic, _ in admin.events() if topic.endswith(".Received")][1]
        admin.modify(position, b'"tenant":"acme"', b'"tenant":"evil"')
    finally:
        admin.close()
    assert verdicts([store], []) == [
        ChainVerdict(service="intake", verdict=Verdict.BROKEN, position=position,
                     kind="modified", head=HEAD, entries=HEAD),
    ]
