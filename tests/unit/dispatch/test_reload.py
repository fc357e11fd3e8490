"""A changed rule file takes effect on the next assignment and its reload is recorded."""

from __future__ import annotations

import os

from fastapi.testclient import TestClient

from services.dispatch import api_operations
from services.dispatch.rule_history import RuleSetHistory
from tests.problems import reason

from .conftest import RULES, classified

BILLING_TO_FRAUD = """\
    version: "2025.2"
    default: {queue: general}
    rules:
      - {id: billing-is-fraud, priority: 5, when: {category: [billing_*]}, queue: fraud}
"""


def history(app):
    return list(app.events.get(RuleSetHistory.create_id("routing")))


def test_a_changed_file_routes_the_next_complaint_and_its_reload_is_recorded(
    app, inbox, files
):
    inbox.process(*classified("c0", "billing_charges"))
    first = app.rules.current()

    files.write_rules(BILLING_TO_FRAUD)
    inbox.process(*classified("c1", "billing_charges"))

    second = app.rules.current()
    assert [(a.rule_id, a.rule_set_version, a.queue) for a in
            map(app.get_assignment, ["c0", "c1"])] == [
        ("billing", "2025.1", "billing"), ("billing-is-fraud", "2025.2", "fraud"),
    ]
    assert app.get_assignment("c1").rule_set_hash == second.content_hash
    reloads = [e for e in history(app) if isinstance(e, RuleSetHistory.Reloaded)]
    assert [
        (e.rule_set_version, e.content_hash, e.previous_version, e.previous_content_hash,
         e.rule_ids, e.default_queue, e.trigger) for e in reloads
    ] == [
        ("2025.1", first.content_hash, None, None, ["fraud", "billing"], "general",
         "file_changed"),
        ("2025.2", second.content_hash, "2025.1", first.content_hash, ["billing-is-fraud"],
         "general", "file_changed"),
    ]


def test_a_touched_but_unchanged_file_records_nothing_new(app, inbox, files):
    inbox.process(*classified("c0"))
    before = len(history(app))
    files.write_rules(RULES)
    os.utime(files.rules, ns=(1, 1))

    inbox.process(*classified("c1"))

    assert len(history(app)) == before == 2  # Started, Reloaded


def test_a_file_turned_invalid_leaves_the_last_valid_rules_in_force(app, inbox, files):
    inbox.process(*classified("c0", "billing_charges"))

    files.write_rules(RULES.replace("priority: 20", "priority: twenty"))
    inbox.process(*classified("c1", "billing_charges"))

    assert app.get_assignment("c1").rule_id == "billing"
    assert str(app.rules.error) == (
        "routing.yaml:6: rule billing: priority must be an integer, got 'twenty'"
    )
    files.write_rules(BILLING_TO_FRAUD)
    inbox.process(*classified("c2", "billing_charges"))
    assert (app.get_assignment("c2").rule_id, app.rules.error) == ("billing-is-fraud", None)


def test_the_reload_api_records_a_change_and_refuses_an_invalid_file_with_line_and_reason(
    app, files, tokens
):
    http = tokens.app(api_operations.build_router(app, on_saved=lambda: None))
    client = TestClient(http, headers=tokens.headers("administrator", tenant=app.tenant))

    first = client.post("/v1/routing/reload")
    again = client.post("/v1/routing/reload")
    files.write_rules(BILLING_TO_FRAUD.replace("queue: fraud", "queue: nowhere"))
    invalid = client.post("/v1/routing/reload")
    files.write_rules(BILLING_TO_FRAUD)
    changed = client.post("/v1/routing/reload")

    assert (first.status_code, first.json()["recorded"], first.json()["version"]) == (
        200, True, "2025.1"
    )
    assert (again.status_code, again.json()["recorded"]) == (200, False)
    assert invalid.status_code == 422
    reason_ = "queue 'nowhere' is not in the roster (known: billing, fraud, general)"
    assert reason(invalid) == {  # the refusal's reason is the problem's detail too
        "detail": reason_, "file": "routing.yaml", "line": 4, "reason": reason_}
    assert changed.json() == {
        "version": "2025.2", "content_hash": app.rules.current().content_hash,
        "rule_ids": ["billing-is-fraud"], "default_queue": "general", "recorded": True,
        "pending_error": None,
    }
    assert [e.trigger for e in history(app) if isinstance(e, RuleSetHistory.Reloaded)] == [
        "api", "api"
    ]
