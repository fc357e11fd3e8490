"""A complaint's timeline for the agent, merged from what each service answers (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.console.viewing import parse_instant


@dataclass(frozen=True)
class Entry:
    at: datetime
    source: str
    what: str
    who: str = ""
    detail: str = ""


def timeline(complaint: dict[str, Any], case: dict[str, Any] | None,
             ledger: list[dict[str, Any]]) -> list[Entry]:
    """Every dated fact, oldest first: filing, the case's notes, updates, messages, evidence,
    approvals and closure, and every entry of the SLA ledger."""
    entries = [Entry(parse_instant(complaint["received_at"]), "intake", "received",
                     detail=complaint.get("channel", ""))]
    for item in ledger:
        entries.append(Entry(parse_instant(item["at"]), "sla", item["kind"], item.get("actor", ""),
                             item.get("clock") or ""))
    for section, what, who in (("notes", "note", "author"), ("updates", "update", "author"),
                               ("notifications", "message", "by")):
        for item in (case or {}).get(section, []):
            text = item.get("text") or item.get("message") or item.get("kind") or ""
            entries.append(Entry(parse_instant(item["at"]), "resolution", what,
                                 item.get(who, ""), str(text)[:200]))
    for proposal in (case or {}).get("proposals", []):
        for approval in proposal.get("approvals", []):
            at = parse_instant(approval.get("at") or approval.get("approved_at"))
            if at is not None:
                entries.append(Entry(at, "resolution", "approved",
                                     str(approval.get("by") or approval.get("approver", "")),
                                     proposal.get("solution_id", "")))
    closure = (case or {}).get("closure")
    if closure and parse_instant(closure.get("at") or closure.get("closed_at")):
        entries.append(Entry(parse_instant(closure.get("at") or closure.get("closed_at")),
                             "resolution", "closed", str(closure.get("by", ""))))
    return sorted((e for e in entries if e.at is not None), key=lambda e: e.at)
