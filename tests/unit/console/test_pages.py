"""The console's pages over stand-in services (httpx MockTransport): the session cookie, CSRF,
the 404 page, the token forwarded and never shown, the dashboard's figures."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi.testclient import TestClient

from services.console.bootstrap import bootstrap
from services.console.config import ConsoleSettings
from services.console.signin import DEMO_USERS

CID = "3f1c2d8e-0000-4000-8000-000000000001"


class Services:
    """Records every call; answers from a table of (method, path) -> (status, json)."""

    def __init__(self) -> None:
        self.calls: list[httpx.Request] = []
        self.answers: dict[tuple[str, str], tuple[int, object]] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        status, body = self.answers.get((request.method, request.url.path), (404, {
            "detail": "not found"}))
        return httpx.Response(status, json=body)


@pytest.fixture
def stand_in(tmp_path):
    services = Services()
    settings = ConsoleSettings(data_dir=tmp_path, auth_dir=tmp_path / "auth", tenant="acme",
                               rate_limit_per_s=0)
    with TestClient(bootstrap(settings, httpx.MockTransport(services))) as client:
        yield client, services


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def sign_in(client: TestClient, sub: str, tenant: str | None = None) -> None:
    index = next(i for i, u in enumerate(DEMO_USERS) if u.sub == sub and u.tenant == tenant)
    page = client.get("/signin")
    answer = client.post("/signin/dev", data={"user": index, "csrf": csrf_of(page.text)},
                         follow_redirects=False)
    assert answer.status_code == 303


def test_signing_in_keeps_the_token_in_an_httponly_cookie_and_sends_it_to_the_services(
        stand_in):
    client, services = stand_in
    page = client.get("/signin")
    answer = client.post("/signin/dev", data={"user": 0, "csrf": csrf_of(page.text)},
                         follow_redirects=False)
    assert answer.headers["location"] == "/work"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    services.answers[("GET", f"/v1/complaints/{CID}")] = (404, {"detail": "no"})
    shown = client.get(f"/complaints/{CID}")
    token = services.calls[-1].headers["authorization"].removeprefix("Bearer ")
    assert token.count(".") == 2  # a JWT went to intake...
    assert token not in shown.text and token not in str(shown.url)  # ...never to the page


def test_a_form_without_the_csrf_token_is_refused_and_nothing_is_filed(stand_in):
    client, services = stand_in
    client.get("/file")
    answer = client.post("/file", data={"csrf": "forged", "key": "k", "subject": "s",
                                        "text": "t"})
    assert answer.status_code == 403
    assert services.calls == []


def test_another_departments_complaint_is_the_404_page(stand_in):
    client, services = stand_in
    sign_in(client, "fr-jonas")
    services.answers[("GET", f"/v1/complaints/{CID}")] = (404, {"detail": "no complaint"})
    answer = client.get(f"/complaints/{CID}", headers={"accept-language": "zh-CN"})
    assert answer.status_code == 404
    assert 'data-testid="not-found">未找到<' in answer.text
    assert CID not in answer.text.split("<main", 1)[1]


def test_a_page_needs_sign_in_and_comes_back_after(stand_in):
    client, _ = stand_in
    answer = client.get("/work", follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/signin?next=/work")


def test_pages_load_nothing_from_elsewhere_and_leak_no_referrer(stand_in):
    client, _ = stand_in
    answer = client.get("/file")
    assert answer.headers["content-security-policy"].startswith("default-src 'self'")
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert not re.search(r'(src|href)="(https?:)?//', answer.text)


def test_the_filed_complaint_carries_its_attachments_hash_and_an_idempotency_key(stand_in):
    client, services = stand_in
    services.answers[("POST", "/v1/complaints")] = (202, {
        "complaint_id": CID, "tracking_token": "tok", "tracking_url": "x", "status_url": "y",
        "created": True, "category": None, "severity": None})
    page = client.get("/file")
    answer = client.post("/file", data={"csrf": csrf_of(page.text), "key": "k1",
                                        "subject": "Charged twice", "text": "twice"},
                         files=[("attachments", ("r.txt", b"abc", "text/plain"))])
    filed = services.calls[-1]
    assert filed.headers["idempotency-key"] == "console-k1"
    assert b'"sha256":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"' in \
        filed.content
    assert 'href="http://testserver/track/tok"' in answer.text
    assert CID not in answer.text  # the customer's key is the tracking link, not the id


def test_the_dashboard_shows_what_analytics_counts(stand_in):
    client, services = stand_in
    sign_in(client, "mgr-zhou")
    services.answers[("GET", "/v1/analytics/complaints/count")] = (200, {"received": 7})
    services.answers[("GET", "/v1/analytics/satisfaction")] = (200, {
        "report": "satisfaction", "data_as_of": None,
        "rows": [{"csat_responses": 3, "csat_5": 3, "csat_mean": 5.0, "nps": 100.0}]})
    answer = client.get("/dashboard")
    assert 'data-testid="total-received">7<' in answer.text
    assert 'data-testid="satisfaction-csat_responses">3<' in answer.text


def test_the_time_zone_the_browser_wrote_is_the_one_the_page_uses(stand_in):
    client, _ = stand_in
    client.cookies.set("tz", "Asia%2FShanghai")  # as the page's script encodes it
    assert 'data-tz-current="Asia/Shanghai"' in client.get("/file").text


def test_a_line_manager_records_a_corrective_action_which_the_dashboard_lists_with_its_effect(
        stand_in):
    client, services = stand_in
    sign_in(client, "sup-cs")
    action = {"action_id": "a1", "tenant": "acme", "created_at": "2026-12-01T00:00:00Z",
              "target_kind": "root_cause", "target": "payment_retry", "title": "Idempotency",
              "owner": "payments", "due_date": "2026-12-31",
              "effective_at": "2026-12-01T00:00:00Z"}
    services.answers[("POST", "/v1/analytics/actions")] = (201, action)
    services.answers[("GET", "/v1/analytics/actions")] = (200, [action])
    services.answers[("GET", "/v1/analytics/actions/a1/effect")] = (200, {
        "action": action, "before": {"complaints": 12}, "after": {"complaints": 3},
        "per_day_change": -0.75, "share_change": -0.1})
    page = client.get("/dashboard")
    client.post("/dashboard/actions", data={
        "csrf": csrf_of(page.text), "target_kind": "root_cause", "target": "payment_retry",
        "title": "Idempotency", "owner": "payments", "due_date": "2026-12-31",
        "effective_at": "2026-12-01"})
    recorded = next(c for c in services.calls if c.method == "POST")
    assert b'"effective_at":"2026-12-01T00:00:00+00:00"' in recorded.content
    listed = client.get("/dashboard").text
    assert "<td>12</td><td>3</td><td>-75.0%</td>" in listed


def test_evidence_up_to_resolutions_limit_passes_through_with_its_hash_shown(stand_in):
    client, services = stand_in
    sign_in(client, "cs-ana")
    services.answers[("PUT", f"/v1/cases/{CID}/evidence")] = (201, {
        "evidence_id": "e1", "sha256": "f" * 64, "size_bytes": 3_000_000, "kind": "document"})
    page = client.get("/signin")  # any page: the session's CSRF token
    answer = client.post(f"/complaints/{CID}/evidence", data={"csrf": csrf_of(page.text)},
                         files={"evidence": ("scan.pdf", b"x" * 3_000_000, "application/pdf")})
    sent = next(call for call in services.calls if call.method == "PUT")
    assert (sent.url.params["filename"], sent.headers["content-type"], len(sent.content)) == (
        "scan.pdf", "application/pdf", 3_000_000)
    assert f"SHA-256 {'f' * 64}" in answer.text  # on the page the upload leads back to


def test_the_language_chosen_in_the_header_sticks_and_needs_the_form_token(stand_in):
    client, _ = stand_in
    page = client.get("/file", headers={"accept-language": "en"})
    assert client.post("/prefs", data={"lang": "zh", "back": "/file"}).status_code == 403
    chosen = client.post("/prefs", data={"lang": "zh", "back": "/file",
                                         "csrf": csrf_of(page.text)},
                         headers={"accept-language": "en"})
    assert '<html lang="zh-CN">' in chosen.text


def test_the_supervisor_sees_the_approvals_waiting_for_them_and_the_agent_their_tasks(
        stand_in):
    client, services = stand_in
    services.answers[("GET", "/v1/approvals/waiting")] = (200, {"items": [{
        "complaint_id": CID, "proposal_id": "p1", "kind": "refund", "amount": "1500.00",
        "currency": "CNY", "step": 2, "role": "finance", "proposed_by": "cs-li",
        "awaiting_since": "2026-12-04T10:00:00Z", "age_seconds": 60}], "next_cursor": None})
    services.answers[("GET", "/v1/tasks")] = (200, {"items": [{
        "complaint_id": CID, "task_id": "t1", "kind": "follow_up", "proposal_id": None,
        "title": "回访", "assignee": "cs-ana", "due_at": "2026-12-01T10:00:00Z",
        "overdue": True}], "next_cursor": None})
    sign_in(client, "fin-1")
    board = client.get("/supervisor", headers={"accept-language": "en"}).text
    assert f'href="/complaints/{CID}" data-testid="approval-{CID}"' in board
    assert "<td>2 · finance</td>" in board and "1500.00 CNY" in board
    client.post("/signout", data={"csrf": csrf_of(board)})
    sign_in(client, "cs-ana")
    work = client.get("/work", headers={"accept-language": "en"}).text
    assert "回访 · 2026-12-01 10:00 UTC · Overdue" in work
    assert ("GET", "/v1/tasks", "assigned=me") in [
        (c.method, c.url.path, c.url.query.decode()) for c in services.calls]
