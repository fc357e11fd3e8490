"""Sending: due messages once each, the survey after the resolution notice, retries with
backoff then a dead letter with the reason; the delivery record carries no body nor address."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from eventsourcing.persistence import StoredEvent
from prometheus_client import REGISTRY

from contracts.intake import Channel, CustomerErased
from contracts.notify import NotificationFailed, NotificationSent, NotifyChannel
from contracts.resolution import CustomerNotified
from runtime.attribution import FirstEvents
from services.notify import published
from services.notify.channels.base import DeliveryError, Message
from services.notify.delivery import Deliverer, Policy
from services.notify.domain import Status
from services.notify.templates import Templates
from tests.unit.notify.conftest import COMPLAINT, NOON, TENANT, Harness, rules_file
from tests.unit.notify.test_application import CUSTOMER, filed, warning

SURVEY_KEY = b"notify-test-survey-key"


class Outbox:
    """A provider that keeps what it was given, failing the first `failures` sends."""

    def __init__(self, failures: int = 0, permanent: bool = False) -> None:
        self.sent: list[tuple[str, Message]] = []
        self.failures, self.permanent = failures, permanent

    def send(self, address: str, message: Message) -> str:
        if self.failures:
            self.failures -= 1
            raise DeliveryError("451 try later", permanent=self.permanent)
        self.sent.append((address, message))
        return f"ref-{len(self.sent)}"


class Lease:
    def held(self) -> bool:
        return True

    def release(self) -> None: ...


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def deliverer(harness: Harness, clock: Clock, **providers: Outbox) -> Deliverer:
    outboxes = {channel: providers.get(channel.value, Outbox()) for channel in NotifyChannel}
    return Deliverer(app=harness.app, providers=outboxes, templates=Templates(),
                     rules=rules_file().current, lease=Lease(),
                     policy=Policy(survey_key=SURVEY_KEY, survey_base_url="https://c.example/s",
                                   max_attempts=3, backoff_s=60),
                     clock=clock)


def run_once(d: Deliverer) -> None:
    d.follow()
    for notification_id in d.due():
        d.deliver(notification_id)


def counted(channel: str, outcome: str) -> float:
    return REGISTRY.get_sample_value("notify_deliveries_total",
                                     {"channel": channel, "outcome": outcome}) or 0.0


def test_a_due_message_is_sent_once_and_recorded(harness: Harness):
    filed(harness)
    harness.deliver(warning())
    email = Outbox()
    d = deliverer(harness, Clock(NOON), email=email)
    before = counted("email", "sent")

    run_once(d)
    run_once(d)

    assert [(address, m.subject, m.language) for address, m in email.sent] == [
        ("agent-0142@example.com", "【CMP-7】时限预警", "zh")]
    assert {n.status for n in harness.app.notifications_of(COMPLAINT)} == {Status.SENT}
    assert counted("email", "sent") == before + 1


def test_a_poll_stands_at_the_last_event_stored_not_at_the_last_message(harness: Harness):
    """Else every poll would look again through the events after the last message."""
    filed(harness)  # the complaint's file and the records of consuming it: no message
    d = deliverer(harness, Clock(NOON))
    recorder = harness.app.recorder
    d.follow()
    assert d.pending == {}
    assert d.log.position == recorder.max_notification_id()

    harness.deliver(warning())  # after it, messages: found from there
    d.follow()
    assert len(d.pending) == 2
    assert d.log.position == recorder.max_notification_id()


def test_the_survey_waits_for_the_resolution_notice(harness: Harness):
    harness.app.register_contact(tenant=TENANT, customer_id=CUSTOMER,
                                 addresses={NotifyChannel.EMAIL: "li.lei@example.cn"},
                                 language=None)
    filed(harness)
    harness.deliver(CustomerNotified(complaint_id=COMPLAINT, channel=Channel.EMAIL,
                                     message_kind="resolution"))
    harness.deliver(CustomerNotified(complaint_id=COMPLAINT, channel=Channel.EMAIL,
                                     message_kind="survey", survey_id="sv-1"))
    email = Outbox(failures=1)
    clock = Clock(NOON)
    d = deliverer(harness, clock, email=email)

    run_once(d)  # the notice fails once; the survey must not overtake it
    assert email.sent == []
    clock.now = NOON + timedelta(seconds=61)
    run_once(d)
    clock.now += timedelta(seconds=1)
    run_once(d)

    assert [(address, m.template, m.text) for address, m in email.sent] == [
        ("li.lei@example.cn", "resolution_notice",
         "尊敬的客户，您的投诉 CMP-7 已处理完毕，处理结果可在投诉页面查看。"),
        ("li.lei@example.cn", "survey",
         # The survey's token under SURVEY_KEY: HMAC-SHA256 of "survey/sv-1", base64url.
         "请对投诉 CMP-7 的处理进行满意度评价："
         "https://c.example/s/NtV4s6oT43E8SKNpb7TwGBTtWuZqe1T7vnWgvxyiz-U")]


def test_failures_retry_with_doubling_backoff_then_dead_letter_with_the_reason(
        harness: Harness):
    filed(harness)
    harness.deliver(warning())
    email = Outbox(failures=3)
    clock = Clock(NOON)
    d = deliverer(harness, clock, email=email)
    failed_before = counted("email", "failed")

    run_once(d)
    first = next(n for n in harness.app.notifications_of(COMPLAINT) if n.channel == "email")
    assert (first.attempts, first.next_try) == (1, NOON + timedelta(seconds=60))
    clock.now = NOON + timedelta(seconds=60)
    run_once(d)
    assert harness.app.notification(first.id).next_try == clock.now + timedelta(seconds=120)
    clock.now += timedelta(seconds=120)
    run_once(d)

    final = harness.app.notification(first.id)
    assert (final.status, final.attempts, final.reason) == (Status.FAILED, 3, "451 try later")
    assert counted("email", "failed") == failed_before + 1
    record = published.translator(source="/services/notify", app=harness.app)
    last = list(harness.app.events.get(first.id))[-1]
    envelope = record(last)
    assert envelope.type == NotificationFailed.event_type
    assert envelope.data["reason"] == "451 try later"
    assert envelope.data["attempts"] == 3


def test_nothing_goes_out_in_quiet_hours(harness: Harness):
    filed(harness)
    night = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    harness.deliver(warning(), at=night)
    email = Outbox()
    clock = Clock(night)
    d = deliverer(harness, clock, email=email)

    run_once(d)
    assert email.sent == []
    clock.now = datetime(2026, 12, 5, 0, 0, tzinfo=UTC)  # 08:00
    run_once(d)

    assert len(email.sent) == 1


def test_a_message_to_an_erased_customer_fails_for_good_without_an_address(harness: Harness):
    harness.app.register_contact(tenant=TENANT, customer_id=CUSTOMER,
                                 addresses={NotifyChannel.SMS: "+8613800000000"}, language="zh")
    filed(harness)
    harness.deliver(CustomerNotified(complaint_id=COMPLAINT, channel=Channel.PHONE,
                                     message_kind="resolution"))
    harness.deliver(CustomerErased(customer_id=CUSTOMER, erased_at=NOON, reason="requested"))
    sms = Outbox()

    run_once(deliverer(harness, Clock(NOON), sms=sms))

    (notice,) = harness.app.notifications_of(COMPLAINT)
    assert sms.sent == []
    assert (notice.status, notice.reason) == (
        Status.FAILED, "the customer's address is erased or unknown")


def test_the_delivery_record_names_recipient_and_channel_but_no_body_nor_address(
        harness: Harness):
    harness.app.register_contact(tenant=TENANT, customer_id=CUSTOMER,
                                 addresses={NotifyChannel.EMAIL: "li.lei@example.cn"},
                                 language="en")
    filed(harness)
    harness.deliver(CustomerNotified(complaint_id=COMPLAINT, channel=Channel.EMAIL,
                                     message_kind="resolution"))
    run_once(deliverer(harness, Clock(NOON)))
    (notice,) = harness.app.notifications_of(COMPLAINT)

    envelope = published.translator(
        source="/services/notify", app=harness.app)(list(harness.app.events.get(notice.id))[-1])

    assert envelope.type == NotificationSent.event_type
    assert envelope.subject == COMPLAINT
    assert {k: envelope.data[k] for k in ("recipient", "role", "channel", "template",
                                          "language", "attempts", "rule_id")} == {
        "recipient": "customer", "role": "customer", "channel": "email",
        "template": "resolution_notice", "language": "en", "attempts": 1,
        "rule_id": "resolution-notice"}
    assert "li.lei" not in envelope.model_dump_json()
    assert "resolved" not in envelope.model_dump_json()


def test_a_permanent_refusal_is_not_retried(harness: Harness):
    filed(harness)
    harness.deliver(warning())
    email = Outbox(failures=1, permanent=True)

    run_once(deliverer(harness, Clock(NOON), email=email))

    statuses = {n.channel: (n.status, n.attempts) for n in
                harness.app.notifications_of(COMPLAINT)}
    assert statuses["email"] == (Status.FAILED, 1)


def test_the_delivery_record_is_published_from_its_event_alone_and_an_old_one_as_of_it(
        harness: Harness):
    harness.app.register_contact(tenant=TENANT, customer_id=CUSTOMER,
                                 addresses={NotifyChannel.EMAIL: "li.lei@example.cn"},
                                 language="en")
    filed(harness)
    harness.deliver(CustomerNotified(complaint_id=COMPLAINT, channel=Channel.EMAIL,
                                     message_kind="resolution"))
    run_once(deliverer(harness, Clock(NOON)))
    (notice,) = harness.app.notifications_of(COMPLAINT)
    stored = [n for n in harness.app.recorder.select_notifications(None, 1000)
              if n.originator_id == notice.id][-1]
    read_back = published.translator(source="/services/notify", app=harness.app,
                                     first_events=FirstEvents(harness.app.events,
                                                              service="notify-test"))
    pure = published.translator(source="/services/notify", app=None)  # nothing to read back

    envelope = pure(harness.app.mapper.to_domain_event(stored))
    state = harness.app.mapper.transcoder.decode(stored.state)
    for name in ("delivery", "tenant", "complaint_id", "class_version"):  # as version 1 stored
        del state[name]
    old = harness.app.mapper.to_domain_event(StoredEvent(
        originator_id=stored.originator_id, originator_version=stored.originator_version,
        topic=stored.topic, state=harness.app.mapper.transcoder.encode(state)))

    assert (envelope.type, envelope.subject, envelope.tenant) == (
        NotificationSent.event_type, COMPLAINT, TENANT)
    assert old.delivery is None
    assert read_back(old).model_dump(exclude={"traceparent", "tracestate"}) \
        == envelope.model_dump(exclude={"traceparent", "tracestate"})
