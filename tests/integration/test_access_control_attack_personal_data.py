"""Personal data on the real services: each role sees only the fields it may, reads of them
are logged, the audit history masks what resolution masks, evidence cannot smuggle markup, and
what auditors read of a survey cannot answer it (platform_world, as in
test_access_control_attack.py).
"""

from __future__ import annotations

import pytest

from runtime.auth.masking import REDACTED
from tests.auth_tokens import bearer
from tests.integration.platform_world import PHONE, TENANT, World

pytestmark = pytest.mark.integration


def test_each_role_sees_only_the_personal_fields_it_may(world: World):
    complaint_id = next(iter(world.departments))
    department = world.departments[complaint_id]
    intake, resolution = world.clients["intake"], world.clients["resolution"]
    agent = bearer(world.tokens.token("agent", tenant=TENANT, departments=[department],
                                      sub="agent-7"))
    note = f"Called back on {PHONE}"
    assert resolution.post(f"/v1/cases/{complaint_id}/notes", headers=agent,
                           json={"text": note}).status_code == 201
    readers = {
        "agent": (agent, True),
        "supervisor": (bearer(world.tokens.token("supervisor", tenant=TENANT,
                                                 departments=[department], sub="sup-7")), True),
        "auditor": (bearer(world.tokens.token("auditor", tenant=TENANT, sub="aud-7")), False),
        "service": (bearer(world.tokens.client("service", tenant=TENANT, client_id="sla")),
                    False),
    }
    for role, (headers, plaintext) in readers.items():
        complaint = intake.get(f"/v1/complaints/{complaint_id}", headers=headers)
        case = resolution.get(f"/v1/cases/{complaint_id}", headers=headers)
        assert (complaint.status_code, case.status_code) == (200, 200), role
        view = complaint.json()
        notes = [n["text"] for n in case.json()["notes"]]
        if plaintext:
            assert (view["customer_name"], view["customer_contact"]) == ("王小明", PHONE), role
            assert notes == [note], role
        else:
            assert (view["customer_name"], view["customer_contact"], view["text"]) == (
                "王**", "138****5678", REDACTED), role
            assert notes == [REDACTED], role
            assert PHONE not in complaint.text + case.text, role
    readers_logged = {(read.subject, read.fields) for log in world.pii_logs
                      for read in log.query(tenant=TENANT, complaint_id=complaint_id)
                      if read.subject in {"agent-7", "sup-7", "aud-7", "sla"}}
    personal = ("customer_contact", "customer_name", "subject", "text")
    assert readers_logged == {("agent-7", personal), ("sup-7", personal),
                              ("agent-7", ("notes",)), ("sup-7", ("notes",))}


def test_the_audit_history_masks_what_resolution_masks_and_logs_what_it_shows(world: World):
    """#21 point 1: a phone number in a note came back verbatim to an auditor, unlogged."""
    complaint_id = list(world.departments)[1]
    department = world.departments[complaint_id]
    resolution, audit = world.clients["resolution"], world.clients["audit"]
    agent = bearer(world.tokens.token("agent", tenant=TENANT, departments=[department]))
    note = f"Customer asked to be called on {PHONE} after 6pm"
    assert resolution.post(f"/v1/cases/{complaint_id}/notes", headers=agent,
                           json={"text": note}).status_code == 201
    auditor = bearer(world.tokens.token("auditor", tenant=TENANT, sub="aud-9"))
    officer = bearer(world.tokens.token("auditor", "supervisor", tenant=TENANT, sub="dpo-9"))
    history = f"/v1/audit/complaints/{complaint_id}/history"

    def notes(response) -> list[str]:
        assert response.status_code == 200, response.text
        return [e["data"]["text"] for e in response.json()["events"]
                if e["type"] == "resolution.investigation_note_added.v1"]

    masked = audit.get(history, headers=auditor)
    assert notes(masked) == [REDACTED]
    assert PHONE not in masked.text

    # Resolution seals its notes (#13 point 2): even an officer with pii:read gets the
    # ciphertext through audit, whose reading of it is no read of personal data.
    [sealed] = notes(audit.get(history, headers=officer))
    assert sealed.startswith("pii:v1:") and PHONE not in sealed
    assert audit.get(f"/v1/audit/complaints/{complaint_id}/bundle",
                     headers=auditor).status_code == 200
    reads = audit.get("/v1/audit/pii-access", headers=auditor,
                      params={"complaint_id": complaint_id}).json()["reads"]
    assert [r for r in reads if r["subject"] in {"aud-9", "dpo-9"}] == []


