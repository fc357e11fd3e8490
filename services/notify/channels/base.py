"""What every channel provider takes and raises."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Message:
    """A rendered message; `key` is the same on every attempt (providers drop repeats by it)."""

    key: str
    subject: str
    text: str
    language: str
    template: str
    reference: str


class DeliveryError(Exception):
    """The provider did not accept the message; `permanent` ones are not retried."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Provider(Protocol):
    def send(self, address: str, message: Message) -> str:
        """Hand the message over; returns the provider's reference for it (blocking I/O)."""


class Secrets:
    """Credentials by name, only from the environment (NOTIFY_SECRET_<NAME>) or from files in
    a secrets folder (one file per name, as Kubernetes mounts them)."""

    def __init__(self, environ: dict[str, str], folder: str | None) -> None:
        self.environ, self.folder = environ, folder

    def get(self, name: str) -> str:
        key = "NOTIFY_SECRET_" + name.upper().replace("-", "_")
        if key in self.environ:
            return self.environ[key]
        if self.folder:
            from pathlib import Path

            path = Path(self.folder) / name
            if path.is_file():
                return path.read_text(encoding="utf-8").strip()
        raise DeliveryError(f"secret {name!r} is not configured", permanent=True)
