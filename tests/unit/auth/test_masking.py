"""Masking of personal fields, and redact() by scope."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import BaseModel

from runtime.auth import Personal, Principal, Role, mask_email, mask_name, mask_phone, redact
from runtime.auth.masking import REDACTED, mask_contact, personal_fields
from runtime.auth.roles import scopes_for


@pytest.mark.parametrize(("phone", "masked"), [
    ("13812345678", "138****5678"),
    ("+86 138 1234 5678", "+86 1** **** 5678"),
    ("010-8888-1234", "010-****-1234"),
    ("88881234", "88****34"),
    ("12345", "***45"),
    ("1234", "****"),
    ("", ""),
])
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(("email", "masked"), [
    ("alice.wong@example.com", "a***@example.com"),
    ("a@b.cn", "a***@b.cn"),
    ("not-an-email", "n***********"),
])
def test_mask_email(email, masked):
    assert mask_email(email) == masked


@pytest.mark.parametrize(("name", "masked"), [
    ("王小明", "王**"), ("Alice Wong", "A**** W***"), ("A", "A"), ("", ""),
])
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_mask_contact_picks_email_or_phone():
    assert mask_contact("bob@example.com") == "b***@example.com"
    assert mask_contact("13812345678") == "138****5678"


class Address(BaseModel):
    city: str
    street: Annotated[str, Personal.TEXT]


class View(BaseModel):
    complaint_id: str
    name: Annotated[str, Personal.NAME]
    phone: Annotated[str | None, Personal.PHONE] = None
    email: Annotated[str, Personal.EMAIL]
    text: Annotated[str, Personal.TEXT]
    address: Address
    history: list[Address] = []


VIEW = View(complaint_id="c-1", name="王小明", phone="13812345678", email="wang@example.cn",
            text="Call me on 13812345678", address=Address(city="Shanghai", street="1 Nanjing Rd"),
            history=[Address(city="Beijing", street="2 Chang'an Ave")])


def as_role(role: Role) -> Principal:
    return Principal(sub="p", tenant="acme", roles=frozenset({role}), scopes=scopes_for([role]))


def test_personal_fields_are_found_by_their_marks():
    assert personal_fields(View) == {"name": Personal.NAME, "phone": Personal.PHONE,
                                     "email": Personal.EMAIL, "text": Personal.TEXT}


PII_READERS = (Role.AGENT, Role.SUPERVISOR, Role.TEAM_LEAD, Role.DEPARTMENT_HEAD)


@pytest.mark.parametrize("role", PII_READERS)
def test_roles_with_pii_read_see_plaintext(role):
    assert redact(VIEW, as_role(role)) == VIEW


@pytest.mark.parametrize("role", [r for r in Role if r not in PII_READERS])
def test_every_other_role_sees_masks(role):
    seen = redact(VIEW, as_role(role))
    assert seen.model_dump() == {
        "complaint_id": "c-1", "name": "王**", "phone": "138****5678",
        "email": "w***@example.cn", "text": REDACTED,
        "address": {"city": "Shanghai", "street": REDACTED},
        "history": [{"city": "Beijing", "street": REDACTED}],
    }
    assert "13812345678" not in seen.model_dump_json()


def test_missing_personal_values_stay_missing():
    assert redact(VIEW.model_copy(update={"phone": None}), as_role(Role.ANALYST)).phone is None
