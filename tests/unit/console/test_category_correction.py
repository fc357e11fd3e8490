"""The complaint page offers the agent intake's category correction: a form in both languages,
with the session's CSRF token, posting to intake's POST /v1/complaints/{id}/category."""

from __future__ import annotations

import json
import re

import pytest

from tests.unit.console.test_pages import CID, csrf_of, sign_in, stand_in  # noqa: F401  (fixture)

INTAKE_PORT = 8001
COMPLAINT = {
    "complaint_id": CID, "status": "assigned", "channel": "web", "department": "customer_service",
    "category": "triage", "severity": "P3", "confidence": 0.31, "duplicate_of": None,
    "customer_id": "cust-1", "customer_name": "王小明", "customer_contact": "138****5678",
    "subject": "问题", "text": "我有一个问题想反映一下", "personal_data_erased": False,
    "received_at": "2026-12-01T10:00:00+00:00"}
CATEGORIES = [{"id": "billing_charges", "name": "Billing & charges"},
              {"id": "service_attitude", "name": "Service attitude"}]


@pytest.fixture
def complaint_page(stand_in):  # noqa: F811
    client, services = stand_in
    services.answers[("GET", f"/v1/complaints/{CID}")] = (200, COMPLAINT)
    services.answers[("GET", "/v1/categories")] = (200, CATEGORIES)
    sign_in(client, "cs-ana")
    return client, services


@pytest.mark.parametrize(("language", "heading"), [("en", "Correct the category"),
                                                   ("zh-CN", "更正类别")])
def test_the_complaint_page_offers_the_categories_intake_lists(complaint_page, language,
                                                               heading):
    client, _ = complaint_page
    page = client.get(f"/complaints/{CID}", headers={"accept-language": language}).text
    form = page.split('id="cat-h"', 1)[1].split("</section>", 1)[0]
    assert f">{heading}</h2>" in form
    assert '<input type="hidden" name="action" value="category">' in form
    assert f'name="csrf" value="{csrf_of(page)}"' in form
    assert re.findall(r'<option value="([^"]*)"( selected)?>', form) == [
        ("", " selected"), ("billing_charges", ""), ("service_attitude", "")]  # triage: none


def test_the_correction_goes_to_intake_and_the_page_says_it_is_saved(complaint_page):
    client, services = complaint_page
    services.answers[("POST", f"/v1/complaints/{CID}/category")] = (200, {
        "complaint_id": CID, "previous_category": "triage", "category": "service_attitude",
        "corrected_by": "cs-ana"})
    page = client.get(f"/complaints/{CID}", headers={"accept-language": "en"})

    answer = client.post(f"/complaints/{CID}/do", data={
        "csrf": csrf_of(page.text), "action": "category", "category": "service_attitude"},
        headers={"accept-language": "en"})

    sent = next(c for c in services.calls if c.method == "POST")
    assert (sent.url.port, sent.url.path, json.loads(sent.content)) == (
        INTAKE_PORT, f"/v1/complaints/{CID}/category", {"category": "service_attitude"})
    assert sent.headers["authorization"].startswith("Bearer ")
    assert "Saved." in answer.text


def test_intakes_refusal_is_shown_and_a_form_without_the_token_sends_nothing(complaint_page):
    client, services = complaint_page
    services.answers[("POST", f"/v1/complaints/{CID}/category")] = (422, {
        "detail": "'triage' is not a category an agent can set"})
    page = client.get(f"/complaints/{CID}", headers={"accept-language": "en"})

    forged = client.post(f"/complaints/{CID}/do", data={
        "csrf": "forged", "action": "category", "category": "service_attitude"})
    assert forged.status_code == 403
    assert [c for c in services.calls if c.method == "POST"] == []

    refused = client.post(f"/complaints/{CID}/do", data={
        "csrf": csrf_of(page.text), "action": "category", "category": "triage"},
        headers={"accept-language": "en"})
    assert "Refused (422): &#39;triage&#39; is not a category an agent can set" in refused.text


def test_without_intakes_list_there_is_no_form(stand_in):  # noqa: F811
    client, services = stand_in
    services.answers[("GET", f"/v1/complaints/{CID}")] = (200, COMPLAINT)
    sign_in(client, "cs-ana")
    assert 'id="cat-h"' not in client.get(f"/complaints/{CID}").text
