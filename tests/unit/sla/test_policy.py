"""Policy files: overrides per tenant, category and customer tier; validation on load."""

from __future__ import annotations

from datetime import timedelta

import pytest
import yaml
from pydantic import ValidationError

from contracts.intake import Severity
from services.sla.catalog import DEFAULT_POLICY_FILE, Catalog, policy_document
from services.sla.policy import Context, Policy


def policy() -> Policy:
    return Policy.model_validate(yaml.safe_load(DEFAULT_POLICY_FILE.read_text()))


def specs(**context):
    defaults = {"tenant": "default", "channel": "web", "customer_tier": "standard",
                "category": None, "severity": Severity.P2}
    return policy().clock_specs(Context(**{**defaults, **context}))


def test_the_default_tiers_are_the_issues():
    p1, p2, p3 = (specs(severity=s) for s in Severity)
    assert {k: (s.calendar_id, s.rule.within) for k, s in p1.items()} == {
        "first_response": ("24x7", timedelta(minutes=30)),
        "resolution": ("24x7", timedelta(hours=2)),
    }
    assert {k: (s.calendar_id, s.rule.within, s.rule.stops_on) for k, s in p2.items()} == {
        "first_response": ("cn-mainland", timedelta(hours=2), ("responded", "closed")),
        "resolution": ("cn-mainland", timedelta(hours=24), ("closed",)),
    }
    assert {k: s.rule.within for k, s in p3.items()} == {
        "first_response": timedelta(hours=24), "progress": timedelta(hours=72)}
    assert p1["first_response"].thresholds() == {
        "warning": 0.8, "breach": 1.0, "escalation:team_lead": 1.0,
        "escalation:department_head": 1.5, "escalation:executive": 2.0}


def test_overrides_by_jurisdiction_and_customer_tier_and_regimes_by_channel():
    vip_us = specs(jurisdiction="US", customer_tier="vip")
    assert (vip_us["first_response"].calendar_id, vip_us["first_response"].rule.within) == (
        "us-federal", timedelta(hours=1))
    assert sorted(specs(channel="cfpb")) == [
        "cfpb.company_response", "cfpb.final_response", "first_response", "resolution"]


def test_regulators_select_by_the_tenants_declared_jurisdiction_and_industry_not_its_name():
    bank = {"tenant_jurisdiction": "CN", "industry": "banking"}
    assert "cn_banking.decision" in specs(tenant="default", **bank, category="service")
    assert "cn_banking.decision" in specs(tenant="default", **bank, category=None)
    assert "cn_banking.decision" not in specs(tenant="bank-cn", category="banking.cards")
    assert "cn_banking.decision" not in specs(tenant_jurisdiction="CN", industry="retail",
                                              category="banking.cards")
    # Where the customer is does not make a Chinese bank's complaint a British one.
    assert "fca.final_response" not in specs(**bank, jurisdiction="GB")
    assert "fca.final_response" in specs(tenant_jurisdiction="GB", industry="insurance")


def edited(change) -> dict:
    data = yaml.safe_load(DEFAULT_POLICY_FILE.read_text())
    change(data)
    return data


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["tiers"].pop("P3"), "tiers missing for"),
    (lambda d: d["tiers"]["P1"]["targets"].update(first_response={"within": "30m", "days": 2}),
     "exactly one of"),
    (lambda d: d.update(warn_share=1.2), "less than 1"),
    (lambda d: d["tiers"]["P2"]["targets"]["resolution"].update(stops_on=["answered"]),
     "stops_on"),
])
def test_invalid_policies_are_refused_with_the_reason(change, message):
    with pytest.raises(ValidationError, match=message):
        policy_document(edited(change))


def test_a_policy_naming_an_unknown_calendar_is_not_put_in_force():
    document = policy_document(edited(lambda d: d["tiers"]["P1"].update(calendar="mars")))
    catalog = Catalog()
    with pytest.raises(ValueError, match="unknown calendars"):
        catalog.activate([document])
    assert catalog.active_policy_key is None
