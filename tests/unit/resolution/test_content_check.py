"""Evidence bytes are sniffed: the declared type must match, and markup is never accepted."""

from __future__ import annotations

import pytest

from services.resolution.domain.content_check import (
    ContentMismatch,
    MarkupRefused,
    check_content,
)
from services.resolution.domain.investigation import UnsupportedContentType

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
EMAIL = (b"From: customer@example.com\r\nSubject: my refund\r\n"
         b"Content-Type: multipart/alternative; boundary=x\r\n\r\n--x\r\n"
         b"Content-Type: text/html\r\n\r\n<html><body>Where is it?</body></html>\r\n--x--\r\n")


@pytest.mark.parametrize(("declared", "content"), [
    ("image/png", PNG),
    ("IMAGE/PNG; charset=binary", PNG),
    ("application/pdf", b"%PDF-1.7\n"),
    ("audio/mpeg", b"ID3\x03\x00voice"),
    ("text/plain", "客户说包裹没有送到 <- 原话".encode()),
    ("text/csv", b"date,amount\n2026-01-01,12.00\n"),
    ("message/rfc822", EMAIL),
])
def test_files_that_are_what_they_say_are_accepted(declared: str, content: bytes) -> None:
    check_content(declared, content)


@pytest.mark.parametrize(("declared", "content"), [
    ("image/png", b"<!DOCTYPE html><html><body>hi</body></html>"),
    ("image/png", b"\xef\xbb\xbf  <svg xmlns='http://www.w3.org/2000/svg' onload='x()'/>"),
    ("image/gif", "<html><script>x()</script>".encode("utf-16")),
    ("text/plain", b"Dear team,\n<script>document.location='//evil'</script>"),
    ("text/csv", b"<?xml version='1.0'?><x/>"),
    ("message/rfc822", b"<html><body>not an e-mail</body></html>"),
    ("application/pdf", b"  <a href='javascript:alert(1)'>statement</a>"),
])
def test_markup_is_refused_whatever_the_declared_type(declared: str, content: bytes) -> None:
    with pytest.raises(MarkupRefused):
        check_content(declared, content)


@pytest.mark.parametrize(("declared", "content", "message"), [
    ("image/png", b"%PDF-1.7", "the file's content is application/pdf, not the declared "
                               "image/png"),
    ("text/plain", PNG, "the file's content is image/png, not the declared text/plain"),
    ("text/csv", b"a,b\x00\x01", "the file's content is binary, not the declared text/csv"),
    ("audio/mpeg", b"not audio at all", "the file's content is unrecognised, not the "
                                        "declared audio/mpeg"),
])
def test_bytes_of_another_type_are_refused(declared: str, content: bytes, message: str) -> None:
    with pytest.raises(ContentMismatch) as refused:
        check_content(declared, content)
    assert str(refused.value) == message


def test_a_type_not_accepted_as_evidence_is_refused_before_sniffing() -> None:
    with pytest.raises(UnsupportedContentType):
        check_content("text/html", b"<html></html>")
