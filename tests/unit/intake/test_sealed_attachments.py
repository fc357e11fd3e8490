"""An attachment's file name may name the customer: it is stored and published sealed, and
unreadable once the customer is erased."""

# ruff: noqa: F811 (pytest fixtures imported from test_personal_data)
from __future__ import annotations

from contracts.intake import ComplaintReceived
from runtime.vault import is_sealed
from tests.unit.intake.test_personal_data import (  # noqa: F401 (fixtures)
    app,
    client,
    database_bytes,
    db,
    erase,
    file,
    published,
)

FILENAME = "Zhang Xiaoming bank statement May.pdf"
ATTACHMENT = {"filename": FILENAME, "content_type": "application/pdf", "size_bytes": 2048,
              "sha256": "ab" * 32}


def test_an_attachments_file_name_is_published_sealed_and_the_rest_as_given(client, app):
    file(client, attachments=[ATTACHMENT])

    [(_, event), _classified] = published(app)

    assert isinstance(event, ComplaintReceived)
    [attachment] = event.attachments
    assert is_sealed(attachment.filename), attachment.filename
    assert (attachment.content_type, attachment.size_bytes, attachment.sha256) == (
        "application/pdf", 2048, "ab" * 32)
    assert app.vault.open("acme", "cust-7", attachment.filename) == FILENAME


def test_an_attachments_file_name_never_reaches_the_database_in_plaintext(client, db):
    file(client, attachments=[ATTACHMENT])

    assert FILENAME.encode() not in database_bytes(db)


def test_an_attachments_file_name_is_unreadable_after_erasure(client, app):
    file(client, attachments=[ATTACHMENT])
    assert erase(client).status_code == 200

    [(_, event), *_] = published(app)

    assert app.vault.open("acme", "cust-7", event.attachments[0].filename) is None
