"""Per-customer keys: what one seals only that customer's key opens, until it is erased."""

from __future__ import annotations

import base64
import re

import pytest

from runtime.vault import KeyVault, NotSealed, Tampered, WrongCustomer, is_sealed

SEALED = re.compile(r"pii:v1:[0-9a-f]{32}:[A-Za-z0-9+/]+={0,2}")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/service.sqlite"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def vault(url):
    vault = KeyVault.from_url(url)
    yield vault
    vault.close()


def customer_id(request) -> str:
    # Distinct per test, so the shared PostgreSQL database needs no cleaning between tests.
    return f"cust-{request.node.name}"


@pytest.fixture
def alice(request):
    return customer_id(request) + "-alice"


@pytest.fixture
def bob(request):
    return customer_id(request) + "-bob"


def flip_last_byte(sealed: str) -> str:
    head, encoded = sealed.rsplit(":", 1)
    blob = bytearray(base64.b64decode(encoded))
    blob[-1] ^= 0x01
    return f"{head}:{base64.b64encode(bytes(blob)).decode()}"


def test_a_sealed_value_is_recognisable_and_opens_for_its_customer(vault, alice):
    sealed = vault.seal("acme", alice, "李伟, +86 138 0000 5678")

    assert SEALED.fullmatch(sealed), sealed
    assert is_sealed(sealed)
    assert "138" not in sealed
    assert vault.open("acme", alice, sealed) == "李伟, +86 138 0000 5678"


def test_every_seal_uses_a_fresh_nonce_under_the_customers_one_key(vault, alice, bob):
    first, second = vault.seal("acme", alice, "same"), vault.seal("acme", alice, "same")
    other = vault.seal("acme", bob, "same")

    assert first != second
    assert first.split(":")[2] == second.split(":")[2] == vault.key_id("acme", alice)
    assert other.split(":")[2] == vault.key_id("acme", bob) != vault.key_id("acme", alice)


@pytest.mark.parametrize(
    "value", ["Li Wei", "", None, "pii:v1:abc", "pii:v2:k:AAAA", "pii:v1:k:AA:AA"]
)
def test_plain_values_are_not_taken_for_sealed_ones(value):
    assert not is_sealed(value)


def test_another_customers_or_tenants_value_does_not_open(vault, alice, bob):
    sealed = vault.seal("acme", alice, "secret")
    vault.seal("acme", bob, "bob's own")

    with pytest.raises(WrongCustomer, match="belongs to another tenant or customer"):
        vault.open("acme", bob, sealed)
    with pytest.raises(WrongCustomer):
        vault.open("globex", alice, sealed)


def test_a_value_moved_under_another_customers_key_id_fails_authentication(vault, alice, bob):
    sealed = vault.seal("acme", alice, "secret")
    bobs_key = vault.seal("acme", bob, "x").split(":")[2]
    forged = sealed.replace(sealed.split(":")[2], bobs_key)

    with pytest.raises(Tampered, match="fails authentication"):
        vault.open("acme", bob, forged)


def test_tampered_ciphertext_fails_with_a_clear_error(vault, alice):
    sealed = vault.seal("acme", alice, "refund of 300 yuan")

    with pytest.raises(Tampered, match=r"sealed under key [0-9a-f]{32} fails authentication"):
        vault.open("acme", alice, flip_last_byte(sealed))
    with pytest.raises(Tampered, match="truncated"):
        vault.open("acme", alice, sealed.rsplit(":", 1)[0] + ":AAAA")
    with pytest.raises(Tampered, match="not valid base64"):
        vault.open("acme", alice, sealed[:-4] + "*!*!")
    with pytest.raises(NotSealed):
        vault.open("acme", alice, "refund of 300 yuan")


def test_after_erasure_nothing_sealed_opens_and_erasing_again_is_harmless(vault, alice, bob):
    sealed = vault.seal("acme", alice, "secret")
    bobs = vault.seal("acme", bob, "bob's")

    assert vault.erase("acme", alice) is True
    assert vault.open("acme", alice, sealed) is None
    assert vault.key_id("acme", alice) is None
    assert vault.erase("acme", alice) is False
    assert vault.erase("acme", "never-seen") is False
    assert vault.open("acme", bob, bobs) == "bob's"


def test_a_customer_who_returns_after_erasure_gets_a_new_key(vault, alice):
    old = vault.seal("acme", alice, "before")
    vault.erase("acme", alice)

    new = vault.seal("acme", alice, "after")

    assert new.split(":")[2] != old.split(":")[2]
    assert vault.open("acme", alice, new) == "after"
    assert vault.open("acme", alice, old) is None


def test_keys_are_kept_in_the_database_and_erasure_reaches_every_replica(url, vault, alice):
    sealed = vault.seal("acme", alice, "secret")
    replica = KeyVault.from_url(url)
    try:
        assert replica.open("acme", alice, sealed) == "secret"
        assert replica.erase("acme", alice) is True
        assert vault.open("acme", alice, sealed) is None
    finally:
        replica.close()
