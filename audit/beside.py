"""What notify's delivery records and work's manual tags change in a complaint's state: they
are not lifecycle facts, so they set no status, but an auditor sees them beside it. Pure."""

from __future__ import annotations

from audit.changes import Changes
from audit.state import ComplaintState
from contracts import notify, work


def notification_sent(state: ComplaintState, e: notify.NotificationSent) -> Changes:
    return {"notifications_sent": state.notifications_sent + 1}


def notification_failed(state: ComplaintState, e: notify.NotificationFailed) -> Changes:
    return {"notifications_failed": state.notifications_failed + 1}


def tagged(state: ComplaintState, e: work.ComplaintTagged) -> Changes:
    return {"tags": tuple(sorted({*state.tags, e.tag}))}


def untagged(state: ComplaintState, e: work.ComplaintUntagged) -> Changes:
    return {"tags": tuple(t for t in state.tags if t != e.tag)}
