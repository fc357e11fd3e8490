"""Email: a real RFC 5322 message -> Submission (sender, subject, plain text, attachments)."""

from __future__ import annotations

import hashlib
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from html.parser import HTMLParser

from contracts.intake import Attachment, Channel
from services.intake.channels._common import Unreadable, pseudonym, subject_from
from services.intake.domain import Customer, Submission

MAX_REFERENCE = 128


def normalise(raw: bytes) -> Submission:
    """Parse a whole email (headers and MIME body) into a submission."""
    if not isinstance(raw, bytes | bytearray) or not raw.strip():
        raise Unreadable("the email is empty")
    message = BytesParser(_class=EmailMessage, policy=policy.default).parsebytes(bytes(raw))
    name, address = sender(message)
    text = body_text(message)
    return Submission(
        channel=Channel.EMAIL,
        customer=Customer(id=pseudonym("email", address), name=name, contact=address),
        subject=str(message.get("Subject") or "").strip() or subject_from(text),
        text=text,
        external_reference=message_reference(message),
        attachments=tuple(attachments(message)),
    )


def sender(message: EmailMessage) -> tuple[str | None, str]:
    """The sender's display name (if any) and address, from From (or Sender)."""
    for header in ("From", "Sender"):
        value = message.get(header)
        addresses = getattr(value, "addresses", ()) if value is not None else ()
        for address in addresses:
            if "@" in address.addr_spec and address.domain:
                return address.display_name or None, address.addr_spec
    raise Unreadable("the email has no valid From address")


def body_text(message: EmailMessage) -> str:
    """The plain text of the message: text/plain if present, else its HTML without tags."""
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        raise Unreadable("the email has no text or HTML body")
    try:
        content = body.get_content()
    except (LookupError, UnicodeError) as error:
        raise Unreadable(f"the email body cannot be decoded: {error}") from error
    if body.get_content_type() == "text/html":
        content = html_to_text(content)
    text = "\n".join(content.strip().splitlines())  # CRLF on the wire, "\n" in the text
    if not text:
        raise Unreadable("the email body is empty")
    return text


def attachments(message: EmailMessage) -> list[Attachment]:
    """Metadata (name, type, size, sha256) of every attachment; their bytes are not kept."""
    found = []
    for number, part in enumerate(message.iter_attachments(), start=1):
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):  # e.g. an attached message/rfc822
            data = part.as_bytes()
        found.append(Attachment(
            filename=part.get_filename() or f"attachment-{number}",
            content_type=part.get_content_type(),
            size_bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        ))
    return found


def message_reference(message: EmailMessage) -> str | None:
    """The Message-ID, so a resent copy of the same email files once."""
    message_id = str(message.get("Message-ID") or "").strip().strip("<>")
    if not message_id:
        return None
    if len(message_id) > MAX_REFERENCE:
        return "sha256:" + hashlib.sha256(message_id.encode()).hexdigest()
    return message_id


def html_to_text(html: str) -> str:
    """Readable text of an HTML body: tags, scripts and styles gone, one line per block."""
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


class _TextOfHtml(HTMLParser):
    BLOCKS = frozenset({
        "p", "div", "br", "li", "tr", "table", "blockquote", "section", "article",
        "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "pre", "hr",
    })
    HIDDEN = frozenset({"script", "style", "head", "title", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)
