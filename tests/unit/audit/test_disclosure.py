"""What the audit API discloses of events: the contracts' personal fields masked without
`pii:read`, shown and logged with it; sealed values untouched (#21, point 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit.disclosure import disclose, masked, read_fields
from contracts import intake, resolution
from contracts.envelope import Envelope
from contracts.personal import Personal, personal_fields
from runtime.auth import Principal
from runtime.auth.masking import REDACTED
from runtime.auth.pii_log import PiiAccessLog
from services.resolution.api.views import NoteView, NotificationView, UpdateView

SAMPLES = Path(__file__).resolve().parents[3] / "contracts/samples"
PHONE = "13812345678"
SEALED = "pii:v1:6f1c2a8e-3b7d-4a52-9a0e-0c5d3e2f7b10:bm9uY2V8Y2lwaGVydGV4dA=="


def envelope(event_type: str, **data: object) -> Envelope:
    raw = json.loads((SAMPLES / f"{event_type}.json").read_text(encoding="utf-8"))
    raw["data"].update(data)
    return Envelope.model_validate(raw)


def principal(*scopes: str, sub: str = "aud-1") -> Principal:
    return Principal(sub=sub, tenant="experian-us", roles=frozenset(),
                     scopes=frozenset({"audit:read", *scopes}))


@pytest.fixture
def log(tmp_path: Path):
    log = PiiAccessLog.from_url(f"sqlite:///{tmp_path}/audit.sqlite")
    yield log
    log.close()


NOTE = envelope("resolution.investigation_note_added.v1", text=f"Called back on {PHONE}")
RECEIVED_SEALED = envelope("complaint.received.v1", customer_name=SEALED,
                           customer_contact=SEALED, subject=SEALED, text=SEALED)


def test_a_note_with_a_phone_number_is_redacted_with_its_template_values() -> None:
    shown = masked(NOTE)

    assert shown.data["text"] == REDACTED
    assert shown.data["fields"] == {"inquiry_date": REDACTED, "furnisher": REDACTED,
                                    "permissible_purpose_found": REDACTED,
                                    "inquiries_disputed": REDACTED}
    assert {k: v for k, v in shown.data.items() if k not in ("text", "fields")} == {
        k: v for k, v in NOTE.data.items() if k not in ("text", "fields")}
    assert PHONE not in shown.model_dump_json()


def test_sealed_values_are_masked_like_the_services_mask_them_and_are_not_a_read() -> None:
    # The services' APIs show a caller without pii:read "[redacted]", never the ciphertext.
    assert masked(RECEIVED_SEALED).data["text"] == REDACTED
    assert read_fields([RECEIVED_SEALED]) == []


def test_plaintext_personal_data_of_older_events_is_masked_as_intake_masks_it() -> None:
    legacy = envelope("complaint.received.v1", customer_name="王小明", customer_contact=PHONE,
                      subject=SEALED, text="My card was charged twice")

    shown = masked(legacy).data

    assert (shown["customer_name"], shown["customer_contact"], shown["subject"],
            shown["text"]) == ("王**", "138****5678", REDACTED, REDACTED)


def test_without_pii_read_events_are_masked_and_nothing_is_logged(log: PiiAccessLog) -> None:
    shown = disclose([RECEIVED_SEALED, NOTE], principal(), complaint_id="c-1", log=log)

    assert [e.data["text"] for e in shown] == [REDACTED, REDACTED]
    assert log.query(tenant="experian-us") == []


def test_with_pii_read_events_are_plaintext_and_the_read_is_logged(log: PiiAccessLog) -> None:
    notified = envelope("resolution.customer_notified.v1")
    shown = disclose([RECEIVED_SEALED, NOTE, notified], principal("pii:read"),
                     complaint_id="c-1", log=log)

    assert shown == [RECEIVED_SEALED, NOTE, notified]
    [read] = log.query(tenant="experian-us")
    assert (read.subject, read.complaint_id, read.fields) == ("aud-1", "c-1", (
        "resolution.customer_notified.v1:message",
        "resolution.investigation_note_added.v1:fields",
        "resolution.investigation_note_added.v1:text"))


def test_the_contracts_mark_what_the_services_apis_mask() -> None:
    assert personal_fields(intake.ComplaintReceived) == {
        "customer_name": Personal.NAME, "customer_contact": Personal.CONTACT,
        "subject": Personal.TEXT, "text": Personal.TEXT}
    for view, event in [(NoteView, resolution.InvestigationNoteAdded),
                        (UpdateView, resolution.ProgressUpdated),
                        (NotificationView, resolution.CustomerNotified)]:
        assert personal_fields(view).items() <= personal_fields(event).items(), view
