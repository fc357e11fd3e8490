"""Evidence is stored once by its SHA-256 and refused when the stored file no longer matches."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.resolution.application import ResolutionApplication
from services.resolution.domain import Case
from services.resolution.evidence_store import EvidenceStore, MissingEvidence, TamperedEvidence
from tests.unit.resolution.conftest import as_, published_envelopes

PHOTO = b"\x89PNG\r\n\x1a\n a photo of the broken screen"
DIGEST = hashlib.sha256(PHOTO).hexdigest()


def tamper(path: Path, content: bytes) -> None:
    path.chmod(0o644)
    path.write_bytes(content)


def test_the_store_puts_a_file_once_under_its_hash_read_only(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path)

    digest = store.put(PHOTO)
    path = store.path_for(digest)
    inode = path.stat().st_ino

    assert digest == DIGEST
    assert path == tmp_path / DIGEST[:2] / DIGEST[2:4] / DIGEST
    assert path.read_bytes() == PHOTO
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert store.put(PHOTO) == DIGEST
    assert path.stat().st_ino == inode  # not rewritten
    assert [p.name for p in path.parent.iterdir()] == [DIGEST]  # no staging files left
    assert store.read(DIGEST) == PHOTO


def test_a_changed_file_is_detected_on_read(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path)
    store.put(PHOTO)
    tamper(store.path_for(DIGEST), PHOTO + b" edited")

    with pytest.raises(TamperedEvidence, match=f"stored file {DIGEST} now hashes to"):
        store.read(DIGEST)
    with pytest.raises(TamperedEvidence):
        store.put(PHOTO)  # the damaged copy is not silently kept nor overwritten


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(MissingEvidence):
        EvidenceStore(tmp_path).read(DIGEST)


def upload(client: TestClient, complaint_id: str, content: bytes = PHOTO,
           content_type: str = "image/png", actor: str = "agent-0142",
           filename: str = "screen.png"):
    return client.put(
        f"/v1/cases/{complaint_id}/evidence", params={"filename": filename},
        headers={**as_(actor), "content-type": content_type}, content=content,
    )


def test_an_upload_is_attached_by_hash_and_read_back_verified(
    app: ResolutionApplication, client: TestClient, opened: str
) -> None:
    created = upload(client, opened)

    assert created.status_code == 201
    evidence_id = created.json()["evidence_id"]
    assert created.json() == {
        "evidence_id": evidence_id, "sha256": DIGEST, "size_bytes": len(PHOTO), "kind": "image"
    }
    read = client.get(f"/v1/cases/{opened}/evidence/{evidence_id}")
    assert (read.status_code, read.content, read.headers["content-type"]) == (
        200, PHOTO, "image/png"
    )
    assert read.headers["x-content-sha256"] == DIGEST
    assert read.headers["x-content-type-options"] == "nosniff"
    assert read.headers["content-disposition"] == (
        'attachment; filename="screen.png"; filename*=UTF-8\'\'screen.png')
    [attached] = [e for e in published_envelopes(app)
                  if e.type == "resolution.evidence_attached.v1"]
    assert attached.data == {
        "complaint_id": opened, "evidence_id": evidence_id, "filename": attached.data["filename"],
        "content_type": "image/png", "sha256": DIGEST, "size_bytes": len(PHOTO),
        "kind": "image", "attached_by": "agent-0142",
    }
    # The file's name and bytes are sealed with the complaint's key, on the topic and on disk.
    case = app.get_case(opened)
    assert app.personal.open(case, attached.data["filename"]) == "screen.png"
    stored = app.evidence.path_for(DIGEST, str(case.id)).read_bytes()
    assert stored.startswith(b"pii:v1:") and PHOTO not in stored


def test_a_tampered_file_is_refused_by_the_api(
    app: ResolutionApplication, client: TestClient, opened: str
) -> None:
    evidence_id = upload(client, opened).json()["evidence_id"]
    tamper(app.evidence.path_for(DIGEST, str(Case.create_id(opened))), b"something else entirely")

    read = client.get(f"/v1/cases/{opened}/evidence/{evidence_id}")

    assert read.status_code == 409
    assert read.json()["detail"].startswith("evidence failed its integrity check and is refused")
    assert b"something else" not in read.content


def test_html_declared_as_an_image_is_refused_and_nothing_is_stored(
    app: ResolutionApplication, client: TestClient, opened: str
) -> None:
    page = b"<!DOCTYPE html><html><script>fetch('/v1/cases')</script></html>"

    refused = upload(client, opened, page, "image/png")

    assert refused.status_code == 422
    assert refused.json()["detail"] == (
        "the file holds markup (HTML, SVG, XML or script), which is not accepted as evidence")
    assert list(app.evidence.root.rglob("*")) == []
    assert app.get_case(opened).evidence == {}


@pytest.mark.parametrize(("content", "declared", "sniffed"), [
    (b"%PDF-1.7 statement", "image/png", "application/pdf"),
    (PHOTO, "application/pdf", "image/png"),
    (PHOTO, "text/plain", "image/png"),
    (b"just some bytes", "image/jpeg", "unrecognised"),
])
def test_a_file_whose_bytes_are_not_its_declared_type_is_refused(
    client: TestClient, opened: str, content: bytes, declared: str, sniffed: str
) -> None:
    refused = upload(client, opened, content, declared)

    assert refused.status_code == 422
    assert refused.json()["detail"] == (
        f"the file's content is {sniffed}, not the declared {declared}")


def test_a_download_is_an_attachment_under_a_safely_quoted_name(
    client: TestClient, opened: str
) -> None:
    evidence_id = upload(client, opened, filename='屏幕 "1"\r\n.png').json()["evidence_id"]

    read = client.get(f"/v1/cases/{opened}/evidence/{evidence_id}")

    assert read.headers["content-disposition"] == (
        "attachment; filename=\"__ _1___.png\"; "
        "filename*=UTF-8''%E5%B1%8F%E5%B9%95%20%221%22%0D%0A.png")
    assert read.headers["x-content-type-options"] == "nosniff"


def test_voice_and_documents_are_kinds_of_evidence_and_executables_are_refused(
    client: TestClient, opened: str
) -> None:
    voice = upload(client, opened, b"ID3 voice", "audio/mpeg")
    document = upload(client, opened, b"%PDF-1.7", "application/pdf")
    program = upload(client, opened, b"MZ\x90\x00", "application/x-msdownload")

    assert (voice.json()["kind"], document.json()["kind"]) == ("voice", "document")
    assert program.status_code == 422
    assert program.json()["detail"] == "'application/x-msdownload' is not accepted as evidence"


def test_empty_and_oversized_files_are_refused(client: TestClient, opened: str) -> None:
    assert upload(client, opened, b"").status_code == 422
    assert upload(client, opened, b"x" * 1025).status_code == 413  # the fixture allows 1 KiB


def test_a_conflicted_person_cannot_attach_and_nothing_is_written(
    app: ResolutionApplication, client: TestClient, opened: str
) -> None:
    client.post(f"/v1/cases/{opened}/conflicts", headers=as_("sup-1"),
                json={"person": "agent-0777", "reason": "Related to the customer"})

    refused = upload(client, opened, actor="agent-0777")

    assert refused.status_code == 403
    assert refused.json()["rule"] == "recusal"
    assert not os.path.exists(app.evidence.path_for(DIGEST))
    assert app.get_case(opened).refusals[0]["actor"] == "agent-0777"
