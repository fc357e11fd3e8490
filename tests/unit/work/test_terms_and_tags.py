"""Search words and contact points, and the tags aggregate."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.work import terms
from services.work.tags import ComplaintTags, InvalidTag

AT = datetime(2026, 3, 2, tzinfo=UTC)


def test_english_words_are_lower_cased_and_distinct():
    assert terms.words("Charged TWICE, charged twice!") == ["charged", "twice"]


def test_chinese_is_segmented_with_its_parts_for_search():
    found = terms.words("我的信用卡被重复扣款")
    assert "信用卡" in found and "扣款" in found and "信用" in found


def test_contact_points_are_told_apart_and_normalised():
    assert terms.contact_point(" Ana@Example.COM ") == ("email", "ana@example.com")
    assert terms.contact_point("+86 138-1234-5678") == ("phone", "8613812345678")
    assert terms.contact_point("n/a") is None


def test_digests_differ_by_tenant_and_key_and_never_hold_the_word():
    one = terms.digest(b"k", "acme", "word", "refund")
    assert one != terms.digest(b"k", "globex", "word", "refund")
    assert one != terms.digest(b"other", "acme", "word", "refund")
    assert "refund" not in one and len(one) == 32


def test_a_tag_is_put_on_and_taken_off_once():
    tags = ComplaintTags(complaint_id="c-1", tenant="acme")
    tags.add("press", actor="sue", at=AT)
    tags.add("press", actor="sue", at=AT)
    tags.remove("legal", actor="sue", at=AT)
    names = [type(e).__name__ for e in tags.collect_events()]
    assert names == ["Started", "Tagged"]
    tags.remove("press", actor="sue", at=AT)
    assert [type(e).__name__ for e in tags.collect_events()] == ["Untagged"]
    assert tags.tags == set()


@pytest.mark.parametrize("tag", ["", "Press", "with space", "x" * 41, "-lead", "标签"])
def test_malformed_tags_are_refused(tag):
    with pytest.raises(InvalidTag):
        ComplaintTags(complaint_id="c-1", tenant="acme").add(tag, actor="sue", at=AT)
