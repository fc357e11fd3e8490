"""Survey links: a survey's token is HMAC-SHA256 of its id under SURVEY_SECRET, so resolution
(which answers the survey by its token) and notify (which sends the customer the link) make the
same link from the survey id alone, and no store or published event ever holds the token."""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path

from runtime.tracking import tracking_key

# Without SURVEY_SECRET, the key resolution keeps in the shared DATA_DIR (one machine only).
KEY_FILE = "resolution-survey.key"


def survey_token(key: bytes, survey_id: str) -> str:
    """A survey's token: HMAC-SHA256 of its id under the key (256 bits, base64url), so only a
    holder of the key can make it."""
    digest = hmac.new(key, f"survey/{survey_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def survey_link(base_url: str, key: bytes, survey_id: str) -> str:
    """The customer's link to a survey: resolution's survey route with the survey's token."""
    return f"{base_url.rstrip('/')}/{survey_token(key, survey_id)}"


def survey_key(secret: str | None, data_dir: Path) -> bytes:
    """SURVEY_SECRET, else the key file in DATA_DIR that every service of this machine shares."""
    return tracking_key(secret, data_dir / KEY_FILE, variable="SURVEY_SECRET")
