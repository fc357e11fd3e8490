"""POST /v1/complaints/{id}/category: an agent or supervisor of the owning department corrects
the category; everyone else gets the 404 of a missing complaint, and nothing is stored."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from contracts.intake import ComplaintCategoryCorrected
from runtime.service import ServiceRuntime
from services.intake.bootstrap import bootstrap
from services.intake.config import IntakeSettings
from tests.auth_tokens import Tokens, bearer
from tests.problems import kind, reason
from tests.unit.intake.test_access import MISSING, file, route

CORRECTED_TYPE = "complaint.category_corrected.v1"


@pytest.fixture
def intake(tmp_path, tokens: Tokens):
    settings = IntakeSettings(data_dir=tmp_path, service="intake-category-test", **tokens.settings)
    http, runtime = bootstrap(settings)
    yield TestClient(http), runtime
    runtime.app.close()


def published(runtime: ServiceRuntime) -> list:
    """What the relay would publish: the stored events, translated."""
    envelopes = (runtime.translate(runtime.app.mapper.to_domain_event(n))
                 for n in runtime.app.recorder.select_notifications(None, 1000))
    return [e for e in envelopes if e is not None]


def stored(runtime: ServiceRuntime) -> int:
    return runtime.app.recorder.max_notification_id() or 0


def correct(client: TestClient, complaint_id: str, headers: dict[str, str],
            category: str = "service_attitude"):
    return client.post(f"/v1/complaints/{complaint_id}/category", headers=headers,
                       json={"category": category})


@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_the_owning_department_corrects_the_category_and_it_is_published(intake, tokens, role):
    client, runtime = intake
    complaint_id = file(client, tokens)
    route(runtime.app, complaint_id, department="billing")
    staff = bearer(tokens.token(role, tenant="acme", departments=["billing"], sub="cs-li"))
    before = client.get(f"/v1/complaints/{complaint_id}", headers=staff).json()["category"]

    answer = correct(client, complaint_id, staff)

    assert (answer.status_code, answer.json()) == (200, {
        "complaint_id": complaint_id, "previous_category": before,
        "category": "service_attitude", "corrected_by": "cs-li"})
    shown = client.get(f"/v1/complaints/{complaint_id}", headers=staff).json()
    assert shown["category"] == "service_attitude"
    last = published(runtime)[-1]
    assert (last.type, last.data["previous_category"], last.data["category"],
            last.data["corrected_by"]) == (CORRECTED_TYPE, before, "service_attitude", "cs-li")
    assert ComplaintCategoryCorrected.model_validate(last.data).complaint_id == complaint_id


def test_others_get_the_404_of_a_missing_complaint_and_nothing_is_stored(intake, tokens):
    client, runtime = intake
    complaint_id = file(client, tokens)
    unrouted = file(client, tokens, customer={"id": "cust-8"}, text="The parcel never came.")
    route(runtime.app, complaint_id, department="billing")
    intruders = [
        bearer(tokens.token("agent", tenant="acme", departments=["claims"])),
        bearer(tokens.token("supervisor", tenant="globex", departments=["billing"])),
        bearer(tokens.token("agent", tenant="acme", departments=["billing"],
                            queues=["not-the-queue"])),
    ]
    billing = bearer(tokens.token("agent", tenant="acme", departments=["billing"]))
    before = stored(runtime)

    answers = [correct(client, complaint_id, h) for h in intruders]
    answers.append(correct(client, str(uuid.uuid4()), billing))  # made up
    answers.append(correct(client, unrouted, billing))  # no department yet
    answers.append(correct(client, complaint_id, intruders[0], category="triage"))

    assert [(a.status_code, reason(a)) for a in answers] == [(404, MISSING)] * 6
    assert stored(runtime) == before


def test_without_complaints_work_it_is_403_and_without_a_token_401(intake, tokens):
    client, runtime = intake
    complaint_id = file(client, tokens)
    route(runtime.app, complaint_id, department="billing")
    auditor = bearer(tokens.token("auditor", tenant="acme"))  # reads every department
    finance = bearer(tokens.token("finance", tenant="acme", departments=["billing"]))
    before = stored(runtime)
    assert [correct(client, complaint_id, h).status_code for h in (auditor, finance, {})] == [
        403, 403, 401]
    assert stored(runtime) == before


@pytest.mark.parametrize("category", ["triage", "no_such_category", "Billing_Charges"])
def test_an_unknown_category_or_triage_is_a_422_naming_it(intake, tokens, category):
    client, runtime = intake
    complaint_id = file(client, tokens)
    route(runtime.app, complaint_id, department="billing")
    agent = bearer(tokens.token("agent", tenant="acme", departments=["billing"]))
    before = stored(runtime)

    answer = correct(client, complaint_id, agent, category=category)

    assert (answer.status_code, reason(answer)) == (422, {
        "detail": f"{category!r} is not a category an agent can set"})
    assert kind(answer) == (422, "unknown-category")
    assert stored(runtime) == before


def test_the_body_takes_only_the_category(intake, tokens):
    client, runtime = intake
    complaint_id = file(client, tokens)
    route(runtime.app, complaint_id, department="billing")
    agent = bearer(tokens.token("agent", tenant="acme", departments=["billing"]))
    answer = client.post(f"/v1/complaints/{complaint_id}/category", headers=agent,
                         json={"category": "service_attitude", "corrected_by": "someone"})
    assert answer.status_code == 422
    assert [e["loc"] for e in answer.json()["errors"]] == [["body", "corrected_by"]]


def test_the_categories_an_agent_may_set_are_the_taxonomys_without_triage(intake, tokens):
    client, _ = intake
    agent = bearer(tokens.token("agent", tenant="acme", departments=["billing"]))
    listed = client.get("/v1/categories", headers=agent)
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()] == [
        "fraud_unauthorised", "credit_reporting", "debt_collection", "billing_charges",
        "loans_mortgages", "banking_payments", "delivery_logistics", "product_quality_safety",
        "service_attitude", "account_access", "medical_care", "data_privacy", "public_service",
        "other"]  # the taxonomy's order
    assert listed.json()[0] == {"id": "fraud_unauthorised",
                                "name": "Fraud & unauthorised transactions"}
    analyst = bearer(tokens.token("analyst", tenant="acme"))
    assert client.get("/v1/categories", headers=analyst).status_code == 403
