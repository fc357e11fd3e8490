"""WeChat template messages and SMS, through an HTTP gateway of the operator's (the platform
does not hold WeChat's app secret nor an SMS operator's account): a JSON POST with a bearer
token from secrets and the message's idempotency key, which the gateway uses to drop repeats."""

from __future__ import annotations

from services.notify.channels.base import Message, Secrets
from services.notify.channels.webhook import IDEMPOTENCY, post


class _Gateway:
    def __init__(self, secrets: Secrets, *, url: str, token_secret: str,
                 timeout_s: float = 10.0) -> None:
        self.secrets, self.url, self.token_secret = secrets, url, token_secret
        self.timeout_s = timeout_s

    def _post(self, body: dict, message: Message) -> str:
        headers = {IDEMPOTENCY: message.key,
                   "Authorization": f"Bearer {self.secrets.get(self.token_secret)}"}
        response = post(self.url, body, headers, self.timeout_s)
        answer = response.json() if response.content else {}
        return str(answer.get("id") or message.key)


class WeChatTemplate(_Gateway):
    """A 公众号 template message to the customer's openid."""

    def __init__(self, secrets: Secrets, *, url: str, token_secret: str, template_id: str,
                 timeout_s: float = 10.0) -> None:
        super().__init__(secrets, url=url, token_secret=token_secret, timeout_s=timeout_s)
        self.template_id = template_id

    def send(self, address: str, message: Message) -> str:
        return self._post({"touser": address, "template_id": self.template_id, "data": {
            "first": {"value": message.subject},
            "keyword1": {"value": message.reference},
            "remark": {"value": message.text},
        }}, message)


class Sms(_Gateway):
    def send(self, address: str, message: Message) -> str:
        return self._post({"phone": address, "text": message.text,
                           "language": message.language}, message)
