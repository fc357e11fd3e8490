"""The values a message is rendered from, taken from the event that caused it: none personal
(no free text a customer or agent wrote, no address), so they may be stored with the plan."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

TARGET_ZH = {"first_response": "首次响应", "resolution": "解决", "progress": "进展更新",
             "regulatory": "监管"}
LEVEL_ZH = {"team_lead": "组长", "department_head": "部门负责人", "executive": "高管"}
# Fields of the consumed events that are facts about the process, never personal data.
KEPT = ("target", "deadline_at", "share_elapsed", "level", "reason", "survey_id", "task_id",
        "due_at", "proposal_id", "approver_role", "step", "dimension", "value", "count",
        "baseline", "window_start", "window_end", "message_kind")
# `reason` is the SLA service's own wording; elsewhere (rejections, reopenings) it is a person's
# free text, sealed, and never kept.
SYSTEM_REASONS = ("sla.",)


def facts_of(event_type: str, fields: Mapping[str, Any], reference: str) -> dict[str, Any]:
    """The JSON-ready facts of an event for its templates."""
    facts: dict[str, Any] = {"reference": reference}
    for name in KEPT:
        value = fields.get(name)
        if value is None or (name == "reason" and not event_type.startswith(SYSTEM_REASONS)):
            continue
        facts[name] = _shown(value)
    if "share_elapsed" in facts:
        facts["share"] = f"{round(float(fields['share_elapsed']) * 100)}%"
    facts["target_zh"] = TARGET_ZH.get(str(facts.get("target")), str(facts.get("target", "")))
    facts["level_zh"] = LEVEL_ZH.get(str(facts.get("level")), str(facts.get("level", "")))
    facts.setdefault("target", "")
    return facts


def reference_of(complaint_id: str | None, external: str | None) -> str:
    """How messages name a complaint: its external reference, else the start of its id."""
    if external:
        return external
    return (complaint_id or "")[:8].upper()


def _shown(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if hasattr(value, "value"):  # StrEnum
        return str(value.value)
    if isinstance(value, str | int | float | bool):
        return value
    return str(value)
