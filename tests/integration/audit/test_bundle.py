"""The auditors' bundle: the complaint's events with every service's chain, verified by a
standard-library script that names the line of any change, even one made in the stores."""

from __future__ import annotations

import json
import runpy
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from audit.config import AuditSettings
from audit.history import AuditTrail
from audit.stores import close_stores, open_stores
from runtime import chain
from runtime.sealing import digest as sealing_digest
from runtime.sealing import open_factory
from services.intake.bootstrap import bootstrap as intake_bootstrap
from services.intake.config import IntakeSettings
from tests.integration.audit.world import (
    STORE_NAMES,
    TENANT,
    TYPES,
    bundled,
    export_of,
    received_position,
    run_verifier,
    tampered,
)
from tests.integration.event_stores import RogueAdmin

pytestmark = pytest.mark.integration


def test_bundle_holds_the_complaints_events_raw_and_as_published(bundle_dir, trail, flow):
    lines = [json.loads(x) for x in (bundle_dir / "events.jsonl").read_text().splitlines()]
    history = trail.history(flow.complaint_id)
    assert [x["envelope"] for x in lines] == [e.model_dump(mode="json") for e in history]
    assert [x["service"] for x in lines] == [
        "intake", "intake", "dispatch", "sla", "sla", "resolution"
    ]
    digest = json.loads((bundle_dir / "digest.json").read_text())
    assert sorted(digest["heads"]) == ["dispatch", "intake", "resolution", "sla"]
    for service, head in digest["heads"].items():
        chain = [json.loads(x) for x in (bundle_dir / service / "chain.jsonl").read_text()
                 .splitlines()]
        assert (chain[-1]["position"], chain[-1]["entry_hash"]) == (
            head["position"], head["entry_hash"]
        )
        assert chain[0]["position"] == min(x["position"] for x in lines if x["service"] == service)


def test_bundle_head_is_the_stores_own_digest(bundle_dir, flow):
    digest = json.loads((bundle_dir / "digest.json").read_text())
    for service in ("intake", "dispatch", "sla", "resolution"):
        factory = open_factory(flow.url(service), STORE_NAMES[service])
        try:
            live = sealing_digest(factory.process_recorder(), service=service)
        finally:
            factory.close()
        assert digest["heads"][service] == live


def test_bundle_verifies_with_the_standard_library_alone(bundle_dir):
    # -S -E: no site-packages and no PYTHONPATH, so nothing of the platform is importable.
    result = run_verifier(bundle_dir, "-S", "-E")
    assert (result.returncode, result.stdout, result.stderr) == (0, "OK\n", "")


def test_bundle_verifies(bundle_dir):
    result = run_verifier(bundle_dir)
    assert (result.returncode, result.stdout) == (0, "OK\n")


def test_verifier_ships_the_platforms_hash_arithmetic(bundle_dir):
    assert (bundle_dir / "hashchain.py").read_bytes() == Path(chain.__file__).read_bytes()
    hashchain = runpy.run_path(str(bundle_dir / "hashchain.py"))
    args = (7, "4f3c2a8e-3b7d-4a52-9a0e-0c5d3e2f7b10", 3, "services.sla.domain:SlaClock.Started",
            b'{"a":"\xc3\xa9"}')
    assert hashchain["event_hash"](*args) == chain.event_hash(*args)
    assert hashchain["link"](chain.GENESIS, "ab" * 32) == chain.link(chain.GENESIS, "ab" * 32)


@pytest.mark.parametrize(
    ("line", "field", "reason"),
    [
        (1, "state", "not the event its chain sealed"),
        (2, "topic", "not the event its chain sealed"),
        (3, "originator_version", "not the event its chain sealed"),
        (4, "position", "no chain entry seals it"),
        (4, "source", "the line differs from the export"),
    ],
)
def test_one_changed_byte_of_events_fails_naming_the_line(bundle_dir, tmp_path, line, field,
                                                          reason):
    event = bundled(bundle_dir, "events.jsonl")[line - 1]
    changed = tampered(bundle_dir, tmp_path, "events.jsonl", line, field)
    position = bundled(changed, "events.jsonl")[line - 1]["position"]
    assert position == event["position"] or field == "position"
    result = run_verifier(changed)
    assert (result.returncode, result.stdout) == (
        1, f"FAIL events.jsonl:{line}: position {position} ({event['service']}): {reason}\n"
    )


