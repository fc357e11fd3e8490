"""A configuration file that is re-read when it changes, checked before each use."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

from runtime.yaml_nodes import ConfigFileError

T = TypeVar("T")
log = logging.getLogger(__name__)


class WatchedFile(Generic[T]):
    """Holds the last valid parse of a file; a changed file (mtime, size) is parsed anew.

    A file that turns invalid while the service runs does not stop it: the last valid
    version stays in force and `error` says what is wrong, until the file is fixed.
    """

    def __init__(self, path: Path, parse: Callable[[bytes, str], T]) -> None:
        self.path = Path(path)
        self.parse = parse
        self.error: ConfigFileError | None = None
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._value: T | None = None

    def current(self) -> T:
        """The value in force, re-read first if the file changed since it was last read."""
        with self._lock:
            stamp = self._stat()
            if stamp != self._stamp or self._value is None:
                try:
                    self._load(stamp)
                except ConfigFileError as error:
                    if self._value is None:
                        raise
                    self._stamp, self.error = stamp, error
                    log.error("invalid file kept out of force: %s", error)
            assert self._value is not None
            return self._value

    def reload(self) -> T:
        """Read the file now; an invalid file raises ConfigFileError and changes nothing."""
        with self._lock:
            self._load(self._stat())
            assert self._value is not None
            return self._value

    def _load(self, stamp: tuple[int, int]) -> None:
        value = self.parse(self.path.read_bytes(), self.path.name)
        self._value, self._stamp, self.error = value, stamp, None

    def _stat(self) -> tuple[int, int]:
        stat = self.path.stat()
        return stat.st_mtime_ns, stat.st_size
