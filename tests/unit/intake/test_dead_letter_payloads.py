"""A dead letter of a raw submission keeps it only sealed with the customer's key (re-drivable
until the customer is erased) or withholds it; other topics' values are kept as they came."""

from __future__ import annotations

import hashlib
import json

import pytest

from contracts.topics import DISPATCH_EVENTS, INBOUND
from runtime.deadletters import WITHHELD
from runtime.vault import KeyVault
from services.intake.dead_letters import SealedSubmissions

RAW = json.dumps({"tenant": "acme", "type": "complaint.submitted.v1",
                  "data": {"customer_id": "Cust-7", "text": "Zhang Xiaoming lost a parcel"}})


@pytest.fixture
def vault(tmp_path):
    vault = KeyVault.from_url(f"sqlite:///{tmp_path / 'keys.sqlite'}")
    yield vault
    vault.close()


def test_a_raw_submission_is_kept_sealed_with_its_customers_key(vault):
    payloads = SealedSubmissions(vault)

    kept = payloads.kept(INBOUND.name, RAW.encode())

    assert "Zhang" not in kept
    frame = json.loads(kept)["sealed"]
    assert (frame["tenant"], frame["customer_id"]) == ("acme", "cust-7")
    assert payloads.opened(INBOUND.name, kept.encode()) == RAW.encode()


def test_a_re_driven_submission_of_an_erased_customer_opens_to_none(vault):
    payloads = SealedSubmissions(vault)
    kept = payloads.kept(INBOUND.name, RAW.encode())

    vault.erase("acme", "cust-7")

    assert payloads.opened(INBOUND.name, kept.encode()) is None


def test_a_letter_dead_lettered_again_keeps_the_sealed_value_as_it_is(vault):
    payloads = SealedSubmissions(vault)
    kept = payloads.kept(INBOUND.name, RAW.encode())

    assert payloads.kept(INBOUND.name, kept.encode()) == kept


@pytest.mark.parametrize("raw", [b"not json, Zhang Xiaoming", b'{"tenant": "acme", "data": {}}',
                                 b'{"data": {"customer_id": "cust-7"}}'])
def test_a_value_naming_no_customer_is_withheld(vault, raw):
    kept = SealedSubmissions(vault).kept(INBOUND.name, raw)

    assert kept == WITHHELD + hashlib.sha256(raw).hexdigest()


def test_values_of_other_topics_are_kept_and_read_as_they_came(vault):
    payloads = SealedSubmissions(vault)

    assert payloads.kept(DISPATCH_EVENTS.name, RAW.encode()) == RAW
    assert payloads.opened(DISPATCH_EVENTS.name, RAW.encode()) == RAW.encode()
    assert payloads.opened(INBOUND.name, RAW.encode()) == RAW.encode()
