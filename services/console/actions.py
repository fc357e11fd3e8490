"""What each button of the complaint page asks which service: one map from the form's action
to the call, so the page handler only parses, calls and shows the answer (pure)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Form = dict[str, str]


@dataclass(frozen=True)
class Action:
    service: str
    path: str  # formatted with complaint_id (c) and proposal_id (p)
    body: Callable[[Form], dict[str, Any]]


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _note(form: Form) -> dict[str, Any]:
    template = form.get("template") or None
    fields = {name[2:]: value for name, value in form.items()
              if name.startswith("f_") and value.strip()}
    return ({"template": template, "fields": fields} if template
            else {"text": form.get("text", "")}) | {"visibility": form.get("visibility",
                                                                            "internal")}


def _proposal(form: Form) -> dict[str, Any]:
    amount = (form.get("amount") or "").strip()
    return {"solution_id": form["solution_id"], "amount": amount or None}


def _close(form: Form) -> dict[str, Any]:
    body: dict[str, Any] = {"why_chain": _lines(form.get("why_chain"))}
    if form.get("category"):
        body["root_cause_category"] = form["category"]
    if form.get("exception_reason"):
        body["exception_reason"] = form["exception_reason"]
    return body


def _optional(form: Form, name: str) -> dict[str, Any]:
    return {name: form[name]} if form.get(name) else {}


CASE = "/v1/cases/{c}"
PROPOSAL = CASE + "/proposals/{p}"
ACTIONS: dict[str, Action] = {
    "accept": Action("resolution", CASE + "/accept", lambda f: {}),
    "note": Action("resolution", CASE + "/notes", _note),
    "update": Action("resolution", CASE + "/updates", lambda f: {
        "text": f.get("text", ""), "visibility": f.get("visibility", "customer"),
        **_optional(f, "channel")}),
    "propose": Action("resolution", CASE + "/proposals", _proposal),
    "approve": Action("resolution", PROPOSAL + "/approvals", lambda f: _optional(f, "comment")),
    "reject": Action("resolution", PROPOSAL + "/rejection", lambda f: {
        "reason": f.get("reason", ""), **_optional(f, "comment")}),
    "execute": Action("resolution", PROPOSAL + "/execution", lambda f: {
        "evidence_ids": _lines(f.get("evidence_ids"))}),
    "notify": Action("resolution", CASE + "/notifications", lambda f: {
        "channel": f.get("channel", "web"), "kind": f.get("kind", "progress_update"),
        **_optional(f, "message")}),
    "wait": Action("resolution", CASE + "/waiting", lambda f: {"reason": f.get("reason", "")}),
    "replied": Action("resolution", CASE + "/customer-replies", lambda f: _optional(f, "channel")),
    "root_cause": Action("resolution", CASE + "/root-cause", lambda f: {
        "category": f.get("category", ""), "why_chain": _lines(f.get("why_chain")),
        **_optional(f, "detail")}),
    "close": Action("resolution", CASE + "/closure", _close),
    "survey": Action("resolution", CASE + "/survey", lambda f: {"channel": f.get("channel",
                                                                                 "web")}),
    "task": Action("resolution", PROPOSAL + "/tasks", lambda f: {
        "title": f.get("title", ""), "assignee": f.get("assignee", ""),
        "due_at": f.get("due_at", "")}),
    "reopen": Action("resolution", CASE + "/reopening", lambda f: {"reason": f.get("reason", "")}),
    "tag": Action("work", "/v1/work/complaints/{c}/tags", lambda f: {"tag": f.get("tag", "")}),
    "category": Action("intake", "/v1/complaints/{c}/category", lambda f: {
        "category": f.get("category", "")}),
    "transfer": Action("dispatch", "/v1/assignments/{c}/transfer", lambda f: {
        "to_queue": f.get("to_queue", ""), "reason": f.get("reason", ""),
        **_optional(f, "to_agent_id")}),
    "collaborator": Action("dispatch", "/v1/assignments/{c}/collaborators", lambda f: {
        "department": f.get("department", ""), "task": f.get("task", "")}),
}


def call_of(action: str, complaint_id: str, form: Form) -> tuple[str, str, dict[str, Any]]:
    """(service, path, JSON body) of a button; KeyError for an unknown action."""
    chosen = ACTIONS[action]
    path = chosen.path.format(c=complaint_id, p=form.get("proposal_id", ""))
    return chosen.service, path, chosen.body(form)


def survey_token(link: str) -> str:
    """The token at the end of resolution's survey link (the console serves /survey/{token})."""
    return link.rstrip("/").rsplit("/", 1)[-1]
