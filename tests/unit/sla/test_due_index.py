"""Issue #13, point 8, replica safety: a starting SLA replica reads only the clocks due soon
(the due index is persisted), and still fires every alarm once."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

from services.sla.application import SlaApplication
from services.sla.catalog import DEFAULT_CALENDAR_DIR, DEFAULT_POLICY_FILE, Catalog, read_documents
from services.sla.domain import ComplaintSla
from services.sla.timers import DeadlineTimer, DueIndex
from services.sla.timesource import ManualClock
from tests.unit.sla.conftest import SOURCE, T0, fact

DUE_SOON, LATER = 3, 27


def open_app(path: Path, clock: ManualClock) -> SlaApplication:
    app = SlaApplication(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                              "SQLITE_DBNAME": str(path),
                              "PROCESS_RECORDER_TOPIC":
                                  "runtime.sealed_store:SealingSQLiteProcessRecorder"},
                         catalog=Catalog(), time=clock, source=SOURCE)
    app.put_in_force(read_documents(DEFAULT_POLICY_FILE, [DEFAULT_CALENDAR_DIR]))
    return app


def file_p1(app: SlaApplication, complaint_id: str, at) -> None:
    app.record(fact("received", at, complaint_id=complaint_id))
    app.record(fact("classified", at, complaint_id=complaint_id, severity="P1", category="x"))


async def test_replica_safety_start_up_reads_only_the_clocks_due_soon(tmp_path: Path):
    clock = ManualClock(T0)
    app = open_app(tmp_path / "sla.sqlite", clock)
    soon = [f"soon-{n}" for n in range(DUE_SOON)]
    for cid in soon:
        file_p1(app, cid, T0)
    for n in range(LATER):  # their first alarm is a day away
        file_p1(app, f"later-{n}", T0 + timedelta(days=1))
    DueIndex(app).follow()  # the previous process kept the index
    app.close()

    app = open_app(tmp_path / "sla.sqlite", clock)  # a new replica starts
    loaded = []
    get = app.repository.get
    app.repository.get = lambda sla_id, **kw: loaded.append(sla_id) or get(sla_id, **kw)
    timer = DeadlineTimer(app, DueIndex(app), clock)
    clock.set(T0 + timedelta(minutes=24))  # the P1 first-response warnings fall due
    await timer._pass()

    # It loaded the three complaints due, each to fire its warning and again to index that
    # save from the log; none of the others.
    assert Counter(loaded) == {ComplaintSla.create_id(cid): 2 for cid in soon}
    assert [{key: list(c.fired) for key, c in app.get_sla(cid).clocks.items() if c.fired}
            for cid in soon] == [{"first_response": ["warning"]}] * DUE_SOON
    app.close()
