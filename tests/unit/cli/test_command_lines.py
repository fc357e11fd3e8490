"""#13 point 7, unsafe and fragile command lines: every command answers --help without touching
anything, and the projection rebuild drops no table without --yes nor when the broker is away."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from contracts.registry import parse
from services.analytics.application import AnalyticsApplication
from services.analytics.domain import Consumed
from services.analytics.store import ChdbStore
from tests.unit.analytics.samples import raw_sample

REPO = Path(__file__).resolve().parents[3]
MAIN_GUARD = re.compile(r"""^if __name__ == ["']__main__["']:""", re.MULTILINE)

# Every command line of the project, as it is started. A new one must be added here.
COMMANDS = {
    "audit/__main__.py": ["-m", "audit"],
    "audit/audit_verify.py": [],  # shipped inside every bundle: see bundled_verifier
    "bench/analytics_load.py": ["bench/analytics_load.py"],
    "bench/cfpb_import.py": ["bench/cfpb_import.py"],
    "bench/classifier.py": ["bench/classifier.py"],
    "bench/pipeline.py": ["bench/pipeline.py"],
    "bench/work_queries.py": ["bench/work_queries.py"],
    "contracts/export.py": ["-m", "contracts.export"],
    "deploy/kafka_acls.py": ["-m", "deploy.kafka_acls"],
    "deploy/local/kafka.py": ["-m", "deploy.local.kafka"],
    "deploy/local/postgres.py": ["-m", "deploy.local.postgres"],
    "deploy/local/topics.py": ["-m", "deploy.local.topics"],
    "deploy/requirements.py": ["-m", "deploy.requirements"],
    "runtime/auth/issuer.py": ["-m", "runtime.auth.issuer"],
    "runtime/redrive.py": ["-m", "runtime.redrive"],
    "runtime/sealing.py": ["-m", "runtime.sealing"],
    "services/analytics/__main__.py": ["-m", "services.analytics"],
    "services/analytics/tools/rebuild.py": ["-m", "services.analytics.tools.rebuild"],
    "services/console/__main__.py": ["-m", "services.console"],
    "services/dispatch/__main__.py": ["-m", "services.dispatch"],
    "services/dispatch/tools/rehearse.py": ["-m", "services.dispatch.tools.rehearse"],
    "services/intake/__main__.py": ["-m", "services.intake"],
    "services/intake/tools/train.py": ["-m", "services.intake.tools.train"],
    "services/intake/tools/corrections.py": ["-m", "services.intake.tools.corrections"],
    "services/intake/tools/importer.py": ["-m", "services.intake.tools.importer"],
    "services/intake/tools/retention.py": ["-m", "services.intake.tools.retention"],
    "services/notify/__main__.py": ["-m", "services.notify"],
    "services/openapi.py": ["-m", "services.openapi"],
    "services/resolution/__main__.py": ["-m", "services.resolution"],
    "services/sla/__main__.py": ["-m", "services.sla"],
    "services/sla/tools/calendars.py": ["-m", "services.sla.tools.calendars"],
    "services/sla/tools/rehearse.py": ["-m", "services.sla.tools.rehearse"],
    "services/work/__main__.py": ["-m", "services.work"],
    "services/work/tools/rebuild.py": ["-m", "services.work.tools.rebuild"],
}


def command_modules() -> set[str]:
    """Every module of the project that runs as a command (tests and the venv aside)."""
    found = set()
    for path in REPO.rglob("*.py"):
        relative = path.relative_to(REPO)
        if relative.parts[0] in {"tests", "node_modules"} or relative.parts[0].startswith("."):
            continue
        if MAIN_GUARD.search(path.read_text(encoding="utf-8", errors="replace")):
            found.add(relative.as_posix())
    return found


def run(args: list[str], home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The command in an empty directory, its data and keys there, no broker that answers."""
    cwd = home / "cwd"
    cwd.mkdir(exist_ok=True)
    environment = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("KAFKA_", "DATABASE_", "CLICKHOUSE_", "POSTGRES_", "CHDB_"))
    }
    environment.update(
        PYTHONPATH=str(REPO), DATA_DIR=str(home / "data"), AUTH_DIR=str(home / "auth"),
        KAFKA_BOOTSTRAP="127.0.0.1:1", **env,
    )
    argv = [sys.executable, *(str(REPO / a) if a.startswith("bench/") else a for a in args)]
    return subprocess.run(argv, cwd=cwd, env=environment, capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)


def made_under(path: Path) -> list[str]:
    """What is in the directory, apart from the empty one the command ran in."""
    return sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.name != "cwd")


def test_every_command_line_is_listed():
    assert command_modules() == set(COMMANDS)


def bundled_verifier(where: Path) -> Path:
    """The verifier as an export ships it, beside the platform's hash arithmetic."""
    where.mkdir()
    (where / "audit_verify.py").write_bytes((REPO / "audit/audit_verify.py").read_bytes())
    (where / "hashchain.py").write_bytes((REPO / "runtime/chain.py").read_bytes())
    return where / "audit_verify.py"


@pytest.mark.parametrize("module", sorted(COMMANDS))
def test_help_answers_and_touches_nothing(module, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    args = COMMANDS[module]
    if module == "audit/audit_verify.py":
        args = [str(bundled_verifier(tmp_path / "bundle"))]

    answer = run([*args, "--help"], home)

    assert answer.returncode == 0, answer.stderr
    assert "Traceback" not in answer.stderr
    assert answer.stdout.startswith("usage: ")
    assert made_under(home) == []


# The rebuild, on a chDB projection in a temporary DATA_DIR.


@pytest.fixture
def projection(tmp_path) -> Path:
    """A projection holding one received complaint, closed again for the command to open."""
    store = ChdbStore(tmp_path / "data" / "analytics-chdb")
    store.open()
    AnalyticsApplication(store).project([Consumed(*parse(raw_sample("complaint.received.v1")))])
    store.close()
    return tmp_path


def received_complaints(home: Path) -> int:
    store = ChdbStore(home / "data" / "analytics-chdb")
    store.open()
    try:
        return AnalyticsApplication(store).count_received_complaints()
    finally:
        store.close()


def test_rebuild_without_yes_refuses_and_keeps_the_tables(projection):
    answer = run(["-m", "services.analytics.tools.rebuild"], projection)

    assert answer.returncode == 2
    assert answer.stderr.splitlines()[-1] == (
        "python -m services.analytics.tools.rebuild: error: this drops the projection's 23 "
        "tables and replays every domain topic; give --yes to go ahead"
    )
    assert received_complaints(projection) == 1


def test_rebuild_whose_broker_is_away_fails_in_one_line_and_keeps_the_tables(projection):
    answer = run(["-m", "services.analytics.tools.rebuild", "--yes"], projection)

    assert answer.returncode == 1
    assert "Traceback" not in answer.stderr
    assert answer.stderr.splitlines()[-1].startswith(
        "python -m services.analytics.tools.rebuild: error: KafkaConnectionError: "
        "Unable to bootstrap"
    )
    assert received_complaints(projection) == 1
