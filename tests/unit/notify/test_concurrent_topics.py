"""Events of one complaint arrive on five topics at once: a save that loses the race for the
complaint's file is redone on the fresh state, not failed for the consumer to retry."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from contracts.dispatch import ComplaintAssigned
from contracts.intake import Channel, ComplaintReceived
from services.notify.application import NotifyApplication
from services.notify.domain import ComplaintFile
from tests.unit.notify.conftest import COMPLAINT, NOON, Harness
from tests.unit.notify.test_application import CUSTOMER, planned, warning


def received() -> ComplaintReceived:
    return ComplaintReceived(
        complaint_id=COMPLAINT, channel=Channel.WEB, customer_id=CUSTOMER, subject="s",
        text="t", received_at=NOON, external_reference="CMP-7")


def assigned() -> ComplaintAssigned:
    return ComplaintAssigned(
        complaint_id=COMPLAINT, queue="billing", agent_id="agent-0142", department="billing",
        rule_id="r", rule_set_version="1", strategy="round_robin", reason="r")


def meanwhile(monkeypatch: pytest.MonkeyPatch, app: NotifyApplication,
              other: Callable[[], object]) -> None:
    """Run `other` (another agent or replica committing) right after the next read of the
    complaint's file, so the handler reading it saves from a stale version."""
    read = app._file
    pending = [other]

    def stale_read(complaint_id: str) -> ComplaintFile:
        file = read(complaint_id)
        if pending:
            pending.pop()()
        return file

    monkeypatch.setattr(app, "_file", stale_read)


def test_an_event_racing_another_topics_event_for_a_new_complaint_is_applied(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
):
    meanwhile(monkeypatch, harness.app, lambda: harness.deliver(received()))

    harness.deliver(assigned())  # read no file; intake's event opened it meanwhile

    file = harness.app.complaint_file(COMPLAINT)
    assert (file.customer_id, file.reference, file.owner, file.department) == (
        CUSTOMER, "CMP-7", "agent-0142", "billing")
    harness.deliver(warning())
    assert planned(harness) == [("sla-warning-owner", "agent-0142", "email", "pending"),
                                ("sla-warning-owner", "agent-0142", "wecom", "pending")]

