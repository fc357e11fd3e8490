"""The taxonomy file: validated with line and field, reloaded on change, keyword rules en/zh."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from services.intake.classification.classifier import HERE
from services.intake.classification.rulefile import Reloading, RuleFileError
from services.intake.classification.taxonomy import load_taxonomy
from services.intake.classification.text import language, tokens

TAXONOMY = load_taxonomy(HERE / "taxonomy.yaml")

MINIMAL = """\
version: 1
min_rule_weight: 2
fallback: other
categories:
  - id: billing
    name: Billing
    sectors: [retail]
    keywords:
      en: {charged twice: 2, refund*: 1}
      zh: [扣费]
  - id: other
    name: Other
    sectors: [retail]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "taxonomy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def matched(text: str) -> list[tuple[str, tuple[str, ...], float]]:
    return [(m.category, m.terms, m.weight) for m in TAXONOMY.match(tokens(text))]


def test_the_shipped_taxonomy_loads_with_its_categories() -> None:
    assert TAXONOMY.ids == (
        "fraud_unauthorised", "credit_reporting", "debt_collection", "billing_charges",
        "loans_mortgages", "banking_payments", "delivery_logistics", "product_quality_safety",
        "service_attitude", "account_access", "medical_care", "data_privacy", "public_service",
        "other", "triage",
    )
    assert (TAXONOMY.fallback, TAXONOMY.min_rule_weight, TAXONOMY.triage_at) == (
        "triage", 2.0, 0.5
    )
    assert TAXONOMY.category_for_product("Debt collection") == "debt_collection"
    assert TAXONOMY.category_for_product("Mortgage") == "loans_mortgages"
    assert TAXONOMY.category_for_product("Pet insurance") is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (("fallback: other", "fallback: nothing"),
         "taxonomy.yaml:1: (top): Value error, fallback 'nothing' is not one of the "
         "categories"),
        (("  - id: other", "  - id: billing"),
         "taxonomy.yaml:5: categories: Value error, category ids must be unique, "
         "repeated: ['billing']"),
        (("min_rule_weight: 2", "min_rule_weight: -1"),
         "taxonomy.yaml:2: min_rule_weight: Input should be greater than 0"),
        (("zh: [扣费]", "zh: [refund]"),
         "taxonomy.yaml:10: categories[0].keywords.zh: Value error, terms without "
         "Chinese characters belong under en: ['refund']"),
        (("refund*: 1}", "扣费: 1}"),
         "taxonomy.yaml:9: categories[0].keywords.en: Value error, Chinese terms belong "
         "under zh: ['扣费']"),
        (("sectors: [retail]\n    keywords", "sectors: [farming]\n    keywords"),
         "taxonomy.yaml:7: categories[0].sectors[0]: Input should be 'finance', 'retail', "
         "'medical' or 'public_service'"),
        (("    name: Other\n", "    name: Other\n    colour: red\n"),
         "taxonomy.yaml:13: categories[1].colour: Extra inputs are not permitted"),
        (("  - id: billing", "  - id: Billing & Co"),
         "taxonomy.yaml:5: categories[0].id: String should match pattern "
         "'^[a-z][a-z0-9_]*$'"),
        (("categories:", "categories: ["),
         "taxonomy.yaml:5: not valid YAML: expected the node content, but found '-'"),
    ],
)
def test_a_bad_taxonomy_is_rejected_naming_line_field_and_reason(
    tmp_path: Path, change: tuple[str, str], reason: str
) -> None:
    path = write(tmp_path, MINIMAL.replace(*change, 1))

    with pytest.raises(RuleFileError) as rejected:
        load_taxonomy(path)

    assert str(rejected.value) == reason


def test_a_keyword_in_two_categories_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "    keywords: {en: [Refund*]}\n")

    with pytest.raises(RuleFileError) as rejected:
        load_taxonomy(path)

    assert str(rejected.value) == (
        "taxonomy.yaml:5: categories: Value error, a keyword belongs to one category, "
        "repeated: ['refund*']"
    )


def test_an_edited_file_is_reloaded_and_a_broken_edit_keeps_the_last_good_rules(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, MINIMAL)
    holder = Reloading(path, load_taxonomy)
    assert holder.get().ids == ("billing", "other")

    path.write_text(MINIMAL.replace("id: billing", "id: charges"), encoding="utf-8")
    os.utime(path, ns=(1, 1))  # a new mtime, whatever the file system's resolution
    assert holder.get().ids == ("charges", "other")

    path.write_text(MINIMAL.replace("fallback: other", "fallback: [1"), encoding="utf-8")
    os.utime(path, ns=(2, 2))
    assert holder.get().ids == ("charges", "other")


def test_the_first_load_of_a_broken_file_fails(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 2\n")

    with pytest.raises(RuleFileError, match=r"^taxonomy\.yaml:1: version: Input should be 1"):
        Reloading(path, load_taxonomy)


def test_english_keywords_match_lower_cased_words_and_prefixes() -> None:
    assert matched("I was CHARGED TWICE and want my Refunds.") == [
        ("billing_charges", ("charged twice", "refund*"), 3.0),
    ]
    assert matched("Someone charged my card twice") == []  # a phrase is a sequence of words


def test_chinese_keywords_match_jieba_tokens() -> None:
    assert tokens("信用卡被盗刷了，快递也丢件了") == [
        "信用卡", "被", "盗刷", "了", "快递", "也", "丢件", "了",
    ]
    assert matched("信用卡被盗刷了，快递也丢件了") == [
        ("delivery_logistics", ("丢件", "快递"), 4.0),
        ("fraud_unauthorised", ("盗刷",), 2.0),
    ]


def test_equal_weights_rank_in_taxonomy_order() -> None:
    assert [m[0] for m in matched("快递三天了还没到，客服态度很差")] == [
        "delivery_logistics", "service_attitude",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("My card was charged twice", "en"),
        ("快递三天了还没到", "zh"),
        ("我的iPhone 15 Pro坏了", "zh"),
        ("Li Wei 李伟 says his card was charged twice for one order", "en"),
    ],
)
def test_language_is_the_script_that_carries_the_text(text: str, expected: str) -> None:
    assert language(text) == expected


def test_a_rules_directory_can_be_copied_and_edited(tmp_path: Path) -> None:
    for name in ("taxonomy.yaml", "severity.yaml", "sentiment.yaml"):
        shutil.copy(HERE / name, tmp_path / name)
    assert load_taxonomy(tmp_path / "taxonomy.yaml").ids == TAXONOMY.ids


def test_every_category_has_a_chinese_name_for_chinese_pages():
    missing = [c.id for c in TAXONOMY.spec.categories
               if not c.name_zh or language(c.name_zh) != "zh"]
    assert missing == []
    assert {c.id: c.name_zh for c in TAXONOMY.spec.categories}["billing_charges"] == "账单与收费"
