"""Evidence files in a content-addressed, write-once store: the path is the SHA-256."""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path


def sha256_of(content: bytes) -> str:
    """Hex SHA-256 of the content."""
    return hashlib.sha256(content).hexdigest()


class EvidenceStore:
    """Files under `root/ab/cd/<sha256>`; a file is never rewritten, and verified on read."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, digest: str) -> Path:
        """Where the content with this hash lives."""
        return self.root / digest[:2] / digest[2:4] / digest

    def put(self, content: bytes) -> str:
        """Store the content once and return its hash; storing it again changes nothing."""
        digest = sha256_of(content)
        path = self.path_for(digest)
        if path.exists():
            self.read(digest)  # an existing copy must still be intact
            return digest
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = path.with_name(f".{digest}.{uuid.uuid4().hex}.tmp")
        try:
            with staging.open("xb") as file:
                file.write(content)
                file.flush()
                os.fsync(file.fileno())
            staging.chmod(0o444)
            # A hard link fails if the name exists: two replicas storing the same file at
            # once leave the first copy in place, never a half-written one.
            try:
                os.link(staging, path)
            except FileExistsError:
                self.read(digest)
        finally:
            staging.unlink(missing_ok=True)
        return digest

    def read(self, digest: str) -> bytes:
        """The content with this hash (MissingEvidence; TamperedEvidence if it changed)."""
        try:
            content = self.path_for(digest).read_bytes()
        except FileNotFoundError:
            raise MissingEvidence(f"no stored file {digest}") from None
        actual = sha256_of(content)
        if actual != digest:
            raise TamperedEvidence(f"stored file {digest} now hashes to {actual}")
        return content


class MissingEvidence(Exception):
    """The store has no file with this hash."""


class TamperedEvidence(Exception):
    """The stored file does not match its hash: it was changed after it was written."""
