"""Small process and network helpers shared by the local Kafka and PostgreSQL launchers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import subprocess
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[2]
LOCAL = REPO / ".local"


def free_ports(count: int = 1) -> list[int]:
    """count distinct TCP ports on 127.0.0.1 that nothing listens on right now."""
    with contextlib.ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in socks:  # all bound at once, so the kernel cannot hand out one port twice
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in socks]


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    """Whether something accepts TCP connections at host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion on a private loop, leaving any current loop alone."""
    # asyncio.run() would reset the thread's current loop, which pytest-asyncio relies on.
    with asyncio.Runner(loop_factory=asyncio.new_event_loop) as runner:
        return runner.run(coro)


class CommandError(RuntimeError):
    """A helper command of the local stack failed."""


def run_checked(cmd: list[str], **kwargs: Any) -> str:
    """Run cmd and return its stdout; raise CommandError with its output when it fails."""
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)
    if done.returncode != 0:
        output = f"{done.stdout}{done.stderr}"
        raise CommandError(f"{' '.join(cmd)} exited with {done.returncode}:\n{output}")
    return done.stdout


def log_tail(path: Path, lines: int = 40) -> str:
    """The last lines of a log file without Java stack frames, or a note that it is missing."""
    if not path.exists():
        return f"(no log at {path})"
    # Stack frames would crowd out the lines that say what went wrong.
    text = path.read_text(errors="replace").splitlines()
    return "\n".join([line for line in text if not line.startswith("\tat ")][-lines:])


def process_alive(pid: int) -> bool:
    """Whether pid runs (reaping it first if it is our exited child)."""
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    with contextlib.suppress(OSError):
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return True


def process_cmdline(pid: int) -> str:
    """The command line of pid with spaces between arguments, or '' when it is gone."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def terminate(pid: int, timeout: float = 30.0) -> None:
    """SIGTERM pid, wait up to timeout for it to exit, then SIGKILL it."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10.0)):
        if not process_alive(pid):
            return
        log.info("sending %s to pid %d", sig.name, pid, extra={"pid": pid, "signal": sig.name})
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and process_alive(pid):
            time.sleep(0.2)
    if process_alive(pid):
        raise RuntimeError(f"process {pid} survived SIGKILL")
