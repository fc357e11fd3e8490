"""Metrics: assignments by rule, queue depth, time to assignment, transfers, retried saves."""

from __future__ import annotations

from prometheus_client import REGISTRY

from runtime.inbox import Outcome
from services.dispatch.desk import Desk
from services.dispatch.ruleset import Facts

from .conftest import START, classified, make_app, sample

TENANT = "experian-us"  # the app fixture's, and the golden samples'


def value(name, **labels):
    """The sample's value for the fixture's tenant."""
    return REGISTRY.get_sample_value(name, {"tenant": TENANT, **labels}) or 0.0


def test_assignments_by_rule_queue_depth_time_to_assignment_and_transfers(app, inbox, clock):
    before = {
        "assigned": value("dispatch_assignments_total", rule_id="fraud", queue="fraud",
                          trigger="routed"),
        "freed": value("dispatch_assignments_total", rule_id="fraud", queue="fraud",
                       trigger="capacity_freed"),
        "queued": value("dispatch_queued_total", rule_id="fraud", queue="fraud"),
        "timed": value("dispatch_time_to_assignment_seconds_count", queue="fraud"),
        "waited": value("dispatch_time_to_assignment_seconds_sum", queue="fraud"),
        "moved": value("dispatch_transfers_total", from_department="fraud",
                       to_department="service", outcome="transferred"),
    }
    for complaint in ["c0", "c1", "c2"]:
        envelope, event = classified(complaint, "fraud_card")
        inbox.process(envelope.model_copy(update={"time": START}), event)
    assert value("dispatch_queue_depth", queue="fraud") == 2

    clock.advance(90)
    inbox.process(*sample("complaint.closed.v1", complaint_id="c0"))
    app.transfer(complaint_id="c1", to_queue="general", to_agent_id=None, reason="r", actor="a")

    assert value("dispatch_queue_depth", queue="fraud") == 0
    assert value("dispatch_assignments_total", rule_id="fraud", queue="fraud",
                 trigger="routed") - before["assigned"] == 1
    assert value("dispatch_assignments_total", rule_id="fraud", queue="fraud",
                 trigger="capacity_freed") - before["freed"] == 2
    assert value("dispatch_queued_total", rule_id="fraud", queue="fraud") - before[
        "queued"] == 2
    assert value("dispatch_time_to_assignment_seconds_count", queue="fraud") - before[
        "timed"] == 3
    assert value("dispatch_time_to_assignment_seconds_sum", queue="fraud") - before[
        "waited"] == 0 + 90 + 90
    assert value("dispatch_transfers_total", from_department="fraud", to_department="service",
                 outcome="transferred") - before["moved"] == 1


def test_a_save_that_loses_to_another_replica_is_retried_on_the_new_state(
    tmp_path, files, clock, app, inbox
):
    other = make_app(tmp_path / "dispatch.sqlite", files, clock)
    conflicts = value("dispatch_save_conflicts_total")
    load = app.repository.get
    interfered = []

    def load_then_let_the_other_replica_save(aggregate_id, *args, **kwargs):
        aggregate = load(aggregate_id, *args, **kwargs)
        if aggregate_id == Desk.create_id("fraud") and not interfered:
            interfered.append(aggregate_id)
            other.route(complaint_id="c-other", tenant="default", facts=Facts(category="fraud_x"),
                        arrived_at=START)
        return aggregate

    other.route(complaint_id="c-first", tenant="default", facts=Facts(category="fraud_x"),
                arrived_at=START)
    app.update_agent(agent_id="fay", capacity=2)
    app.repository.get = load_then_let_the_other_replica_save

    assert inbox.process(*classified("c-mine", "fraud_card")) is Outcome.HANDLED

    assert value("dispatch_save_conflicts_total") - conflicts == 1
    desk = other.repository.get(Desk.create_id("fraud"))
    assert sorted(desk.holding["fay"]) == ["c-first", "c-other"]
    assert [t["complaint_id"] for t in desk.waiting["fraud"]] == ["c-mine"]
    other.close()
