"""Root causes are codes of a versioned taxonomy, so the Pareto counts causes, not spellings;
free text stays in the why-chain and the detail."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path

import pytest
import yaml
from eventsourcing.application import Application
from fastapi.testclient import TestClient
from pydantic import ValidationError

from runtime.yaml_nodes import ConfigFileError
from services.resolution.application import ResolutionApplication
from services.resolution.config import PACKAGE
from services.resolution.domain.root_causes import RootCauseTaxonomy, UnknownRootCause
from services.resolution.policy_files import PolicyFile
from tests.unit.resolution.builders import HANDLER, at, resolved
from tests.unit.resolution.conftest import as_, published_envelopes
from tests.unit.resolution.walk import AGENT, ok, resolve

SHIPPED = yaml.safe_load((PACKAGE / "root_causes.yaml").read_text(encoding="utf-8"))
TAXONOMY = RootCauseTaxonomy.model_validate(SHIPPED)


def test_the_shipped_taxonomy_is_valid_and_labels_every_code_in_both_languages() -> None:
    assert TAXONOMY.version == "2026.11.1"
    assert "payment_retry" in TAXONOMY.codes
    assert TAXONOMY.get("courier_delay").labels.model_dump() == {
        "en": "Courier delay", "zh": "物流延误"}


@pytest.mark.parametrize(("change", "message"), [
    (lambda t: t["categories"].append(dict(t["categories"][0])),
     r"root cause codes must be unique: \['payment_retry'\] repeat"),
    (lambda t: t["categories"][0]["labels"].pop("zh"), r"categories\.0\.labels\.zh"),
    (lambda t: t["categories"][0].update(code="Payment Retry"), r"categories\.0\.code"),
    (lambda t: t.pop("version"), "version"),
])
def test_an_invalid_taxonomy_is_refused(change, message: str) -> None:
    taxonomy = yaml.safe_load(yaml.safe_dump(SHIPPED))
    change(taxonomy)
    with pytest.raises(ValidationError, match=message):
        RootCauseTaxonomy.model_validate(taxonomy)


def test_a_broken_taxonomy_file_stops_the_service(tmp_path: Path) -> None:
    broken = tmp_path / "root_causes.yaml"
    broken.write_text("version: '1'\ncategories: []\n", encoding="utf-8")
    with pytest.raises(ConfigFileError, match=r"^root_causes\.yaml:2: categories"):
        PolicyFile(broken, RootCauseTaxonomy)


def test_an_unknown_code_is_refused_naming_the_allowed_ones() -> None:
    case = resolved(root_cause=False)

    with pytest.raises(UnknownRootCause) as refused:
        case.record_root_cause(category="courier_was_late", why_chain=["The van broke down"],
                               by=HANDLER, at=at(12), taxonomy=TAXONOMY)
    assert str(refused.value) == (
        "'courier_was_late' is not a root cause category of taxonomy 2026.11.1; allowed: "
        + ", ".join(TAXONOMY.codes))
    assert case.root_cause is None


def test_closure_records_the_code_its_taxonomy_version_and_the_free_text_detail() -> None:
    case = resolved(root_cause=False)

    case.close(by=HANDLER, at=at(20), category="payment_retry",
               why_chain=["The gateway retried the capture"], taxonomy=TAXONOMY,
               detail="Retries after a 30 s timeout carried no idempotency key")

    assert {k: case.closure[k] for k in ("category", "taxonomy_version", "detail")} == {
        "category": "payment_retry", "taxonomy_version": "2026.11.1",
        "detail": "Retries after a 30 s timeout carried no idempotency key"}


def test_a_closure_stored_before_the_taxonomy_replays_without_a_version() -> None:
    case = resolved()
    case.close(by=HANDLER, at=at(20))
    mapper = Application().mapper
    closed = next(e for e in case.collect_events() if type(e).__name__ == "ComplaintClosed")
    stored = mapper.to_stored_event(closed)
    state = mapper.transcoder.decode(stored.state)
    del state["taxonomy_version"], state["detail"], state["class_version"]

    old = mapper.to_domain_event(replace(stored, state=mapper.transcoder.encode(state)))

    assert (old.category, old.taxonomy_version, old.detail) == ("payment_retry", None, None)


def test_the_api_refuses_an_unknown_code_with_422_and_publishes_the_code_and_version(
    app: ResolutionApplication, client: TestClient, opened: str
) -> None:
    resolve(client, opened)
    free_text = client.post(f"/v1/cases/{opened}/closure", headers=as_(AGENT), json={
        "root_cause_category": "gateway_retried_twice", "why_chain": ["Two captures"]})
    ok(client.post(f"/v1/cases/{opened}/closure", headers=as_(AGENT), json={
        "root_cause_category": "payment_retry", "why_chain": ["Two captures"],
        "root_cause_detail": "The gateway retried after a timeout"}))

    assert free_text.status_code == 422
    assert free_text.json()["detail"].startswith(
        "'gateway_retried_twice' is not a root cause category of taxonomy 2026.11.1; "
        "allowed: payment_retry, billing_error,")
    closed = published_envelopes(app)[-1].data
    open_ = partial(app.personal.open, app.get_case(opened))  # free text is sealed
    assert (closed["root_cause_category"], closed["root_cause_taxonomy_version"],
            open_(closed["root_cause_detail"]), open_(closed["why_chain"])) == (
        "payment_retry", "2026.11.1", "The gateway retried after a timeout", ["Two captures"])


def test_the_taxonomy_is_served_with_its_labels(client: TestClient) -> None:
    served = client.get("/v1/root-causes").json()

    assert served["version"] == "2026.11.1"
    assert served["categories"][0] == {
        "code": "payment_retry",
        "labels": {"en": "Payment taken twice (retry)", "zh": "重复扣款（支付重试）"}}
