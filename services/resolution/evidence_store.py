"""Evidence files in a content-addressed, write-once store: the path is the SHA-256 of the
content, within the folder of its case; what is written may be sealed (resolution.personal)."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable
from pathlib import Path

Opener = Callable[[bytes], bytes | None]


def sha256_of(content: bytes) -> str:
    """Hex SHA-256 of the content."""
    return hashlib.sha256(content).hexdigest()


class EvidenceStore:
    """Files under `root/ab/cd/<sha256>`; a file is never rewritten, and verified on read."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, digest: str, folder: str = "") -> Path:
        """Where the content with this hash lives (files stored before folders: no folder)."""
        return self.root.joinpath(*filter(None, [folder]), digest[:2], digest[2:4], digest)

    def put(self, content: bytes, *, stored: bytes | None = None, folder: str = "",
            open_: Opener = bytes) -> str:
        """Store the content once (as `stored`, e.g. sealed) and return its hash; storing it
        again changes nothing."""
        digest = sha256_of(content)
        path = self.path_for(digest, folder)
        if path.exists():
            self.read(digest, folder=folder, open_=open_)  # an existing copy must be intact
            return digest
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = path.with_name(f".{digest}.{uuid.uuid4().hex}.tmp")
        try:
            with staging.open("xb") as file:
                file.write(content if stored is None else stored)
                file.flush()
                os.fsync(file.fileno())
            staging.chmod(0o444)
            # A hard link fails if the name exists: two replicas storing the same file at
            # once leave the first copy in place, never a half-written one.
            try:
                os.link(staging, path)
            except FileExistsError:
                self.read(digest, folder=folder, open_=open_)
        finally:
            staging.unlink(missing_ok=True)
        return digest

    def read(self, digest: str, *, folder: str = "", open_: Opener = bytes) -> bytes:
        """The content with this hash (MissingEvidence; ErasedEvidence once its key is gone;
        TamperedEvidence if it changed)."""
        try:
            stored = self.path_for(digest, folder).read_bytes()
        except FileNotFoundError:
            try:
                stored = self.path_for(digest).read_bytes()
            except FileNotFoundError:
                raise MissingEvidence(f"no stored file {digest}") from None
        content = open_(stored)
        if content is None:
            raise ErasedEvidence(f"stored file {digest} was erased with its customer")
        actual = sha256_of(content)
        if actual != digest:
            raise TamperedEvidence(f"stored file {digest} now hashes to {actual}")
        return content


class MissingEvidence(Exception):
    """The store has no file with this hash."""


class TamperedEvidence(Exception):
    """The stored file does not match its hash: it was changed after it was written."""


class ErasedEvidence(Exception):
    """The file was sealed with a key that the customer's erasure destroyed."""
