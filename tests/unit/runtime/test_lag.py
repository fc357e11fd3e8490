"""A consumer that stops while its lag grows is reported as stalled; an idle one is not."""

from __future__ import annotations

from runtime.lag import LagMonitor

TOPIC = "intake.events.v1"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def monitor(clock: Clock) -> LagMonitor:
    return LagMonitor(service="svc", topics=[TOPIC], stall_after_s=30, clock=clock)


def test_caught_up_consumer_is_not_stalled_however_long_it_idles():
    clock = Clock()
    lag = monitor(clock)
    lag.advanced(TOPIC, 0, 9)
    clock.now += 3600
    assert lag.observe({(TOPIC, 0): 10}, {}) == 0
    assert lag.stalled is False


def test_lag_without_progress_beyond_the_threshold_is_stalled():
    clock = Clock()
    lag = monitor(clock)
    clock.now += 3600  # idle for an hour, then messages arrive
    assert lag.observe({(TOPIC, 0): 5, (TOPIC, 1): 2}, {(TOPIC, 0): 1}) == 6
    assert lag.stalled is False
    clock.now += 31
    lag.observe({(TOPIC, 0): 7, (TOPIC, 1): 2}, {(TOPIC, 0): 1})
    assert lag.stalled is True


def test_progress_clears_the_stall():
    clock = Clock()
    lag = monitor(clock)
    lag.observe({(TOPIC, 0): 5}, {})
    clock.now += 31
    lag.observe({(TOPIC, 0): 5}, {})
    assert lag.stalled is True
    lag.advanced(TOPIC, 0, 2)
    assert lag.observe({(TOPIC, 0): 5}, {}) == 2
    assert lag.stalled is False


def test_other_topics_are_not_counted():
    lag = monitor(Clock())
    assert lag.observe({("elsewhere", 0): 50}, {}) == 0


def test_a_stalled_consumer_fails_readiness(tmp_path):
    from fastapi.testclient import TestClient

    from services.intake.bootstrap import bootstrap
    from services.intake.config import IntakeSettings

    api, runtime = bootstrap(IntakeSettings(data_dir=tmp_path, auth_dir=tmp_path / "auth"))
    runtime.started = True  # as if the lifespan had started; no broker is needed to ask
    client = TestClient(api)
    assert client.get("/readyz").json()["checks"]["consuming"] is True

    clock = Clock()
    runtime.lag.clock, runtime.lag.last_progress = clock, clock.now
    runtime.lag.observe({("complaints.inbound.v1", 0): 4}, {})
    clock.now += runtime.settings.consumer_stall_after_s + 1
    runtime.lag.observe({("complaints.inbound.v1", 0): 4}, {})

    answer = client.get("/readyz")
    assert (answer.status_code, answer.json()["checks"]["consuming"]) == (503, False)
