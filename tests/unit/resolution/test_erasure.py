"""Free text about the customer is sealed with its complaint's key before it is stored or
published; intake's customer.erased.v1 destroys the keys of that customer's complaints."""

from __future__ import annotations

import base64
from pathlib import Path

from fastapi.testclient import TestClient

from contracts.topics import INTAKE_EVENTS
from runtime.inbox import Inbox
from services.resolution.application import ResolutionApplication
from services.resolution.handlers import SUBSCRIPTIONS
from services.resolution.personal import ERASED
from tests.unit.resolution.conftest import as_, published_envelopes, sample

MARKER = "Zebrafish-Marker-7731"
PHOTO = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16 + MARKER.encode()


def from_intake(app: ResolutionApplication, event_type: str, **data: object) -> None:
    inbox = Inbox(app=app, consumer="resolution", handlers=SUBSCRIPTIONS[INTAKE_EVENTS])
    inbox.process(*sample(event_type, **data))


def work_the_case(client: TestClient, complaint_id: str) -> str:
    c = f"/v1/cases/{complaint_id}"
    for path, body in [
        ("notes", {"text": f"Called {MARKER} at home"}),
        ("notes", {"template": "five_whys", "fields": {
            "problem": f"{MARKER} charged twice", "why_1": "a", "why_2": "b", "why_3": "c",
            "root_cause": "d"}}),
        ("updates", {"text": f"Dear {MARKER}, we are on it", "visibility": "customer",
                     "channel": "email"}),
    ]:
        assert client.post(f"{c}/{path}", json=body).status_code == 201
    for path, body in [
        ("notifications", {"channel": "email", "kind": "acknowledgement",
                           "message": f"Hello {MARKER}"}),
        ("waiting", {"reason": f"{MARKER} sends the statement"}),
    ]:
        assert client.post(f"{c}/{path}", json=body).status_code == 204
    uploaded = client.put(f"{c}/evidence", params={"filename": f"{MARKER}.png"},
                          headers={"content-type": "image/png"}, content=PHOTO)
    assert uploaded.status_code == 201, uploaded.text
    return uploaded.json()["evidence_id"]


def spellings(text: str) -> list[bytes]:
    raw = text.encode()
    return [raw, raw.hex().encode(), base64.b64encode(raw)]


def files_holding(root: Path, text: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()
            and any(s in p.read_bytes() for s in spellings(text))]


def test_free_text_and_files_are_sealed_and_read_back_by_pii_readers(
    app: ResolutionApplication, client: TestClient, opened: str, tmp_path: Path
) -> None:
    evidence_id = work_the_case(client, opened)

    case = client.get(f"/v1/cases/{opened}", headers=as_("reader")).json()
    evidence = client.get(f"/v1/cases/{opened}/evidence/{evidence_id}")

    assert case["notes"][0]["text"] == f"Called {MARKER} at home"
    assert case["notes"][1]["fields"]["problem"] == f"{MARKER} charged twice"
    assert [u["text"] for u in case["updates"]] == [f"Dear {MARKER}, we are on it"]
    assert [m["message"] for m in case["notifications"]] == [
        f"Dear {MARKER}, we are on it", f"Hello {MARKER}"]
    assert [e["filename"] for e in case["evidence"]] == [f"{MARKER}.png"]
    assert (evidence.status_code, evidence.content) == (200, PHOTO)
    assert MARKER not in str([e.model_dump(mode="json") for e in published_envelopes(app)])
    assert files_holding(tmp_path, MARKER) == []  # the event store and the evidence folder


def test_the_customers_erasure_leaves_their_complaints_text_and_files_unreadable(
    app: ResolutionApplication, client: TestClient, opened: str
) -> None:
    from_intake(app, "complaint.received.v1")
    evidence_id = work_the_case(client, opened)

    from_intake(app, "customer.erased.v1")

    case = client.get(f"/v1/cases/{opened}").json()
    evidence = client.get(f"/v1/cases/{opened}/evidence/{evidence_id}")
    assert [n["text"] for n in case["notes"]] == [ERASED, ERASED]
    assert set(case["notes"][1]["fields"].values()) - {None} == {ERASED}
    assert [u["text"] for u in case["updates"]] == [ERASED]
    assert [m["message"] for m in case["notifications"]] == [ERASED, ERASED]
    assert [e["filename"] for e in case["evidence"]] == [ERASED]
    assert evidence.status_code == 410


def test_a_complaint_delivered_after_its_customers_erasure_is_erased_on_arrival(
    app: ResolutionApplication, client: TestClient, opened: str
) -> None:
    work_the_case(client, opened)
    from_intake(app, "customer.erased.v1")  # the other partition was faster

    from_intake(app, "complaint.received.v1")  # received 2023, before the erasure (2024)

    case = client.get(f"/v1/cases/{opened}").json()
    assert [u["text"] for u in case["updates"]] == [ERASED]


def test_a_complaint_filed_after_the_erasure_keeps_its_text(
    app: ResolutionApplication, client: TestClient, opened: str
) -> None:
    from_intake(app, "customer.erased.v1")
    from_intake(app, "complaint.received.v1", received_at="2025-01-02T03:04:05Z")

    work_the_case(client, opened)

    case = client.get(f"/v1/cases/{opened}").json()
    assert [u["text"] for u in case["updates"]] == [f"Dear {MARKER}, we are on it"]
