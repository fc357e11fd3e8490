"""Customer ids in one spelling (issue #21, point 5): the quota, duplicates and erasure count a
customer once however the id is dressed up."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.intake.customer_ids import normalise_customer_id
from services.intake.domain import Customer


@pytest.mark.parametrize(("variant", "normal"), [
    ("quota-cust-1", "quota-cust-1"),
    ("quota-cust-1 ", "quota-cust-1"),
    ("  quota-cust-1\n", "quota-cust-1"),
    ("QUOTA-CUST-1", "quota-cust-1"),
    ("ｑuota-cust-1", "quota-cust-1"),  # full-width q
    ("ＱＵＯＴＡ－ＣＵＳＴ－１", "quota-cust-1"),
    ("\u3000quota-cust-1\u00a0", "quota-cust-1"),  # ideographic and no-break spaces
    ("Straße 7", "strasse 7"),
    ("Ann  \u2003 Lee", "ann lee"),  # inner runs of spaces are one space
    ("EMAIL:AB12", "email:ab12"),
    ("wechat:oAbC-12_xY", "wechat:oAbC-12_xY"),  # openids: case matters
    ("WeChat:oAbC", "wechat:oAbC"),  # the source is compared casefolded
    ("ｗｅｃｈａｔ:ｏＡｂＣ", "wechat:oAbC"),
    ("客户-0001", "客户-0001"),
])
def test_every_spelling_of_an_id_is_one_id(variant, normal):
    assert normalise_customer_id(variant) == normal
    assert normalise_customer_id(normal) == normal  # the normal form is its own


@pytest.mark.parametrize(("variant", "character"), [
    ("quota-cust-1\u200b", "U+200B"),  # zero-width space
    ("\u200dquota-cust-1", "U+200D"),  # zero-width joiner
    ("quota\u2060-cust-1", "U+2060"),  # word joiner
    ("quota-cust-1\ufeff", "U+FEFF"),  # byte order mark
    ("quota-\u00adcust-1", "U+00AD"),  # soft hyphen
    ("quota-cust-1\u202e", "U+202E"),  # right-to-left override
    ("quota\x00-cust-1", "U+0000"),
    ("quota\tcust-1", "U+0009"),
    ("quota-cust-1\u3164", "U+1160"),  # Hangul filler, NFKC-mapped to another filler
    ("quota-cust-1\ufe0f", "U+FE0F"),  # variation selector
    ("quota\u2028cust", "U+2028"),  # line separator
    ("quota\ue000cust", "U+E000"),  # private use
])
def test_invisible_and_control_characters_are_refused(variant, character):
    with pytest.raises(ValueError) as refused:
        normalise_customer_id(variant)
    assert str(refused.value) == \
        f"must not contain invisible or control characters ({character})"


@pytest.mark.parametrize("blank", ["", "   ", "\u3000"])
def test_a_blank_id_is_refused(blank):
    with pytest.raises(ValueError, match=r"^must not be blank$"):
        normalise_customer_id(blank)


def test_an_id_that_grows_past_the_limit_when_normalised_is_refused():
    # U+FDFA is one character that NFKC spells in 18.
    with pytest.raises(ValueError, match=r"^must be at most 128 characters once normalised$"):
        normalise_customer_id("\ufdfa" * 8)


def test_the_customer_model_holds_the_normal_form_and_names_the_field_it_refuses():
    assert Customer(id=" ＱＵＯＴＡ-cust-1 ").id == "quota-cust-1"
    with pytest.raises(ValidationError) as refused:
        Customer(id="quota-cust-1\u200b")
    [error] = refused.value.errors(include_url=False)
    assert (error["loc"], error["type"], error["msg"]) == (
        ("id",), "value_error",
        "Value error, must not contain invisible or control characters (U+200B)")
