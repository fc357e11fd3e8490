"""Metrics: live clocks by severity and status, alarms counted once, time remaining."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client import REGISTRY

from services.sla.application import SlaApplication
from services.sla.domain import ComplaintSla
from services.sla.metrics import ClockCollector
from services.sla.timers import DueIndex
from tests.unit.sla.conftest import T0, fact


def samples(collector: ClockCollector) -> dict[tuple[str, tuple], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in collector.collect() for s in family.samples}


def test_clocks_and_time_remaining_are_read_from_the_due_index(app: SlaApplication, clock):
    app.record(fact("received", T0, complaint_id="p1"))
    app.record(fact("classified", T0, complaint_id="p1", severity="P1", category="x"))
    app.record(fact("received", T0, complaint_id="p3"))
    app.record(fact("wait", T0, complaint_id="p3", reason="photos"))
    index = DueIndex(app)
    index.follow()
    collector = ClockCollector()
    collector.source, collector.now = index.clocks, lambda: T0 + timedelta(minutes=20)

    got = samples(collector)

    clocks = {(d["severity"], d["target"], d["status"]): v for k, v in got.items()
              if k[0] == "sla_clocks" for d in [dict(k[1])]}
    assert clocks == {
        ("P1", "first_response", "running"): 1, ("P1", "resolution", "running"): 1,
        ("P3", "first_response", "paused"): 1, ("P3", "progress", "paused"): 1,
    }
    # Running P1 clocks have 10 and 100 minutes left; paused ones are not counted down.
    p1 = {dict(k[1])["le"]: v for k, v in got.items()
          if k[0] == "sla_time_remaining_seconds_bucket" and dict(k[1])["severity"] == "P1"}
    assert (p1["0.0"], p1["600.0"], p1["1800.0"], p1["7200.0"], p1["+Inf"]) == (0, 1, 1, 2, 2)
    assert got["sla_time_remaining_seconds_gsum", (("severity", "P1"),)] == 6600.0


def test_each_recorded_alarm_is_counted_once(app: SlaApplication, clock):
    labels = {"severity": "P1", "target": "first_response"}
    before = REGISTRY.get_sample_value("sla_breaches_total", labels) or 0.0
    app.record(fact("received", T0))
    app.record(fact("classified", T0, severity="P1", category="x"))
    clock.set(T0 + timedelta(minutes=31))

    app.fire_due(ComplaintSla.create_id("c-1"))
    app.fire_due(ComplaintSla.create_id("c-1"))

    assert REGISTRY.get_sample_value("sla_breaches_total", labels) == before + 1
