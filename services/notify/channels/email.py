"""Email over SMTP: one MIME message per send, its Message-ID derived from the idempotency key,
so a repeat after a crash carries the same id and mail systems can drop it."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate

from services.notify.channels.base import DeliveryError, Message

DOMAIN = "notify.complaint-platform"


class SmtpEmail:
    def __init__(self, *, host: str, port: int, sender: str, username: str | None = None,
                 password: str | None = None, starttls: bool = False,
                 timeout_s: float = 10.0) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password, self.starttls = username, password, starttls
        self.timeout_s = timeout_s

    def send(self, address: str, message: Message) -> str:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = address
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(usegmt=True)
        mail["Message-ID"] = f"<{message.key}@{DOMAIN}>"
        mail["Content-Language"] = message.language
        mail.set_content(message.text, charset="utf-8")
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as error:
            raise DeliveryError(f"recipient refused: {error.recipients}", permanent=True) from error
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryError(f"smtp: {error!r}") from error
        return mail["Message-ID"]
