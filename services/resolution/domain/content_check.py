"""Whether an evidence file is what its declared type says: the bytes are sniffed, not trusted.

A file declared `image/png` must begin like a PNG; a text type (plain text, CSV, an e-mail)
has no magic bytes, so it must at least not be binary nor markup. Markup (HTML, SVG, XML,
script) is refused whatever the declared type: a browser that sniffs would run it.
Pure: `filetype` only reads the bytes it is given.
"""

from __future__ import annotations

from collections.abc import Mapping

import filetype

from services.resolution.domain.errors import Invalid
from services.resolution.domain.investigation import evidence_kind

OLE = frozenset({"application/msword", "application/vnd.ms-excel",
                 "application/vnd.ms-powerpoint"})  # one container: told apart unreliably
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# What the sniffer may name for each declared type that has magic bytes.
SNIFFED_AS: Mapping[str, frozenset[str]] = {
    "image/jpeg": frozenset({"image/jpeg"}),
    "image/png": frozenset({"image/png", "image/apng"}),
    "image/gif": frozenset({"image/gif"}),
    "image/webp": frozenset({"image/webp"}),
    "image/heic": frozenset({"image/heic", "image/avif"}),
    "image/tiff": frozenset({"image/tiff"}),
    "audio/mpeg": frozenset({"audio/mpeg"}),
    "audio/wav": frozenset({"audio/x-wav"}),
    "audio/x-wav": frozenset({"audio/x-wav"}),
    "audio/ogg": frozenset({"audio/ogg"}),
    "audio/mp4": frozenset({"audio/mp4", "video/mp4"}),
    "audio/amr": frozenset({"audio/amr"}),
    "audio/webm": frozenset({"video/webm", "video/x-matroska"}),
    "audio/aac": frozenset({"audio/aac"}),
    "application/pdf": frozenset({"application/pdf"}),
    "application/msword": OLE,
    "application/vnd.ms-excel": OLE,
    DOCX: frozenset({DOCX, "application/zip"}),  # an OOXML file is a zip the sniffer may not
    XLSX: frozenset({XLSX, "application/zip"}),  # look far enough into
}
TEXT = frozenset({"text/plain", "text/csv", "message/rfc822"})  # no magic bytes

SNIFF_BYTES = 1024
# The WHATWG MIME sniffing standard's "scriptable" signatures, and SVG/XML: a document that
# begins with one of them is rendered as markup by a browser that sniffs.
MARKUP_STARTS = (b"<!doctype html", b"<html", b"<head", b"<script", b"<iframe", b"<h1", b"<div",
                 b"<font", b"<table", b"<a ", b"<a>", b"<style", b"<title", b"<b ", b"<b>",
                 b"<body", b"<br", b"<p ", b"<p>", b"<!--", b"<?xml", b"<svg")
# Anywhere in the first bytes of a text file: old browsers sniffed that far.
MARKUP_INSIDE = (b"<script", b"<html", b"<svg", b"<iframe", b"<body", b"javascript:")
BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def declared_type(content_type: str) -> str:
    """The media type without parameters, lower case: "Image/PNG; q=1" -> "image/png"."""
    return content_type.split(";")[0].strip().lower()


def check_content(content_type: str, content: bytes) -> None:
    """Raise unless content is of the declared, accepted type (UnsupportedContentType,
    MarkupRefused, ContentMismatch)."""
    evidence_kind(content_type)
    declared = declared_type(content_type)
    sniffed = filetype.guess_mime(content[:8192])
    text = declared in TEXT
    if is_markup(content, anywhere=declared != "message/rfc822") and (text or sniffed is None):
        raise MarkupRefused("the file holds markup (HTML, SVG, XML or script), which is not "
                            "accepted as evidence")
    if text:
        binary = sniffed is not None or b"\x00" in content[:SNIFF_BYTES]
        sniffed, matches = (sniffed or "binary") if binary else declared, not binary
    else:
        sniffed, matches = sniffed or "unrecognised", sniffed in SNIFFED_AS[declared]
    if not matches:
        raise ContentMismatch("the file's content is {sniffed}, not the declared {declared}",
                              sniffed=sniffed, declared=declared)


def is_markup(content: bytes, *, anywhere: bool) -> bool:
    """Whether a browser could take the content for HTML, SVG or XML."""
    head = content[:SNIFF_BYTES]
    for bom in BOMS:
        head = head.removeprefix(bom)
    head = head.replace(b"\x00", b"").lstrip().lower()  # UTF-16 markup reads as ASCII here
    return head.startswith(MARKUP_STARTS) or (
        anywhere and any(marker in head for marker in MARKUP_INSIDE))


class ContentMismatch(Invalid):
    """The file's bytes are not of the type it was declared as."""


class MarkupRefused(Invalid):
    """The file is markup that a browser would render or run."""
