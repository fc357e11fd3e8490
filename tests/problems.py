"""Reading error answers, which every service gives as RFC 9457 problems (runtime.problems)."""

from __future__ import annotations

from typing import Any

from runtime.problems import MEDIA_TYPE

STANDARD = ("type", "title", "status", "instance")


def reason(response: Any) -> dict[str, Any]:
    """A problem answer without its standard members: `detail` and any extension members, what
    the services answered before problems. Fails unless the answer is a problem of its status."""
    assert response.headers["content-type"] == MEDIA_TYPE, response.headers["content-type"]
    body = response.json()
    assert body["status"] == response.status_code, body
    assert body["type"].startswith("https://complaints.invalid/problems/"), body
    return {key: value for key, value in body.items() if key not in STANDARD}


def kind(response: Any) -> tuple[int, str]:
    """A problem answer's status and type slug (`not-found`); fails unless it is a problem."""
    reason(response)
    return response.status_code, response.json()["type"].removeprefix(
        "https://complaints.invalid/problems/")
