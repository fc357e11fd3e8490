"""What notify's integration tests send to: a real SMTP server (aiosmtpd) and a local HTTP
receiver standing in for webhook receivers and the WeCom and DingTalk robots. Both keep every
delivery, repeats included, so a test can count them."""

from __future__ import annotations

import email
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from aiosmtpd.controller import Controller

from services.notify.channels.robots import dingtalk_sign
from services.notify.channels.webhook import IDEMPOTENCY, SIGNATURE, TIMESTAMP, verify
from tests.processes import free_port


@dataclass
class Mailbox:
    """Every message the SMTP server accepted: (recipient, parsed MIME message)."""

    received: list[tuple[str, EmailMessage]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=default)
        with self.lock:
            self.received += [(rcpt, message) for rcpt in envelope.rcpt_tos]
        return "250 OK"

    def snapshot(self) -> list[tuple[str, EmailMessage]]:
        with self.lock:
            return list(self.received)


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@dataclass(frozen=True)
class Hit:
    path: str
    key: str
    body: dict
    authentic: bool  # signature (webhook) or sign (DingTalk) checked with the shared secret


@dataclass
class Receiver:
    hook_secret: str
    dingtalk_secret: str
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def snapshot(self) -> list[Hit]:
        with self.lock:
            return list(self.hits)


@contextmanager
def http_receiver(hook_secret: str = "hook-secret",
                  dingtalk_secret: str = "SECdingtalk") -> Iterator[tuple[Receiver, int]]:
    receiver, port = Receiver(hook_secret, dingtalk_secret), free_port()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            url = urlparse(self.path)
            authentic = True
            if url.path == "/hook":
                authentic = verify(receiver.hook_secret, self.headers.get(TIMESTAMP, ""), raw,
                                   self.headers.get(SIGNATURE, ""), now=time.time())
            elif url.path == "/dingtalk":
                query = parse_qs(url.query)
                stamp = int(query["timestamp"][0])
                authentic = (dingtalk_sign(receiver.dingtalk_secret, stamp) ==
                             _requoted(query["sign"][0]))
            with receiver.lock:
                receiver.hits.append(Hit(url.path, self.headers.get(IDEMPOTENCY, ""),
                                         json.loads(raw), authentic))
            answer = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver, port
    finally:
        server.shutdown()
        server.server_close()


def _requoted(value: str) -> str:
    from urllib.parse import quote_plus
    return quote_plus(value)


def wait_for(check: Callable[[], bool], what: str, timeout_s: float = 90) -> None:
    """Poll until check() holds; fail naming what never happened."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")
