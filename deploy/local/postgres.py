"""A throw-away PostgreSQL cluster from Debian's binaries: initdb and pg_ctl on 127.0.0.1."""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from deploy.local import support

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
HOME = support.LOCAL / "postgres"
OS_USER = "postgres"  # initdb and postgres refuse to run as root
BIN_ROOT = Path("/usr/lib/postgresql")


@dataclass(frozen=True)
class Cluster:
    """A local PostgreSQL cluster and the one database the platform uses in it."""

    home: Path
    port: int
    user: str = "complaints"
    password: str = "complaints"
    database: str = "complaints"

    @property
    def url(self) -> str:
        """postgresql://user:password@127.0.0.1:port/database"""
        return f"postgresql://{self.user}:{self.password}@{HOST}:{self.port}/{self.database}"


def configured_url() -> str | None:
    """DATABASE_URL or POSTGRES_URL when one is set: then nothing is started."""
    return os.environ.get("DATABASE_URL") or os.environ.get("POSTGRES_URL")


def bin_dir() -> Path:
    """The newest Debian PostgreSQL bin directory, installing the postgresql package if absent."""
    if not list(BIN_ROOT.glob("*/bin/pg_ctl")):
        if os.geteuid() != 0:
            raise support.CommandError("no PostgreSQL under /usr/lib/postgresql: apt-get install "
                                       "postgresql as root (or run scripts/bootstrap)")
        log.info("installing Debian's postgresql package")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        support.run_checked(["apt-get", "update"], env=env)
        support.run_checked(["apt-get", "install", "-y", "postgresql"], env=env)
    found = sorted(BIN_ROOT.glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3].split(".")[0]))
    return found[-1].parent


def start_cluster(
    home: Path | None = None, port: int | None = None, *, database: str = "complaints",
    timeout: int = 60,
) -> Cluster:
    """Start (or reuse) a cluster in home (new temp dir if None) on port (free if None)."""
    throwaway = home is None
    home = Path(tempfile.mkdtemp(prefix="complaints-pg-")) if home is None else home.resolve()
    running = running_port(home)
    cluster = Cluster(home, running or port or support.free_ports()[0], database=database)
    if running is None:
        try:
            _start(cluster, timeout)
        except support.CommandError as error:
            tail = support.log_tail(home / "postgres.log")
            if throwaway:
                shutil.rmtree(home, ignore_errors=True)
            raise support.CommandError(f"PostgreSQL did not start: {error}\n{tail}") from None
    _create_database(cluster)
    return cluster


def _start(cluster: Cluster, timeout: int) -> None:
    home = cluster.home
    _prepare(cluster)
    log.info("starting PostgreSQL on %s:%d in %s", HOST, cluster.port, home)
    # fsync off: the cluster is throw-away, and tests and local runs should not wait on disks.
    # 400 connections: every service, audit and the replica tests each hold pools and leases.
    options = (f"-p {cluster.port} -c listen_addresses={HOST} -c fsync=off "
               "-c max_connections=400 "
               f"-c unix_socket_directories={shlex.quote(str(home))}")
    _as_owner(["pg_ctl", "-D", str(home / "data"), "-l", str(home / "postgres.log"),
               "-w", "-t", str(timeout), "-o", options, "start"])


def running_port(home: Path) -> int | None:
    """The port of the cluster running in home, or None when none runs there."""
    try:
        _as_owner(["pg_ctl", "-D", str(home / "data"), "status"])
    except (support.CommandError, FileNotFoundError):
        return None
    # postmaster.pid, line 4: the port (https://www.postgresql.org/docs/15/storage-file-layout.html)
    return int((home / "data" / "postmaster.pid").read_text().splitlines()[3])


def stop_cluster(home: Path, *, remove: bool = False) -> bool:
    """Stop the cluster in home (fast shutdown), and delete home if remove; False if none ran."""
    was_running = running_port(home) is not None
    if was_running:
        log.info("stopping PostgreSQL in %s", home)
        _as_owner(["pg_ctl", "-D", str(home / "data"), "-m", "fast", "-w", "stop"])
    if remove:
        shutil.rmtree(home, ignore_errors=True)
    return was_running


def _prepare(cluster: Cluster) -> None:
    """Create home owned by the unprivileged OS user and run initdb there once."""
    home = cluster.home
    home.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(home, OS_USER, OS_USER)
    if (home / "data" / "PG_VERSION").exists():
        return
    pwfile = home / "pwfile"
    pwfile.write_text(cluster.password)
    if os.geteuid() == 0:
        shutil.chown(pwfile, OS_USER, OS_USER)
    try:
        _as_owner(["initdb", "-D", str(home / "data"), "-U", cluster.user, f"--pwfile={pwfile}",
                   "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-locale"])
    finally:
        pwfile.unlink()


def _create_database(cluster: Cluster) -> None:
    admin = Cluster(cluster.home, cluster.port, cluster.user, cluster.password, "postgres")
    with psycopg.connect(admin.url, autocommit=True, connect_timeout=10) as conn:
        query = "SELECT 1 FROM pg_database WHERE datname = %s"
        if conn.execute(query, (cluster.database,)).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(cluster.database)))
            log.info("created database %s", cluster.database)


def _as_owner(cmd: list[str]) -> str:
    """Run a PostgreSQL binary, as the unprivileged OS user when we are root."""
    cmd = [str(bin_dir() / cmd[0]), *cmd[1:]]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", OS_USER, "--", *cmd]
    # Run from / so the binaries need no access to the caller's working directory.
    return support.run_checked(cmd, cwd="/", stdin=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    """CLI: start, stop or report the developer's cluster in .local/postgres (POSTGRES_PORT)."""
    parser = argparse.ArgumentParser(prog="python -m deploy.local.postgres", description=__doc__)
    parser.add_argument("command", choices=["start", "stop", "status"])
    command = parser.parse_args(argv).command
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if url := configured_url():
        print(f"using the configured {url.split('@')[-1]}; nothing started or stopped here")
        return 0
    if command == "stop":
        print("stopped" if stop_cluster(HOME) else "nothing to stop")
        return 0
    if command == "start":
        port = int(os.environ.get("POSTGRES_PORT", "5433"))
        print(start_cluster(HOME, port).url)
        return 0
    port = running_port(HOME)
    print(Cluster(HOME, port).url if port else f"no cluster runs in {HOME}")
    return 0 if port else 3


if __name__ == "__main__":
    sys.exit(main())
