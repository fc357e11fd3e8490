"""Webhook signatures (HMAC-SHA256 over timestamp and body, with a replay window) and the
robots' formats."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import unquote_plus

import httpx
import pytest

from services.notify.channels.base import DeliveryError, Message, Secrets
from services.notify.channels.robots import DingTalkRobot, dingtalk_sign, wecom_body
from services.notify.channels.webhook import SignedWebhook, sign, verify

BODY = b'{"id":"n-1"}'
MESSAGE = Message(key="n-1", subject="【CMP-7】已超时", text="投诉 CMP-7 已超时。", language="zh",
                  template="sla_breach", reference="CMP-7")


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body():
    expected = hmac.new(b"k", b"1700000000." + BODY, hashlib.sha256).hexdigest()

    assert sign("k", 1_700_000_000, BODY) == f"sha256={expected}"


def test_a_receiver_accepts_a_fresh_authentic_webhook():
    assert verify("k", "1700000000", BODY, sign("k", 1_700_000_000, BODY), now=1_700_000_100)


@pytest.mark.parametrize(("secret", "timestamp", "body", "now"), [
    ("other", "1700000000", BODY, 1_700_000_000),           # another key
    ("k", "1700000000", b'{"id":"n-2"}', 1_700_000_000),    # body changed
    ("k", "1700000001", BODY, 1_700_000_000),               # timestamp changed
    ("k", "1700000000", BODY, 1_700_000_301),               # replayed after the window
    ("k", "soon", BODY, 1_700_000_000),                     # not a timestamp
])
def test_a_receiver_refuses_a_forged_altered_or_replayed_webhook(secret, timestamp, body, now):
    signature = sign("k", 1_700_000_000, BODY)

    assert not verify(secret, timestamp, body, signature, now=now)


def test_the_sender_signs_what_it_sends_and_keeps_the_key_per_message(monkeypatch):
    seen: list[httpx.Request] = []

    def fake_post(url, *, content, headers, timeout):
        seen.append(httpx.Request("POST", url, content=content, headers=headers))
        return httpx.Response(204, request=seen[-1])

    monkeypatch.setattr(httpx, "post", fake_post)
    secrets = Secrets({"NOTIFY_SECRET_HOOK_URL": "http://hook.test/in",
                       "NOTIFY_SECRET_HOOK_KEY": "s3cret"}, None)
    hook = SignedWebhook(secrets, lambda name: ("hook_url", "hook_key"),
                         clock=lambda: 1_700_000_000)

    hook.send("oncall", MESSAGE)

    request = seen[0]
    assert request.headers["Idempotency-Key"] == "n-1"
    assert request.headers["X-Notify-Timestamp"] == "1700000000"
    assert verify("s3cret", "1700000000", request.content,
                  request.headers["X-Notify-Signature"], now=1_700_000_000)
    assert json.loads(request.content)["subject"] == "【CMP-7】已超时"


def test_dingtalk_sign_is_base64_hmac_of_timestamp_newline_secret():
    raw = hmac.new(b"SEC", b"1700000000000\nSEC", hashlib.sha256).digest()

    assert unquote_plus(dingtalk_sign("SEC", 1_700_000_000_000)) == base64.b64encode(raw).decode()


def test_dingtalk_robot_signs_the_url_and_a_nonzero_errcode_is_a_failure(monkeypatch):
    urls: list[str] = []

    def fake_post(url, *, json, headers, timeout):
        urls.append(url)
        return httpx.Response(200, json={"errcode": 310000, "errmsg": "sign not match"})

    monkeypatch.setattr(httpx, "post", fake_post)
    secrets = Secrets({"NOTIFY_SECRET_D_URL": "https://robot.test/send?access_token=t",
                       "NOTIFY_SECRET_D_SIGN": "SEC"}, None)
    robot = DingTalkRobot(secrets, lambda name: ("d_url", "d_sign"), clock=lambda: 1_700_000_000)

    with pytest.raises(DeliveryError, match="errcode 310000"):
        robot.send("ops", MESSAGE)
    assert urls == [f"https://robot.test/send?access_token=t&timestamp=1700000000000&sign="
                    f"{dingtalk_sign('SEC', 1_700_000_000_000)}"]


def test_wecom_markdown_body():
    assert wecom_body(MESSAGE) == {"msgtype": "markdown", "markdown": {
        "content": "**【CMP-7】已超时**\n投诉 CMP-7 已超时。"}}


def test_a_secret_comes_from_the_environment_or_a_file_and_nowhere_else(tmp_path):
    (tmp_path / "smtp_password").write_text("from-file\n")
    secrets = Secrets({"NOTIFY_SECRET_SMS_TOKEN": "from-env"}, str(tmp_path))

    assert secrets.get("sms_token") == "from-env"
    assert secrets.get("smtp_password") == "from-file"
    with pytest.raises(DeliveryError, match="'missing' is not configured"):
        secrets.get("missing")
