"""`python -m audit`: history, state, export and serve, as an auditor runs them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import httpx
import pytest

from contracts.envelope import Envelope
from deploy.local.support import free_ports, port_open
from tests.integration.audit.world import (
    REPO,
    TENANT,
    TYPES,
    Flow,
    iso,
    run_verifier,
)

pytestmark = pytest.mark.integration


def cli(flow: Flow, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **flow.env()}
    return subprocess.run(
        [sys.executable, "-m", "audit", *args], cwd=REPO, env=env, capture_output=True,
        text=True, timeout=120,
    )


def test_cli_history_prints_one_envelope_per_line(flow, trail):
    result = cli(flow, "history", flow.complaint_id)
    assert result.returncode == 0, result.stderr
    printed = [Envelope.model_validate_json(line) for line in result.stdout.splitlines()]
    assert printed == trail.history(flow.complaint_id)


def test_cli_state_at_an_instant(flow, trail):
    result = cli(flow, "state", flow.complaint_id, "--at", iso(flow.after_dispatch))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == trail.state_as_of(flow.complaint_id, flow.after_dispatch)


def test_cli_state_refuses_an_instant_without_zone(flow):
    result = cli(flow, "state", flow.complaint_id, "--at", "2026-01-01T00:00:00")
    assert result.returncode == 2
    assert "has no time zone" in result.stderr


# The flow runs neither notify nor work; the CLI says their records are missing.
NO_NOTIFY_NOR_WORK = (
    "note: no notify event store here: its records are not included\n"
    "note: no work event store here: its records are not included\n"
)


def test_cli_export_zip_verifies_after_unpacking(flow, tmp_path):
    out = tmp_path / "bundle.zip"
    result = cli(flow, "export", flow.complaint_id, "--out", str(out))
    assert (result.returncode, result.stdout) == (0, f"{out}\n"), result.stderr
    shutil.unpack_archive(out, tmp_path / "unpacked")
    verified = run_verifier(tmp_path / "unpacked" / f"audit-{flow.complaint_id}")
    assert (verified.returncode, verified.stdout) == (0, "OK\n")
    again = cli(flow, "export", flow.complaint_id, "--out", str(out))
    assert (again.returncode, again.stderr) == (
        1, NO_NOTIFY_NOR_WORK + f"error: {out} exists; an export never overwrites evidence\n"
    )


def test_cli_unknown_complaint(flow):
    result = cli(flow, "history", "00000000-0000-4000-8000-000000000000")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == NO_NOTIFY_NOR_WORK + (
        "error: no service stored an event about 00000000-0000-4000-8000-000000000000\n"
    )


def test_serve_runs_the_api_on_its_port(flow, auditor_tokens):
    port = free_ports(1)[0]
    env = {**os.environ, **flow.env(), **auditor_tokens.env}
    server = subprocess.Popen(
        [sys.executable, "-m", "audit", "serve", "--port", str(port)], cwd=REPO, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not port_open("127.0.0.1", port):
            assert server.poll() is None, server.stderr.read().decode()
            assert time.monotonic() < deadline, "the audit API did not start"
            time.sleep(0.1)
        response = httpx.get(
            f"http://127.0.0.1:{port}/v1/audit/complaints/{flow.complaint_id}/history", timeout=10,
            headers=auditor_tokens.headers("auditor", tenant=TENANT),
        )
        assert [e["type"] for e in response.json()["events"]] == TYPES
    finally:
        server.terminate()
        server.wait(timeout=30)
