"""Starts services as separate processes for end-to-end tests, and stops them."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

SERVICES = ("intake", "dispatch", "sla", "resolution", "analytics")


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A TCP port nothing listens on now, that no client connection can take before the
    service binds it, and that this run never handed out before.

    Ports the kernel picks (bind to port 0) come from its range for outgoing connections: one
    so picked was taken by a Kafka client's connection or handed to a second service before the
    first bound it (a platform started so lost intake to EADDRINUSE). These come from below
    that range."""
    lowest_outgoing = _outgoing_ports()[0]
    while True:
        port = random.randrange(lowest_outgoing // 2, lowest_outgoing)
        if port in _HANDED_OUT:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port


def _outgoing_ports() -> tuple[int, int]:
    """The kernel's range of ports for outgoing connections (Linux's default elsewhere)."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


@dataclass
class ServiceProcess:
    name: str
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def start(
    name: str, *, env: dict[str, str], workdir: Path, port: int | None = None
) -> ServiceProcess:
    """Start `python -m services.<name>` with its own port and data directory."""
    port = port or free_port()
    log_path = workdir / f"{name}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", f"services.{name}"],
        env={**os.environ, **env, "HTTP_PORT": str(port), "DATA_DIR": str(workdir / "data")},
        stdout=log_path.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return ServiceProcess(name, port, process, log_path)


def wait_ready(service: ServiceProcess, timeout_s: float = 60) -> None:
    """Block until /readyz answers 200, or fail with the service's log."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise RuntimeError(f"{service.name} exited:\n{service.log_tail()}")
        try:
            if httpx.get(f"{service.url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{service.name} not ready in {timeout_s}s:\n{service.log_tail()}")


def stop(service: ServiceProcess, sig: int = signal.SIGTERM, timeout_s: float = 20) -> int:
    """Stop a service (SIGTERM lets it drain; SIGKILL simulates a crash)."""
    if service.process.poll() is None:
        service.process.send_signal(sig)
        try:
            service.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            service.process.kill()
            service.process.wait()
    return service.process.returncode


@contextmanager
def running(names: tuple[str, ...], *, env: dict[str, str], workdir: Path) -> Iterator[dict]:
    """All named services up and ready; all stopped afterwards, whatever happened."""
    services = {name: start(name, env=env, workdir=workdir) for name in names}
    try:
        for service in services.values():
            wait_ready(service)
        yield services
    finally:
        for service in services.values():
            stop(service)
