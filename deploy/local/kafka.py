"""A single-node KRaft Kafka broker from Maven Central jars, run with the installed JDK."""

from __future__ import annotations

import argparse
import asyncio
import base64
import logging
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from deploy.local import support
from runtime.kafka_access import KafkaSettings, client_options, connection

if TYPE_CHECKING:
    from deploy.kafka_acls import Grants

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
HOME = support.LOCAL / "kafka"
FILES = Path(__file__).with_name("kafka")  # pom.xml, server.properties template, log4j.properties

# Brokers started here: trusted without /proc/<pid>/cmdline, stale for a moment after spawning.
_children: dict[int, subprocess.Popen[bytes]] = {}


class BrokerError(RuntimeError):
    """The local broker did not come up."""


@dataclass(frozen=True)
class Scram:
    """SCRAM-SHA-512 users of a broker that authenticates and authorises every client.

    `admin` is the broker's own user and its only super user; every other user may do only
    what an ACL allows it (deploy.kafka_acls).
    """

    admin_password: str
    users: Mapping[str, str] = field(default_factory=dict)  # name -> password

    def client(self, user: str = "admin") -> KafkaSettings:
        """Settings fields of a client connecting as user, without the bootstrap address."""
        password = self.admin_password if user == "admin" else self.users[user]
        return KafkaSettings(
            kafka_security_protocol="SASL_PLAINTEXT", kafka_sasl_mechanism="SCRAM-SHA-512",
            kafka_sasl_username=user, kafka_sasl_password=password,
        )

    def format_options(self) -> list[str]:
        """StorageTool options that create the users' credentials in the new metadata log."""
        users = {**self.users, "admin": self.admin_password}
        return [option for name, password in users.items() for option in
                ("--add-scram", f"SCRAM-SHA-512=[name={name},password={password}]")]


@dataclass(frozen=True)
class Broker:
    """A local broker: where it keeps its state and where it listens."""

    home: Path
    port: int
    controller_port: int
    scram: Scram | None = None

    @property
    def bootstrap(self) -> str:
        """The bootstrap address clients connect to."""
        return f"{HOST}:{self.port}"

    def client(self, user: str = "admin") -> KafkaSettings:
        """How a client reaches this broker (as user, when it authenticates clients)."""
        if self.scram is None:
            return KafkaSettings(kafka_bootstrap=self.bootstrap)
        return self.scram.client(user).model_copy(update={"kafka_bootstrap": self.bootstrap})

    @property
    def pid(self) -> int | None:
        """See broker_pid."""
        return broker_pid(self.home)


def broker_pid(home: Path) -> int | None:
    """The pid of the broker process started in home, or None when it does not run."""
    try:
        pid = int((home / "broker.pid").read_text())
    except (OSError, ValueError):
        return None
    if pid in _children:
        return pid if _children[pid].poll() is None else None
    # The command line names this home's config, so a recycled pid is not mistaken for it.
    ours = str(home.resolve() / "server.properties") in support.process_cmdline(pid)
    return pid if ours and support.process_alive(pid) else None


