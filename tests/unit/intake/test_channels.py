"""Each channel's normaliser on realistic samples, and the clear refusal of what it cannot read."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from contracts.intake import Attachment, Channel
from services.intake.channels import (
    NORMALISERS,
    Unreadable,
    call_transcript,
    mail,
    social_post,
    store_form,
    third_party,
    web_form,
    wechat,
)
from services.intake.channels._common import pseudonym
from services.intake.domain import Customer

SAMPLES = Path(__file__).parent / "samples"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def sample_json(name: str) -> dict:
    return json.loads(sample(name))


def test_multipart_email_gives_sender_subject_plain_text_and_attachment_digest():
    submission = mail.normalise(sample("email_multipart_attachment.eml"))

    assert submission.channel is Channel.EMAIL
    assert submission.customer == Customer(
        id=pseudonym("email", "li.wei@example.cn"), name="李伟", contact="li.wei@example.cn"
    )
    assert submission.subject == "Refund for order 88-4411 not received – second request"
    assert submission.text == (
        "Hello,\n\nI returned the blender (order 88-4411) to your Xuhui store on 3 May and was"
        " told the refund of ¥899 would arrive within 7 days. It is now 27 June and nothing has"
        " been refunded. The return receipt is attached.\n\nPlease refund me this week or I"
        " will complain to 12315.\n\nLi Wei"
    )
    assert submission.external_reference == "20230627080241.3F2A1C0412@mail.example.cn"
    assert submission.attachments == (Attachment(
        filename="return-receipt-88-4411.pdf", content_type="application/pdf", size_bytes=142,
        sha256="93e31154c364805a3ef8c904bc257f5ef77600c31b67d392704cd6e1e9cd0657",
    ),)


def test_html_only_email_is_read_without_tags_scripts_or_styles():
    submission = mail.normalise(sample("email_html_only.eml"))

    assert submission.text == (
        "Dear support team,\n"
        'On July 3rd I noticed a charge of $1,249.00 from "TECHMART ONLINE" that I never made.\n'
        "I called on July 5th & was promised a call back — nobody called.\n"
        "Card ending 4432\nDispute reference D-559120\nPlease reverse the charge.\nMaria"
    )
    assert (submission.customer.name, submission.customer.contact) == (
        "Maria Hernandez", "Maria.Hernandez@example.com"
    )
    assert submission.customer.id == pseudonym("email", "maria.hernandez@example.com")
    assert submission.subject == "Unauthorized charge on my card ending 4432"
    assert submission.attachments == ()


def test_email_without_subject_takes_its_first_line():
    raw = b"From: a@example.com\r\nContent-Type: text/plain\r\n\r\nMy parcel never came.\r\nBye\r\n"
    assert mail.normalise(raw).subject == "My parcel never came."


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "the email is empty"),
        (b"just some words, no headers at all", "the email has no valid From address"),
        (b"From: not-an-address\r\n\r\nhello", "the email has no valid From address"),
        (
            b"From: a@example.com\r\nContent-Type: image/png\r\n\r\n\x89PNG",
            "the email has no text or HTML body",
        ),
        (
            b"From: a@example.com\r\nContent-Type: text/plain\r\n\r\n  \r\n",
            "the email body is empty",
        ),
    ],
)
def test_malformed_email_is_refused_with_the_reason(raw, reason):
    with pytest.raises(Unreadable) as refused:
        mail.normalise(raw)
    assert str(refused.value) == reason


def test_chinese_wechat_text_message():
    submission = wechat.normalise(sample("wechat_text.xml"))

    assert submission.channel is Channel.WECHAT
    assert submission.customer == Customer(id="wechat:oia2TjuEGTNoeX76QEjQNrcURxG8")
    assert submission.subject == (
        "你好，我6月3日在徐汇店买的破壁机退货后一直没有收到退款，订单号88-4411，"
        "客服电话打了三次都没人处理。"
    )
    assert submission.text.endswith("再不解决我就打12315投诉了。")
    assert len(submission.text) == 70
    assert (submission.external_reference, submission.channel_detail) == (
        "24163479920396742", "gh_7f083739789a"
    )


def test_wechat_voice_message_is_filed_with_its_recognised_text():
    submission = wechat.normalise(sample("wechat_voice.xml"))
    assert submission.text == "快递员把我的包裹放在门口被偷了，你们要负责赔偿。"
    assert submission.external_reference == "24163481234567890"


WECHAT = sample("wechat_text.xml").decode()


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("<xml><ToUserName>gh", "the WeChat message is not well-formed XML: "
                                "no element found: line 1, column 19"),
        (
            '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaa">]><xml>&a;</xml>',
            "the WeChat message declares a DTD or entities; refused",
        ),
        ("<message/>", "the WeChat message's root is <message>, not <xml>"),
        (WECHAT.replace("<MsgId>24163479920396742</MsgId>", ""),
         "the WeChat message lacks MsgId"),
        (WECHAT.replace("[CDATA[text]]", "[CDATA[image]]"),
         "a WeChat image message carries no complaint text"),
        ("<xml><ToUserName>gh_1</ToUserName><Encrypt>b64==</Encrypt></xml>",
         "the WeChat message is encrypted: the adapter must decrypt it first"),
        (b"\xff\xfe<xml/>", "the WeChat message is not UTF-8 text"),
    ],
)
def test_malformed_wechat_message_is_refused_with_the_reason(raw, reason):
    with pytest.raises(Unreadable) as refused:
        wechat.normalise(raw)
    assert str(refused.value) == reason


def test_call_transcript_keeps_the_customers_words_only():
    submission = call_transcript.normalise(sample("call_transcript.txt"))

    assert submission.channel is Channel.PHONE
    assert submission.text == (
        "Hi. I was charged twice for the same order, 88-4411, on my credit card.\n"
        "Both are 899 yuan, on the 3rd of June. Order: 88-4411, the second charge came an hour"
        " later.\n"
        "Thank you. Please make sure it does not happen again."
    )
    assert submission.customer == Customer(
        id=pseudonym("phone", "+8613800138000"), name="Zhang Xiaoming", contact="+8613800138000"
    )
    assert (submission.external_reference, submission.channel_detail) == (
        "CC-20230627-0042", "agent:agent-113"
    )
    assert submission.subject == (
        "Hi. I was charged twice for the same order, 88-4411, on my credit card."
    )


def test_chinese_transcript_with_full_width_colons():
    raw = (
        "Call-ID: CC-1\nCustomer-ID: cust-9\n\n"
        "坐席：您好，请问有什么可以帮您？\n客户：我的快递丢了。\n"
    )
    submission = call_transcript.normalise(raw)
    assert (submission.text, submission.customer.id, submission.channel_detail) == (
        "我的快递丢了。", "cust-9", None
    )


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("Agent-ID: a-1\nCaller: 123\n\nCustomer: hello", "the transcript has no Call-ID header"),
        ("Call-ID: c-1\nCaller: 123\n\nAgent: hello?", "the transcript has no customer lines"),
        ("Call-ID: c-1\n\nCustomer: hello", "the transcript names no Customer-ID or Caller number"),
        ("Call-ID: c-1\nnonsense\n\nCustomer: hi", "the transcript header line 'nonsense' is not"
                                                 " 'Name: value'"),
        ("Call-ID: c-1\nCaller: 1\n\nhello there", "the transcript line 'hello there' has no"
                                                  " known speaker"),
        ("   ", "the transcript is empty"),
    ],
)
def test_unreadable_transcript_is_refused_with_the_reason(raw, reason):
    with pytest.raises(Unreadable) as refused:
        call_transcript.normalise(raw)
    assert str(refused.value) == reason


def test_web_form():
    submission = web_form.normalise(sample_json("web_form.json"))

    assert submission.channel is Channel.WEB
    assert submission.customer == Customer(
        id="cust-958-20417", name="Maria Hernandez", contact="maria.hernandez@example.com",
        region="CA",
    )
    assert submission.subject == "Inquiry on my credit report that I did not make"
    assert submission.occurred_at == datetime(2023, 5, 30, tzinfo=UTC)
    assert (submission.external_reference, submission.product) == (
        "web-20230627-000413", "Credit reporting"
    )
    assert [a.filename for a in submission.attachments] == ["experian-report-2023-06-26.pdf"]


def test_app_form_is_the_web_form_on_the_app_channel():
    form = {"email": "Wang@Example.cn", "message": "App crashes when I pay.\nEvery time."}
    submission = NORMALISERS[Channel.APP].normalise(form)
    assert (submission.channel, submission.customer.id, submission.subject) == (
        Channel.APP, pseudonym("email", "wang@example.cn"), "App crashes when I pay."
    )


def test_form_without_any_customer_identity_is_refused():
    with pytest.raises(Unreadable, match="names no account_id, email or phone"):
        web_form.normalise({"message": "anonymous"})


def test_form_field_errors_name_the_field():
    with pytest.raises(ValidationError) as invalid:
        web_form.normalise({"account_id": "c-1", "occurred_on": "last week"})
    assert sorted((e["loc"], e["type"]) for e in invalid.value.errors()) == [
        (("message",), "missing"), (("occurred_on",), "date_from_datetime_parsing"),
    ]


def test_social_post():
    submission = social_post.normalise(sample_json("social_post.json"))

    assert submission.channel is Channel.SOCIAL
    assert submission.customer == Customer(
        id=pseudonym("weibo", "@小鹿爱吃瓜"), name="小鹿", contact="@小鹿爱吃瓜"
    )
    assert (submission.external_reference, submission.channel_detail) == (
        "weibo:4918472663451234", "weibo"
    )
    assert submission.subject == (
        "@某某家电官方 买的空调装了一周就不制冷，师傅来了三次都没修好，客服一直推脱。"
    )


def test_social_post_needs_a_web_address():
    post = {**sample_json("social_post.json"), "url": "javascript:alert(1)"}
    with pytest.raises(ValidationError) as invalid:
        social_post.normalise(post)
    assert [e["loc"] for e in invalid.value.errors()] == [("url",)]


def test_store_form():
    submission = store_form.normalise(sample_json("store_form.json"))

    assert submission.channel is Channel.STORE
    assert submission.customer == Customer(
        id=pseudonym("phone", "13912345678"), name="王芳", contact="139 1234 5678",
        region="Shanghai",
    )
    assert submission.subject == "购买的电饭煲内胆有裂纹，要求更换。"
    assert (submission.external_reference, submission.channel_detail) == (
        "SH-XH-021/F-2023-0612-004", "SH-XH-021"
    )
    assert submission.occurred_at == datetime(2023, 6, 12, tzinfo=UTC)


def test_third_party_ticket_keeps_the_customers_appeal():
    submission = third_party.normalise(sample_json("third_party.json"))

    assert submission.channel is Channel.THIRD_PARTY
    assert submission.customer == Customer(
        id="heimao:u-88213", name="不想再买了", contact="137****2211"
    )
    assert submission.subject == "购买的扫地机器人三个月就坏了，售后拒绝保修"
    assert submission.text.endswith("\n\n诉求 / Appeal: 免费维修或者退货退款")
    assert submission.external_reference == "heimao:17358912345"


@pytest.mark.parametrize("channel", [c for c in Channel if NORMALISERS[c].takes_json])
def test_json_channels_refuse_anything_but_an_object(channel):
    with pytest.raises(Unreadable, match="payload is a JSON object, not list"):
        NORMALISERS[channel].normalise(["not", "an", "object"])


def test_every_channel_has_a_normaliser():
    assert set(NORMALISERS) == set(Channel)
