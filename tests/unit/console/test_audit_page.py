"""The auditor's page shows each store's chain verdict from audit's /chain, which needs no
pii:read, in both languages, even when the bundle is refused to the auditor."""

from __future__ import annotations

import pytest

from tests.unit.console.test_pages import CID, sign_in, stand_in  # noqa: F401  (fixture)

BUNDLE_REFUSED = (403, {"detail": {
    "detail": "the bundle holds personal data in plaintext: it needs pii:read",
    "fields": ["text"]}})
VERDICTS = [
    {"service": "intake", "verdict": "broken", "position": 7, "kind": "modified", "head": 12,
     "entries": 12},
    {"service": "dispatch", "verdict": "ok", "position": None, "kind": "", "head": 5,
     "entries": 5},
    {"service": "notify", "verdict": "missing", "position": None, "kind": "", "head": 0,
     "entries": 0},
]


@pytest.fixture
def audit_page(stand_in):  # noqa: F811
    client, services = stand_in
    base = f"/v1/audit/complaints/{CID}"
    services.answers[("GET", f"{base}/history")] = (200, {"complaint_id": CID, "events": []})
    services.answers[("GET", f"{base}/state")] = (200, {"as_of": None, "status": "assigned"})
    services.answers[("GET", f"{base}/bundle")] = BUNDLE_REFUSED
    services.answers[("GET", f"{base}/chain")] = (200, VERDICTS)
    sign_in(client, "aud-1")
    return client


def rows(html: str) -> list[str]:
    return [line.strip() for line in html.splitlines() if 'data-testid="chain-' in line]


def test_the_auditor_without_pii_read_sees_each_stores_verdict_in_english(audit_page):
    page = audit_page.get(f"/audit?ref={CID}", headers={"accept-language": "en"})
    assert page.status_code == 200
    assert rows(page.text) == [
        '<tr data-testid="chain-intake" data-verdict="broken"><td>intake</td>'
        '<td class="bad">Broken at position 7 (modified)</td><td>12</td></tr>',
        '<tr data-testid="chain-dispatch" data-verdict="ok"><td>dispatch</td>'
        '<td class="ok">Intact</td><td>5</td></tr>',
        '<tr data-testid="chain-notify" data-verdict="missing"><td>notify</td>'
        '<td class="bad">Store missing</td><td>0</td></tr>',
    ]
    assert "Each store&#39;s hash chain" in page.text


def test_the_verdict_reads_in_chinese(audit_page):
    page = audit_page.get(f"/audit?ref={CID}", headers={"accept-language": "zh-CN"})
    assert [r.split("<td")[2] for r in rows(page.text)] == [
        ' class="bad">断裂于位置 7 (被修改)</td>', ' class="ok">完整</td>',
        ' class="bad">存储不存在</td>',
    ]
    assert "各服务存储的哈希链" in page.text


def test_without_an_answer_from_audit_the_page_says_not_verified_here(audit_page, stand_in):  # noqa: F811
    _, services = stand_in
    del services.answers[("GET", f"/v1/audit/complaints/{CID}/chain")]
    page = audit_page.get(f"/audit?ref={CID}", headers={"accept-language": "en"})
    assert 'data-testid="store-chains" data-verdict="unknown">Not verified here<' in page.text
