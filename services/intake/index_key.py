"""The key of the contact-point index (CONTACT_INDEX_KEY), as every intake process reads it."""

from __future__ import annotations

from pathlib import Path

from runtime.tracking import tracking_key
from services.intake.config import IntakeSettings


def contact_index_key(settings: IntakeSettings, *, create: bool = True) -> bytes | None:
    """CONTACT_INDEX_KEY, else the random key kept in DATA_DIR (one machine only), made now
    when `create`; a tool that must leave no trace passes create=False and gets None when
    there is no key yet (so no index entry exists to be found)."""
    secret = settings.contact_index_key
    key_file = key_file_of(settings)
    if not create and secret is None and not key_file.is_file():
        return None
    return tracking_key(secret.get_secret_value() if secret else None, key_file,
                        variable="CONTACT_INDEX_KEY")


def key_file_of(settings: IntakeSettings) -> Path:
    return settings.data_dir / f"{settings.service}-contact-index.key"
