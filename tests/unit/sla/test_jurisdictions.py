"""Regulators by what a tenant declares, calendars by where the customer is (tenants.yaml)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from runtime.eventstore import persistence_env
from services.sla.application import SlaApplication
from services.sla.catalog import (
    DEFAULT_CALENDAR_DIR,
    DEFAULT_POLICY_FILE,
    DEFAULT_TENANTS_FILE,
    Catalog,
    read_documents,
)
from services.sla.facts import fact_of
from services.sla.tenants import Tenants
from tests.unit.sla.conftest import T0, Harness, declare, fact, sample


def test_a_chinese_bank_on_tenant_default_runs_the_15_day_banking_decision_clock(
    catalog: Catalog, clock,
):
    declare(catalog, {"default": ("CN", "banking")})
    received = datetime(2025, 9, 16, 7, 0, tzinfo=UTC)  # 15:00 in Beijing
    harness = Harness(catalog, clock)
    harness.apply(fact("received", received, region="广东"))
    sla = harness.apply(fact("classified", received, severity="P2", category="service.attitude"))

    decision = sla.clocks["cn_banking.decision"]
    # 15 days after 16 Sep ends 1 Oct, a holiday: rolled to the end of 9 Oct (Beijing).
    assert (decision.regime, decision.calendar_id, decision.deadline_at) == (
        "cn_banking", "cn-mainland", datetime(2025, 10, 9, 16, 0, tzinfo=UTC))


def test_a_tenant_named_like_a_chinese_bank_but_not_declared_one_runs_no_banking_clock(
    sla_harness: Harness,
):
    sla_harness.apply(fact("received", T0, tenant="shop-cn"))
    sla = sla_harness.apply(fact("classified", T0, tenant="shop-cn", severity="P2",
                                 category="banking.cards"))

    assert sorted(k for k, c in sla.clocks.items() if c.live) == ["first_response", "resolution"]


def test_a_complaint_from_california_runs_on_the_us_calendar(sla_harness: Harness):
    # Tenant default is declared in China; the customer wrote from California.
    sla = sla_harness.apply(fact("received", T0, region="CA"))

    first = sla.clocks["first_response"]
    assert (first.calendar_id, first.calendar_version) == ("us-federal", "2026.2")
    # Monday 3 March 2025 02:00 UTC is Sunday 21:00 in New York: 24 office hours of 8 from
    # Monday 09:00 Eastern (13:00 UTC) end Wednesday 17:00 Eastern (22:00 UTC).
    assert first.due["breach"] == datetime(2025, 3, 5, 22, 0, tzinfo=UTC)


def test_without_a_region_the_calendar_is_the_tenants_jurisdictions(sla_harness: Harness):
    us = sla_harness.apply(fact("received", T0, complaint_id="us", tenant="acme-us"))
    cn = sla_harness.apply(fact("received", T0, complaint_id="cn"))
    unknown = sla_harness.apply(fact("received", T0, complaint_id="mars", region="Mars"))

    assert [s.clocks["first_response"].calendar_id for s in (us, cn, unknown)] == [
        "us-federal", "cn-mainland", "cn-mainland"]


def test_a_reclassification_keeps_the_customers_calendar(sla_harness: Harness):
    sla_harness.apply(fact("received", T0, region="US-NY"))
    sla = sla_harness.apply(fact("classified", T0 + timedelta(minutes=1), severity="P2",
                                 category="billing"))

    assert {k: c.calendar_id for k, c in sla.clocks.items() if c.live} == {
        "first_response": "us-federal", "resolution": "us-federal"}


def test_the_received_event_tells_the_clocks_the_customers_region():
    envelope, received = sample("complaint.received.v1")

    assert fact_of(envelope, received).data["region"] == "CA"


def test_the_declarations_are_recorded_and_survive_a_restart(tmp_path: Path, clock):
    def open_app() -> SlaApplication:
        return SlaApplication(env=persistence_env(f"sqlite:///{tmp_path}/sla.sqlite"),
                              catalog=Catalog(), time=clock, source="/services/sla")

    app = open_app()
    new = app.put_in_force(read_documents(DEFAULT_POLICY_FILE, [DEFAULT_CALENDAR_DIR]))
    app.close()
    again = open_app()
    again.put_in_force(read_documents(DEFAULT_POLICY_FILE, [DEFAULT_CALENDAR_DIR]))

    assert ("tenants", "tenants", "1") in {(d.kind, d.doc_id, d.version) for d in new}
    assert again.catalog.tenants.profile("default").jurisdiction == "CN"
    again.close()


def shipped() -> dict:
    return yaml.safe_load(DEFAULT_TENANTS_FILE.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["tenants"].update(acme={"jurisdiction": "usa", "industry": "retail"}),
     "should match pattern"),
    (lambda d: d["tenants"].update(acme={"jurisdiction": "US"}), "industry"),
    (lambda d: d["regions"]["GB"].append("ca"), "region 'ca' is in both US and GB"),
    (lambda d: d["tenants"]["default"].update(country="CN"), "Extra inputs"),
])
def test_invalid_tenants_files_are_refused_with_the_reason(change, message):
    data = shipped()
    change(data)
    with pytest.raises(ValidationError, match=message):
        Tenants.model_validate(data)
