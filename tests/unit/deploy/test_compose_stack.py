"""docker-compose.yml as Docker loads it: compose-go, the compose specification's own loader
(deploy/composecheck), resolves it with .env.example and must accept it (schema, interpolation,
references between services and volumes), and the resolved stack runs as the code expects.

No Docker engine runs here; what `docker compose config` would say is what this checks.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from runtime.auth.issuer import JWKS_FILE
from runtime.auth.issuer import main as issuer
from runtime.settings import Settings
from tests.unit.deploy.manifests import (
    AUDIT_COMMAND,
    AUTH_DIR,
    COMPOSE,
    REPO,
    SERVICES,
    default_port,
)

ENV_EXAMPLE = REPO / ".env.example"
GRAFANA = REPO / "deploy" / "grafana"
PROMETHEUS_CONFIG = REPO / "deploy" / "prometheus" / "prometheus.yml"
APPS = {**{service: default_port(service) for service in SERVICES}, "audit": 8009}
STATEFUL = {"kafka": "kafka-data", "postgres": "postgres-data", "clickhouse": "clickhouse-data",
            "prometheus": "prometheus-data", "grafana": "grafana-data"}
ONE_SHOT = {"topics", "kafka-users", "auth-keys"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The project compose-go resolves from docker-compose.yml and .env.example."""
    go = shutil.which("go")
    if go is None:
        pytest.skip("no `go` toolchain: deploy/composecheck (the compose-go loader) cannot be "
                    "built, so docker-compose.yml is not loaded as Docker would load it")
    binary = tmp_path_factory.mktemp("composecheck") / "composecheck"
    build = subprocess.run([go, "build", "-o", str(binary), "."], cwd=REPO / "deploy/composecheck",
                           capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr
    loaded = subprocess.run([str(binary), str(COMPOSE), str(ENV_EXAMPLE)],
                            capture_output=True, text=True, timeout=60)
    assert loaded.returncode == 0, loaded.stderr
    return json.loads(loaded.stdout)


def env_example() -> dict[str, str]:
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    pairs = (line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))
    return dict(pairs)


def mounts(spec: dict[str, Any]) -> dict[str, tuple[str, str, bool]]:
    """A service's mounts by target: (type, source, read-only)."""
    return {m["target"]: (m["type"], m["source"], m.get("read_only", False))
            for m in spec.get("volumes", [])}


def test_compose_go_accepts_the_file_and_finds_the_whole_stack(stack: dict[str, Any]) -> None:
    assert set(stack["services"]) == {
        *STATEFUL, *ONE_SHOT, *APPS,
    }
    assert stack["services"]["audit"]["command"] == AUDIT_COMMAND


def test_every_secret_comes_from_the_env_file(stack: dict[str, Any]) -> None:
    example = env_example()
    services = stack["services"]
    assert services["intake"]["environment"]["TRACKING_SECRET"] == example["TRACKING_SECRET"]
    assert (services["intake"]["environment"]["CONTACT_INDEX_KEY"]
            == example["CONTACT_INDEX_KEY"])
    # Resolution opens intake's tracking tokens; notify sends resolution's survey links.
    assert services["resolution"]["environment"]["TRACKING_SECRET"] == example["TRACKING_SECRET"]
    for app in ["resolution", "notify"]:
        assert services[app]["environment"]["SURVEY_SECRET"] == example["SURVEY_SECRET"], app
    assert services["work"]["environment"]["WORK_SEARCH_KEY"] == example["WORK_SEARCH_KEY"]
    assert services["console"]["environment"]["CONSOLE_SECRET"] == example["CONSOLE_SECRET"]
    assert (services["analytics"]["environment"]["CUSTOMER_PSEUDONYM_KEY"]
            == example["CUSTOMER_PSEUDONYM_KEY"])
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == example["POSTGRES_PASSWORD"]
    assert (services["clickhouse"]["environment"]["CLICKHOUSE_PASSWORD"]
            == example["CLICKHOUSE_PASSWORD"])
    assert (services["grafana"]["environment"]["GF_SECURITY_ADMIN_PASSWORD"]
            == example["GRAFANA_ADMIN_PASSWORD"])
    database_url = f"postgresql://complaints:{example['POSTGRES_PASSWORD']}@postgres:5432/complaints"
    for app in ["intake", "dispatch", "sla", "resolution", "work", "notify", "audit"]:
        assert services[app]["environment"]["DATABASE_URL"] == database_url, app
    assert services["work"]["environment"]["WORK_CUSTOMER_KEYS_URL"] == database_url
    assert services["analytics"]["environment"]["CLICKHOUSE_URL"] == (
        f"http://complaints:{example['CLICKHOUSE_PASSWORD']}@clickhouse:8123/complaints")
    # Each variable of the example is read by the compose file, and none it reads is missing.
    used = set(re.findall(r"\$\{([A-Z_]+)", COMPOSE.read_text(encoding="utf-8")))
    assert used == set(example)