def test_evidence_is_sniffed_and_only_ever_downloaded(world: World):
    """#21 point 8: HTML uploaded as image/png was stored and served back as image/png."""
    complaint_id = list(world.departments)[2]
    resolution = world.clients["resolution"]
    agent = bearer(world.tokens.token("agent", tenant=TENANT,
                                      departments=[world.departments[complaint_id]]))
    evidence = f"/v1/cases/{complaint_id}/evidence"

    def upload(content: bytes, declared: str):
        return resolution.put(evidence, params={"filename": "receipt.png"}, content=content,
                              headers={**agent, "content-type": declared})

    stored = world.stored()
    for declared in ("image/png", "application/pdf", "text/plain"):
        refused = upload(b"<html><script>fetch('/v1/cases')</script></html>", declared)
        assert (refused.status_code, refused.json()["detail"]) == (422, (
            "the file holds markup (HTML, SVG, XML or script), which is not accepted as "
            "evidence")), declared
    mismatch = upload(b"%PDF-1.7 a statement", "image/png")
    assert (mismatch.status_code, mismatch.json()["detail"]) == (
        422, "the file's content is application/pdf, not the declared image/png")
    assert world.stored() == stored

    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR the receipt"
    created = upload(png, "image/png")
    assert created.status_code == 201, created.text
    read = resolution.get(f"{evidence}/{created.json()['evidence_id']}", headers=agent)
    assert (read.status_code, read.content, read.headers["content-type"]) == (
        200, png, "image/png")
    assert read.headers["x-content-type-options"] == "nosniff"
    assert read.headers["content-disposition"] == (
        "attachment; filename=\"receipt.png\"; filename*=UTF-8''receipt.png")


def test_what_auditors_read_of_a_survey_cannot_answer_it_and_a_revoked_link_is_dead(
        world: World):
    """#21 point 2: the survey URL with its token was published on a forever topic, which
    the audit history replays: whoever read it could answer any open survey."""
    complaint_id = list(world.departments)[3]
    resolution, audit = world.clients["resolution"], world.clients["audit"]
    agent = bearer(world.tokens.token("agent", tenant=TENANT,
                                      departments=[world.departments[complaint_id]]))
    case = f"/v1/cases/{complaint_id}"
    for path, body in [("/accept", None), ("/proposals", {"solution_id": "explanation-apology"}),
                       ("/root-cause", {"category": "billing_error", "why_chain": ["w"]})]:
        response = resolution.post(case + path, headers=agent, json=body)
        assert response.status_code in (201, 204), response.text
        if path == "/proposals":
            proposal = response.json()["id"]
            assert resolution.post(f"{case}/proposals/{proposal}/execution", headers=agent,
                                   json={}).status_code == 204
    assert resolution.post(f"{case}/notifications", headers=agent, json={
        "channel": "email", "kind": "resolution", "message": "Sorry"}).status_code == 204
    surveys = [resolution.post(f"{case}/survey", headers=agent, json={"channel": "email"}).json()
               for _ in range(2)]
    tokens = [s["link"].rsplit("/", 1)[1] for s in surveys]

    officer = bearer(world.tokens.token("auditor", "supervisor", tenant=TENANT, sub="dpo-2"))
    history = audit.get(f"/v1/audit/complaints/{complaint_id}/history", headers=officer)
    notified = [e["data"] for e in history.json()["events"]
                if e["type"] == "resolution.customer_notified.v1"
                and e["data"]["message_kind"] == "survey"]
    assert [(n["survey_id"], n["link"]) for n in notified] == [
        (s["survey_id"], None) for s in surveys]
    assert not any(token in history.text for token in tokens)

    revoked = resolution.post(f"{case}/surveys/{surveys[0]['survey_id']}/revocation",
                              headers=agent, json={"reason": "Sent to the wrong address"})
    assert revoked.status_code == 204
    answers = [resolution.post(f"/v1/surveys/{token}", json={"csat": 1}) for token in tokens]
    assert [a.status_code for a in answers] == [410, 204]
