"""Shadow replay: a draft rule set over past complaints, compared with what happened."""

from __future__ import annotations

import io
import json
import textwrap

from services.dispatch.rule_file import parse_rules
from services.dispatch.ruleset import Facts
from services.dispatch.tools import rehearse

from .conftest import classified

DRAFT = """\
    version: "draft-7"
    default: {queue: general}
    rules:
      - {id: all-billing, priority: 1, when: {category: [billing_*]}, queue: fraud}
      - {id: fraud, priority: 2, when: {category: [fraud_*]}, queue: fraud}
"""


def draft():
    return parse_rules(textwrap.dedent(DRAFT).encode(), source="draft.yaml")


def test_the_report_counts_per_queue_and_lists_the_complaints_that_would_move():
    past = [
        rehearse.Routed("a", Facts(category="billing_charges"), "billing", "billing", "1"),
        rehearse.Routed("b", Facts(category="fraud_card"), "fraud", "fraud", "1"),
        rehearse.Routed("c", Facts(category="other"), "default", "general", "1"),
        rehearse.Routed("d", Facts(category="billing_fees"), "default", "general", "1"),
    ]

    report = rehearse.shadow(past, draft())

    assert (report.draft_version, report.complaints) == ("draft-7", 4)
    assert report.queues == [
        rehearse.QueueCount("billing", 1, 0), rehearse.QueueCount("fraud", 1, 3),
        rehearse.QueueCount("general", 2, 1),
    ]
    assert report.changed == [
        rehearse.Change("a", "billing", "billing", "fraud", "all-billing"),
        rehearse.Change("d", "general", "default", "fraud", "all-billing"),
    ]


def test_the_command_replays_the_facts_stored_in_dispatchs_own_event_store(
    app, inbox, files, tmp_path
):
    for complaint, category in [("c0", "billing_charges"), ("c1", "fraud_card"), ("c2", "other")]:
        inbox.process(*classified(complaint, category))
    app.transfer(complaint_id="c0", to_queue="general", to_agent_id=None, reason="r", actor="x")
    (tmp_path / "draft.yaml").write_text(textwrap.dedent(DRAFT))
    out, err = io.StringIO(), io.StringIO()

    code = rehearse.main([
        "--rules", str(tmp_path / "draft.yaml"), "--url", f"sqlite:///{tmp_path}/dispatch.sqlite",
        "--roster", str(files.roster), "--tenant", "experian-us",
    ], out=out, err=err)

    assert (code, err.getvalue()) == (0, "")
    assert out.getvalue() == (
        f"Draft rules draft-7 (sha256 {draft().content_hash[:12]}) over 3 routed complaints of "
        "experian-us: 1 would go elsewhere.\n"
        "\n"
        "queue    current    draft   change\n"
        "billing        1        0       -1\n"
        "fraud          1        2       +1\n"
        "general        1        1       +0\n"
        "\n"
        "complaint: current queue (rule) -> draft queue (rule)\n"
        "c0: billing (billing) -> fraud (all-billing)\n"
    )


def test_the_command_prints_json_and_refuses_a_bad_draft_or_a_missing_store(
    app, inbox, files, tmp_path
):
    inbox.process(*classified("c0", "billing_charges"))
    (tmp_path / "draft.yaml").write_text(textwrap.dedent(DRAFT))
    (tmp_path / "bad.yaml").write_text("version: '1'\ndefault: {queue: nowhere}\n")
    url = f"sqlite:///{tmp_path}/dispatch.sqlite"

    def run(*args):
        out, err = io.StringIO(), io.StringIO()
        code = rehearse.main([*args, "--roster", str(files.roster), "--tenant", "experian-us"],
                           out=out, err=err)
        return code, out.getvalue(), err.getvalue()

    code, out, _ = run("--rules", str(tmp_path / "draft.yaml"), "--url", url, "--json")
    assert code == 0
    assert json.loads(out)["changed"] == [{
        "complaint_id": "c0", "current_queue": "billing", "current_rule": "billing",
        "draft_queue": "fraud", "draft_rule": "all-billing",
    }]
    assert run("--rules", str(tmp_path / "bad.yaml"), "--url", url) == (
        2, "", "bad.yaml:2: queue 'nowhere' is not in the roster (known: billing, fraud, "
               "general)\n",
    )
    assert run("--rules", str(tmp_path / "draft.yaml"), "--url", f"sqlite:///{tmp_path}/no.db") == (
        2, "", f"no dispatch event store at sqlite:///{tmp_path}/no.db\n",
    )
