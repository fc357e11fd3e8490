"""The platform a bench measures: started in a folder of its own, or the one `make run` started.

Its services run as processes the way the end-to-end tests start them (`tests/processes.py`),
beside a KRaft broker of its own with the registry's topics and the dev issuer.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from deploy.local.kafka import start_broker, stop_broker
from deploy.local.topics import ensure_topics
from runtime.auth.issuer import DevIssuer
from runtime.auth.roles import Role
from tests.processes import free_port, start, stop, wait_ready

ROOT = Path(__file__).resolve().parents[1]
# The five of #18's goal, and the two others that consume every complaint's events.
SERVICES = ("intake", "dispatch", "sla", "resolution", "analytics", "work", "notify")
PORTS = {"intake": 8001, "dispatch": 8002, "sla": 8003, "resolution": 8004, "analytics": 8005,
         "work": 8006, "notify": 8007}


@dataclass
class Platform:
    kafka: str
    urls: dict[str, str]
    pids: dict[str, int] = field(default_factory=dict)
    adapter: dict[str, str] = field(default_factory=dict)
    analyst: dict[str, str] = field(default_factory=dict)

    def sign_in(self, issuer: DevIssuer) -> None:
        """Tokens of a channel adapter (to file) and an analyst (to read counts)."""
        self.adapter = bearer(issuer.client_credentials(
            client_id="bench", role=Role.CHANNEL_ADAPTER, tenant="default", ttl_s=3600))
        self.analyst = bearer(issuer.mint(sub="bench", tenant="default", roles=["analyst"],
                                          ttl_s=3600))


@contextlib.contextmanager
def started_platform(workdir: Path) -> Iterator[Platform]:
    """What scripts/run-platform starts, in workdir, on free ports; stopped afterwards."""
    home = workdir / "kafka"
    broker = start_broker(home, free_port(), free_port())
    services = {}
    try:
        ensure_topics(broker.bootstrap)
        issuer = DevIssuer(workdir / "auth")
        env = {"KAFKA_BOOTSTRAP": broker.bootstrap, "AUTH_MODE": "dev",
               "AUTH_DIR": str(issuer.directory), "RATE_LIMIT_PER_S": "0",
               "FILING_QUOTA_PER_DAY": "1000000", "LOG_LEVEL": "WARNING",
               "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT),
                                                           os.environ.get("PYTHONPATH"))))}
        for name in SERVICES:
            services[name] = start(name, env=env, workdir=workdir)
        for service in services.values():
            wait_ready(service, timeout_s=120)
        platform = Platform(broker.bootstrap,
                            {name: service.url for name, service in services.items()},
                            {name: service.process.pid for name, service in services.items()})
        platform.pids["kafka"] = broker.pid or 0
        platform.sign_in(issuer)
        yield platform
    finally:
        for service in services.values():
            stop(service, timeout_s=30)
        stop_broker(home)


def running_platform(kafka: str, auth_dir: Path) -> Platform:
    """The platform `make run` started: its ports, its dev issuer, pids found by command."""
    platform = Platform(kafka, {name: f"http://127.0.0.1:{port}" for name, port in PORTS.items()})
    platform.sign_in(DevIssuer(auth_dir))
    for proc in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
            for name in SERVICES:
                if f"services.{name}".encode() in cmd:
                    platform.pids[name] = int(proc.name)
    return platform


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children, in MiB."""
    total = 0
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            total += int(rss_mib(int(child)) * 1024)
    return total / 1024


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) a process and its live children have used, in seconds."""
    total = 0.0
    with contextlib.suppress(OSError):
        # Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            total += cpu_seconds(int(child))
    return total
