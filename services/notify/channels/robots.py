"""企业微信 (WeCom) and 钉钉 (DingTalk) group robots: a markdown message POSTed to the robot's
webhook URL (which carries its key, so it is a secret); both answer `{"errcode": 0}`.
DingTalk's robots with signing want `timestamp` (ms) and `sign` =
base64(HMAC-SHA256(secret, "<timestamp>\\n<secret>")) in the query."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from urllib.parse import quote_plus

from services.notify.channels.base import DeliveryError, Message, Secrets
from services.notify.channels.webhook import IDEMPOTENCY, post

Endpoints = Callable[[str], tuple[str, str | None]]


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """The `sign` query value of a signed DingTalk robot call."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256)
    return quote_plus(base64.b64encode(digest.digest()).decode())


def wecom_body(message: Message) -> dict:
    return {"msgtype": "markdown",
            "markdown": {"content": f"**{message.subject}**\n{message.text}"}}


def dingtalk_body(message: Message) -> dict:
    return {"msgtype": "markdown",
            "markdown": {"title": message.subject, "text": f"### {message.subject}\n"
                                                           f"{message.text}"}}


class _Robot:
    def __init__(self, secrets: Secrets, endpoints: Endpoints, *, timeout_s: float = 10.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.secrets, self.endpoints = secrets, endpoints
        self.timeout_s, self.clock = timeout_s, clock

    def _deliver(self, url: str, body: dict, message: Message) -> str:
        response = post(url, body, {IDEMPOTENCY: message.key}, self.timeout_s)
        answer = response.json() if response.content else {}
        if answer.get("errcode", 0) != 0:
            raise DeliveryError(f"robot errcode {answer.get('errcode')}: {answer.get('errmsg')}")
        return message.key


class WeComRobot(_Robot):
    def send(self, address: str, message: Message) -> str:
        url_secret, _ = self.endpoints(address)
        return self._deliver(self.secrets.get(url_secret), wecom_body(message), message)


class DingTalkRobot(_Robot):
    def send(self, address: str, message: Message) -> str:
        url_secret, signing_secret = self.endpoints(address)
        url = self.secrets.get(url_secret)
        if signing_secret:
            now_ms = int(self.clock() * 1000)
            sign = dingtalk_sign(self.secrets.get(signing_secret), now_ms)
            url += f"{'&' if '?' in url else '?'}timestamp={now_ms}&sign={sign}"
        return self._deliver(url, dingtalk_body(message), message)