def resolve_jars(libs: Path = HOME / "libs") -> Path:
    """Fetch the broker jars with Maven into libs unless they are already there."""
    if any(libs.glob("kafka_2.13-*.jar")):
        return libs
    staging = libs.with_name(libs.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    log.info("resolving Kafka jars with Maven into %s", libs)
    pom = str(FILES / "pom.xml")
    support.run_checked(["mvn", "-q", "-B", "-f", pom, "dependency:copy-dependencies",
                         f"-DoutputDirectory={staging}", "-DincludeScope=runtime"])
    shutil.rmtree(libs, ignore_errors=True)
    staging.rename(libs)
    return libs


def broker_answers(kafka: KafkaSettings | str, timeout: float = 5.0) -> bool:
    """Whether a Kafka broker answers a metadata request within timeout seconds."""
    kafka = connection(kafka)
    host, _, port = kafka.kafka_bootstrap.split(",")[0].rpartition(":")
    if not support.port_open(host, int(port), timeout):
        return False  # spares aiokafka's connection-error logging while a broker boots
    return support.run_sync(_answers(kafka, timeout))


async def _answers(kafka: KafkaSettings, timeout: float) -> bool:
    admin = AIOKafkaAdminClient(**client_options(kafka), request_timeout_ms=int(timeout * 1000))
    try:
        async with asyncio.timeout(timeout):
            await admin.start()
            return bool((await admin.describe_cluster())["brokers"])
    except (KafkaError, OSError, TimeoutError):
        return False
    finally:
        await admin.close()


def start_broker(
    home: Path, port: int, controller_port: int, *, timeout: float = 90.0,
    scram: Scram | None = None,
) -> Broker:
    """Start a KRaft broker with its state in home, or reuse the one already answering there.

    With scram, clients must authenticate with SCRAM-SHA-512 as one of its users and need
    ACLs for everything (the admin user excepted); the users exist from the first start on.
    """
    broker = Broker(home.resolve(), port, controller_port, scram)
    if broker.pid is None:
        if broker_answers(broker.client()):
            log.info("reusing the broker already answering at %s", broker.bootstrap)
            return broker
        _spawn(broker)
    _wait_until_ready(broker, timeout)
    return broker


def _java() -> list[str]:
    """The JVM command line with the broker jars, to which a main class and arguments go."""
    java_home = os.environ.get("JAVA_HOME")
    return [f"{java_home}/bin/java" if java_home else "java",
            f"-Dlog4j.configuration=file:{FILES / 'log4j.properties'}",
            "-cp", f"{resolve_jars()}/*"]


def grant(broker: Broker, grants: Grants) -> None:
    """Create a user's ACLs (deploy.kafka_acls) on a broker started with scram, as admin."""
    config = broker.home / "admin.properties"
    config.write_text(
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\n"
        "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
        f'username="admin" password="{broker.scram.admin_password}";\n'
    )
    for arguments in grants.commands(broker.bootstrap, str(config)):
        support.run_checked([*_java(), "kafka.admin.AclCommand", *arguments])


def _spawn(broker: Broker) -> None:
    home = broker.home
    home.mkdir(parents=True, exist_ok=True)
    config = home / "server.properties"
    listeners = "listeners-scram" if broker.scram else "listeners-plaintext"
    where = {"host": HOST, "port": broker.port, "controller_port": broker.controller_port,
             "admin_password": broker.scram.admin_password if broker.scram else ""}
    config.write_text((FILES / "server.properties").read_text().format(
        listeners=(FILES / f"{listeners}.properties").read_text().format(**where),
        data=home / "data", **where))
    java = _java()
    if not (home / "data" / "meta.properties").exists():
        fmt = ["kafka.tools.StorageTool", "format", "-t", _cluster_id(), "-c", str(config),
               *(broker.scram.format_options() if broker.scram else [])]
        support.run_checked([*java, *fmt])
    log.info("starting Kafka broker at %s in %s", broker.bootstrap, home)
    with (home / "broker.log").open("wb") as out:
        proc = subprocess.Popen(
            [*java, "-Xmx512m", "kafka.Kafka", str(config)], cwd=home, stdin=subprocess.DEVNULL,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    _children[proc.pid] = proc
    (home / "broker.pid").write_text(f"{proc.pid}\n")


def _wait_until_ready(broker: Broker, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while broker.pid is not None and time.monotonic() < deadline:
        if broker_answers(broker.client()):
            log.info("Kafka broker ready at %s (pid %s)", broker.bootstrap, broker.pid)
            return
        time.sleep(0.5)
    problem = "exited while starting" if broker.pid is None else f"did not answer in {timeout}s"
    tail = support.log_tail(broker.home / "broker.log")
    stop_broker(broker.home)
    raise BrokerError(f"broker at {broker.bootstrap} in {broker.home} {problem}; log:\n{tail}")


def stop_broker(home: Path, timeout: float = 30.0) -> bool:
    """Stop the broker started in home (SIGTERM, then SIGKILL); False when none was running."""
    pid = broker_pid(home)
    if pid is not None:
        log.info("stopping Kafka broker pid %d in %s", pid, home)
        support.terminate(pid, timeout)
        _children.pop(pid, None)
    (home / "broker.pid").unlink(missing_ok=True)
    return pid is not None


def _cluster_id() -> str:
    """A cluster id as Kafka's Uuid.randomUuid() makes it (no '-' first), without a JVM start."""
    cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
    return cid if cid[0] != "-" else _cluster_id()


def local_broker() -> Broker:
    """The developer's broker: .local/kafka, KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093)."""
    port = int(os.environ.get("KAFKA_PORT", "9092"))
    return Broker(HOME, port, int(os.environ.get("KAFKA_CONTROLLER_PORT", "9093")))


def main(argv: list[str] | None = None) -> int:
    """CLI: start, stop or report the developer's local broker (KAFKA_BOOTSTRAP: use that one)."""
    parser = argparse.ArgumentParser(prog="python -m deploy.local.kafka", description=__doc__)
    parser.add_argument("command", choices=["start", "stop", "status"])
    command = parser.parse_args(argv).command
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    external, local = os.environ.get("KAFKA_BOOTSTRAP"), local_broker()
    if command == "stop":
        print("stopped" if not external and stop_broker(local.home) else "nothing to stop")
        return 0
    try:
        if command == "start" and not external:
            start_broker(local.home, local.port, local.controller_port)
    except (BrokerError, support.CommandError) as error:
        print(f"could not start the broker: {error}", file=sys.stderr)
        return 1
    bootstrap, pid = external or local.bootstrap, None if external else local.pid
    answers = broker_answers(bootstrap)
    where = f"{bootstrap} (pid {pid})" if pid else bootstrap
    print(f"Kafka broker {'answers' if answers else 'does not answer'} at {where}")
    return 0 if answers else 3


if __name__ == "__main__":
    sys.exit(main())
