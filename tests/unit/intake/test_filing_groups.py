"""HTTP filings arriving together are classified with one call of the models (runtime.grouping),
and each still gets its own reading: the reading of its own text, not a neighbour's."""

from __future__ import annotations

import os
import threading

from runtime.auth import Principal, Role
from runtime.grouping import GroupCall
from runtime.tracking import TrackingTokens
from services.intake.domain import Customer, Submission
from services.intake.filing import Filer
from tests.unit.intake.test_customer_identity import (  # noqa: F401  (its fixtures)
    CHARGED,
    PARCEL,
    app,
    classifier,
)
from tests.unit.runtime.test_grouping import until

TEXTS = {
    "card": CHARGED,
    "parcel": PARCEL,
    "mortgage": "My mortgage servicer misapplied my escrow payment and now reports me late.",
    "debt": "A debt collector keeps calling me at work about a debt that is not mine.",
}
ADAPTER = Principal(sub="adapter-1", tenant="acme", roles=frozenset({Role.CHANNEL_ADAPTER}),
                    scopes=frozenset({"complaints:file"}))


def submission(name: str) -> Submission:
    return Submission(channel="web", customer=Customer(id=f"cust-{name}"), subject=name,
                      text=TEXTS[name])


class HeldReadings:
    """The application's read_many, recording each group; the first group is held until the
    others have arrived."""

    def __init__(self, intake) -> None:
        self.intake, self.groups = intake, []
        self.entered, self.gate = threading.Event(), threading.Event()

    def __call__(self, submissions):
        self.groups.append([s.subject for s in submissions])
        if len(self.groups) == 1:
            self.entered.set()
            assert self.gate.wait(30)
        return self.intake.read_many(submissions)


def test_filings_arriving_together_are_classified_in_one_call_each_with_its_own_reading(
    app,  # noqa: F811
):
    alone = {name: app.read(submission(name)) for name in TEXTS}
    held = HeldReadings(app)
    filer = Filer(app=app, on_saved=lambda: None, tokens=TrackingTokens(os.urandom(32)),
                  public_url="https://complaints.example",
                  readings=GroupCall(held, linger_s=0))
    receipts = {}

    def file(name: str) -> None:
        receipts[name] = filer.file(submission(name), f"key-{name}", caller=ADAPTER)

    first = threading.Thread(target=file, args=("card",))
    first.start()
    assert held.entered.wait(30)
    others = [threading.Thread(target=file, args=(name,)) for name in TEXTS if name != "card"]
    for thread in others:
        thread.start()
    until(lambda: filer.readings.waiting == len(others))
    held.gate.set()
    for thread in [first, *others]:
        thread.join(60)

    assert sorted(map(sorted, held.groups)) == [["card"], ["debt", "mortgage", "parcel"]]
    assert {name: (r.category, r.severity) for name, r in receipts.items()} == {
        name: (reading.classification.category, str(reading.classification.severity))
        for name, reading in alone.items()}
    assert len({r.category for r in receipts.values()}) > 1  # the texts read differently
