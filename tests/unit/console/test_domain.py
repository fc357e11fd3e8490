"""The console's pure parts: texts, sessions, SLA colours, times, actions, PKCE, charts."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from services.console import viewing
from services.console.actions import call_of, survey_token
from services.console.charts import bar_svg, csat_distribution
from services.console.customer_pages import attachment_of, stage_index
from services.console.dashboard_pages import month_window
from services.console.i18n import catalog, language_of, translator
from services.console.session import Sealer, Session
from services.console.signin import challenge_of, home_of, pkce_pair
from services.console.web import local_path

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def test_every_text_is_in_chinese_and_english():
    incomplete = [key for key, texts in catalog().items()
                  if set(texts) != {"en", "zh"} or not all(texts.values())]
    assert incomplete == []
    assert translator(language_of(None, "zh-CN,zh;q=0.9"))("sign_in") == "登录"
    assert translator(language_of("en", "zh-CN"))("sign_in") == "Sign in"


def test_a_session_opens_only_with_its_key_and_until_it_expires():
    clock = [1000.0]
    sealer = Sealer(b"k1", clock=lambda: clock[0])
    session = Session(token="eyJ-secret-token", user={"sub": "a"}, expires_at=2000.0)
    value = sealer.seal(session)
    assert b"secret-token" not in base64.urlsafe_b64decode(value)  # encrypted, not signed
    assert sealer.open(value).token == "eyJ-secret-token"
    assert Sealer(b"k2").open(value).token is None  # another key: a visitor
    assert sealer.open(value[:-4] + "AAAA").token is None  # tampered
    clock[0] = 2000.0
    assert sealer.open(value).token is None  # expired


def test_a_form_needs_the_session_csrf_token():
    session = Session()
    assert session.csrf_matches(session.csrf)
    assert not session.csrf_matches(None)
    assert not session.csrf_matches(session.csrf + "x")


@pytest.mark.parametrize(("clock", "state"), [
    ({"warn_at": NOW + timedelta(hours=1), "deadline_at": NOW + timedelta(hours=2)}, "on_time"),
    ({"warn_at": NOW - timedelta(minutes=1), "deadline_at": NOW + timedelta(hours=2)},
     "warning"),
    ({"warn_at": NOW - timedelta(hours=2), "deadline_at": NOW - timedelta(seconds=1)},
     "breached"),
    ({"deadline_at": NOW + timedelta(hours=2), "fired": {"breach": NOW}}, "breached"),
    ({"deadline_at": NOW - timedelta(hours=2), "stopped_at": NOW, "outcome": "met"}, "stopped"),
])
def test_a_clock_is_coloured_by_its_warning_and_deadline(clock, state):
    assert viewing.sla_state(clock, NOW) == state


def test_countdown_and_the_worst_colour():
    assert viewing.countdown({"deadline_at": (NOW + timedelta(hours=3, minutes=5))
                              .isoformat()}, NOW) == "3h 05m"
    assert viewing.countdown({"deadline_at": NOW - timedelta(minutes=12)}, NOW) == "-0h 12m"
    assert viewing.countdown({"deadline_at": NOW + timedelta(days=2, hours=1)}, NOW) == \
        "2d 1h 00m"
    assert viewing.worst([viewing.SlaState.ON_TIME, viewing.SlaState.WARNING]) == "warning"
    assert viewing.worst([]) == "stopped"


def test_times_are_shown_in_the_viewers_zone():
    assert viewing.local_time("2026-12-04T10:00:00+00:00", "Asia/Shanghai") == \
        "2026-12-04 18:00 CST"
    assert viewing.local_time("2026-12-04T10:00:00", "America/Toronto") == \
        "2026-12-04 05:00 EST"
    assert viewing.local_time("2026-12-04T10:00:00Z", "Not/AZone") == "2026-12-04 10:00 UTC"


def test_each_button_calls_its_service():
    assert call_of("propose", "c1", {"solution_id": "refund", "amount": "500.00"}) == (
        "resolution", "/v1/cases/c1/proposals", {"solution_id": "refund", "amount": "500.00"})
    assert call_of("approve", "c1", {"proposal_id": "p9", "comment": ""}) == (
        "resolution", "/v1/cases/c1/proposals/p9/approvals", {})
    assert call_of("note", "c1", {"template": "five_whys", "f_problem": "x", "f_why_1": " "}) \
        == ("resolution", "/v1/cases/c1/notes", {"template": "five_whys",
                                                 "fields": {"problem": "x"},
                                                 "visibility": "internal"})
    assert call_of("transfer", "c1", {"to_queue": "vip-care", "reason": "r"}) == (
        "dispatch", "/v1/assignments/c1/transfer", {"to_queue": "vip-care", "reason": "r"})
    assert call_of("root_cause", "c1", {"category": "payment_retry",
                                        "why_chain": "a\n\n b \n"})[2] == {
        "category": "payment_retry", "why_chain": ["a", "b"]}
    with pytest.raises(KeyError):
        call_of("drop_table", "c1", {})
    assert survey_token("http://x/v1/surveys/abc_DEF") == "abc_DEF"


def test_pkce_challenge_is_the_s256_of_the_verifier():
    verifier, challenge = pkce_pair()
    assert 43 <= len(verifier) <= 128
    assert challenge == base64.urlsafe_b64encode(
        hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    # RFC 7636, appendix B
    assert challenge_of("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == \
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_after_sign_in_each_role_lands_on_its_page_and_never_elsewhere():
    assert home_of(["agent"]) == "/work"
    assert home_of(["finance"]) == "/supervisor"
    assert home_of(["auditor"]) == "/audit"
    assert [local_path(p) for p in ("/work", "//evil.example", "https://evil", "/\\x", None)] \
        == ["/work", "/", "/", "/", "/"]


def test_customer_pages_pure_parts():
    assert attachment_of("r.txt", "text/plain", b"abc") == {
        "filename": "r.txt", "size_bytes": 3, "content_type": "text/plain",
        "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}
    assert [stage_index(s) for s in ("queued", "assigned", "waiting_for_you",
                                     "solution_proposed", "closed")] == [0, 1, 2, 3, 5]


def test_month_window_and_charts():
    assert month_window("2026-12", NOW)[1:] == (datetime(2026, 12, 1, tzinfo=UTC),
                                                 datetime(2027, 1, 1, tzinfo=UTC))
    assert month_window(None, NOW)[0] == "2026-12"
    assert csat_distribution([{"csat_4": 2, "csat_5": 1}]) == [
        ("CSAT 1", 0.0), ("CSAT 2", 0.0), ("CSAT 3", 0.0), ("CSAT 4", 2.0), ("CSAT 5", 1.0)]
    svg = bar_svg([("<b>", 2.0), ("x", 0.5)], title="T & co", percent=True)
    assert svg.count("<rect") == 2 and "&lt;b&gt;" in svg and "T &amp; co" in svg
    assert ">200.0%<" in svg and ">50.0%<" in svg