@pytest.mark.parametrize(
    ("line", "field", "reason"),
    [
        (1, "event_hash", "does not link to the entry before it"),
        (2, "entry_hash", "does not link to the entry before it"),
        (1, "position", "the chain should start at position {original}"),
        (3, "position", "the line differs from the export"),
    ],
)
def test_one_changed_byte_of_a_chain_fails_naming_the_line(bundle_dir, tmp_path, line, field,
                                                           reason):
    original = bundled(bundle_dir, "intake/chain.jsonl")[line - 1]["position"]
    changed = tampered(bundle_dir, tmp_path, "intake/chain.jsonl", line, field)
    position = bundled(changed, "intake/chain.jsonl")[line - 1]["position"]
    result = run_verifier(changed)
    assert (result.returncode, result.stdout) == (
        1, f"FAIL intake/chain.jsonl:{line}: position {position} (intake): "
        f"{reason.format(original=original)}\n"
    )


def test_a_removed_chain_entry_fails_where_the_link_breaks(bundle_dir, tmp_path):
    copy = tmp_path / "cut"
    shutil.copytree(bundle_dir, copy)
    path = copy / "intake" / "chain.jsonl"
    entries = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(entries[:1] + entries[2:]))
    third = json.loads(entries[2])["position"]
    result = run_verifier(copy)
    assert (result.returncode, result.stdout) == (
        1, f"FAIL intake/chain.jsonl:2: position {third} (intake): "
        "does not link to the entry before it\n"
    )


def test_a_removed_last_event_line_fails(bundle_dir, tmp_path):
    copy = tmp_path / "cut"
    shutil.copytree(bundle_dir, copy)
    path = copy / "events.jsonl"
    kept = path.read_bytes().splitlines(keepends=True)[:-1]
    path.write_bytes(b"".join(kept))
    result = run_verifier(copy)
    assert (result.returncode, result.stdout) == (
        1, f"FAIL events.jsonl: {len(kept)} lines, digest.json lists {len(kept) + 1}\n"
    )


def test_an_event_changed_in_the_store_fails_the_bundle_at_its_position(own_flow, tmp_path):
    admin = RogueAdmin(own_flow.url("intake"))
    try:
        position = received_position(own_flow, admin)
        admin.modify(position, b'"web"', b'"app"')
    finally:
        admin.close()
    bundle = export_of(own_flow, tmp_path / "bundle")
    assert bundled(bundle, "events.jsonl")[0]["envelope"]["data"]["channel"] == "app"
    result = run_verifier(bundle)
    assert (result.returncode, result.stdout) == (
        1, f"FAIL events.jsonl:1: position {position} (intake): not the event its chain sealed\n"
    )


def test_a_consistent_rewrite_shows_as_a_head_that_differs_from_the_one_kept(own_flow, tmp_path):
    kept = json.loads((export_of(own_flow, tmp_path / "before") / "digest.json").read_text())
    admin = RogueAdmin(own_flow.url("intake"))
    try:
        admin.rewrite_from(received_position(own_flow, admin), b'"web"', b'"app"')
    finally:
        admin.close()
    after = export_of(own_flow, tmp_path / "after")
    # The bundle is consistent in itself; only the head an auditor kept earlier exposes it.
    assert run_verifier(after).stdout == "OK\n"
    digest = json.loads((after / "digest.json").read_text())
    assert digest["heads"]["intake"]["position"] == kept["heads"]["intake"]["position"]
    assert digest["heads"]["intake"]["entry_hash"] != kept["heads"]["intake"]["entry_hash"]
    assert digest["heads"]["dispatch"] == kept["heads"]["dispatch"]


def test_erasing_the_customer_joins_the_history_and_the_bundle(own_flow, tmp_path):
    _, service = intake_bootstrap(IntakeSettings(
        data_dir=own_flow.data_dir, database_url=own_flow.database_url, tenant=TENANT
    ))
    try:
        service.app.erase_customer(tenant=TENANT, customer_id="someone-else",
                                   reason="customer_request")
        service.app.erase_customer(tenant=TENANT, customer_id="cust-958-20417",
                                   reason="retention_expired")
    finally:
        service.app.close()
    stores = open_stores(AuditSettings(data_dir=own_flow.data_dir,
                                       database_url=own_flow.database_url))
    try:
        trail = AuditTrail(stores)
        history = trail.history(own_flow.complaint_id)
        state = trail.state_as_of(own_flow.complaint_id, datetime.now(UTC))
    finally:
        close_stores(stores)
    assert [e.type for e in history] == [*TYPES, "customer.erased.v1"]
    assert (history[-1].data["customer_id"], history[-1].data["reason"]) == (
        "cust-958-20417", "retention_expired"
    )
    assert state["personal_data_erased_at"] == history[-1].data["erased_at"]
    assert state["status"] == "assigned"
    bundle = export_of(own_flow, tmp_path / "bundle")
    assert [x["envelope"]["type"] for x in bundled(bundle, "events.jsonl")][-1] == (
        "customer.erased.v1"
    )
    assert run_verifier(bundle).stdout == "OK\n"
