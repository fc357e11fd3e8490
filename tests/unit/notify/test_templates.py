"""Templates: Chinese and English per event type and channel; staff subjects name only the
reference."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.notify.templates import TemplateError, Templates

FACTS = {"reference": "CMP-7", "target": "resolution", "target_zh": "解决", "share": "80%",
         "deadline_at": "2026-12-05 10:00 UTC", "survey_url": "https://x.example/s/1"}


def test_every_template_has_both_languages_and_passes_the_subject_check():
    assert Templates().names() == {
        "sla_warning", "sla_breach", "sla_escalation", "resolution_notice", "survey",
        "task_reminder", "approval_reminder", "spike_alert"}


def test_a_warning_in_chinese_and_in_english():
    templates = Templates()

    zh = templates.render("sla_warning", "email", "zh", FACTS)
    en = templates.render("sla_warning", "email", "en", FACTS)

    assert zh.subject == "【CMP-7】时限预警"
    assert zh.text == "投诉 CMP-7：解决时限已用去 80%，截止时间 2026-12-05 10:00 UTC。"
    assert en.subject == "[CMP-7] SLA warning"
    assert en.text.startswith("Complaint CMP-7: 80% of the allowed time for resolution")


def test_a_channel_has_its_own_text_where_the_template_gives_one():
    sms = Templates().render("sla_warning", "sms", "zh", FACTS)

    assert sms.text == "投诉CMP-7时限将至（2026-12-05 10:00 UTC）。"
    assert sms.subject == "【CMP-7】时限预警"


def test_a_language_without_templates_falls_back_to_english():
    assert Templates().render("survey", "email", "fr", FACTS).subject == (
        "How did we handle complaint CMP-7?")


def test_a_fact_the_template_needs_and_lacks_is_an_error_not_a_blank():
    with pytest.raises(Exception, match="survey_url"):
        Templates().render("survey", "email", "zh", {"reference": "CMP-7"})


def test_a_subject_naming_more_than_the_reference_is_refused(tmp_path: Path):
    (tmp_path / "leaky.yaml").write_text(
        "en: {subject: '{{ reference }} from {{ customer_name }}', text: x}\n"
        "zh: {subject: '{{ reference }}', text: x}\n", encoding="utf-8")

    with pytest.raises(TemplateError, match="not customer_name"):
        Templates(tmp_path)


def test_a_template_missing_a_language_is_refused(tmp_path: Path):
    (tmp_path / "half.yaml").write_text("en: {subject: s, text: t}\n", encoding="utf-8")

    with pytest.raises(TemplateError, match="`zh` needs a subject and a text"):
        Templates(tmp_path)