def test_services_read_the_dev_keys_that_the_init_job_writes(
    stack: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    services = stack["services"]
    job = services["auth-keys"]
    assert mounts(job) == {AUTH_DIR: ("volume", "auth-keys", False)}
    for app in APPS:
        spec = services[app]
        assert spec["environment"]["AUTH_MODE"] == "dev", app
        assert spec["environment"]["AUTH_DIR"] == AUTH_DIR, app
        assert mounts(spec)[AUTH_DIR] == ("volume", "auth-keys", True), app
        assert spec["depends_on"]["auth-keys"]["condition"] == "service_completed_successfully"
    # The job's command, run here against a scratch directory, writes the JWKS where a service
    # configured like the containers looks for it.
    command = job["command"]
    assert command[:3] == ["python", "-m", "runtime.auth.issuer"]
    argv = [str(tmp_path) if arg == AUTH_DIR else arg for arg in command[3:]]
    assert issuer(argv) == 0
    settings = Settings(auth_mode="dev", auth_dir=tmp_path)
    assert settings.jwks_source == str(tmp_path / JWKS_FILE)
    assert json.loads((tmp_path / JWKS_FILE).read_text())["keys"][0]["kty"] == "OKP"
    capsys.readouterr()


def test_apps_publish_their_port_and_keep_data_in_their_own_named_volume(
    stack: dict[str, Any],
) -> None:
    for app, port in APPS.items():
        spec = stack["services"][app]
        assert spec["environment"]["HTTP_PORT"] == str(port)
        assert [(p["host_ip"], p["target"], p["published"]) for p in spec["ports"]] == [
            ("127.0.0.1", port, str(port))]
        assert mounts(spec)["/var/lib/complaints"] == ("volume", f"{app}-data", False)
        assert spec["healthcheck"]["test"][-1].endswith(
            f"urlopen('http://127.0.0.1:{port}/readyz', timeout=3)")
    for name, volume in STATEFUL.items():
        spec = stack["services"][name]
        assert volume in {source for kind, source, _ in mounts(spec).values() if kind == "volume"}
        assert spec["healthcheck"]["test"], name
    declared = set(stack["volumes"])
    used = {source for spec in stack["services"].values()
            for kind, source, _ in mounts(spec).values() if kind == "volume"}
    assert used == declared


def test_prometheus_scrapes_every_app_and_evaluates_the_alert_rules(
    stack: dict[str, Any],
) -> None:
    spec = stack["services"]["prometheus"]
    config = yaml.safe_load(PROMETHEUS_CONFIG.read_text(encoding="utf-8"))
    binds = {target: Path(source) for target, (kind, source, _) in mounts(spec).items()
             if kind == "bind"}
    assert binds["/etc/prometheus/prometheus.yml"] == PROMETHEUS_CONFIG
    (rule_file,) = config["rule_files"]
    assert binds[rule_file] == REPO / "deploy" / "prometheus" / "alerts.yaml"
    (job,) = config["scrape_configs"]
    assert job["job_name"] == "complaint-platform"  # alerts.yaml's TargetDown reads this job
    (targets,) = (group["targets"] for group in job["static_configs"])
    assert sorted(targets) == sorted(f"{app}:{port}" for app, port in APPS.items())


def test_grafana_provisions_the_prometheus_datasource_and_every_dashboard(
    stack: dict[str, Any],
) -> None:
    spec = stack["services"]["grafana"]
    binds = {target: Path(source) for target, (kind, source, _) in mounts(spec).items()
             if kind == "bind"}
    assert binds["/etc/grafana/provisioning"] == GRAFANA / "provisioning"
    (datasource,) = yaml.safe_load(
        (GRAFANA / "provisioning/datasources/prometheus.yaml").read_text())["datasources"]
    assert datasource["url"] == "http://prometheus:9090"
    assert spec["depends_on"]["prometheus"]["condition"] == "service_healthy"
    (provider,) = yaml.safe_load(
        (GRAFANA / "provisioning/dashboards/complaints.yaml").read_text())["providers"]
    assert binds[provider["options"]["path"]] == GRAFANA / "dashboards"
    home = spec["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert (GRAFANA / "dashboards" / Path(home).relative_to(provider["options"]["path"])).is_file()
