"""The deployment files agree with the code: Dockerfile, docker-compose.yml and deploy/k8s/.

No Docker engine or cluster runs here, so these files are checked against what the code says:
which services exist, the port each one's settings default to, the variables its settings read,
the endpoints it serves and the topic module's command line.
"""

from __future__ import annotations

import http.server
import importlib
import inspect
import re
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml
from pydantic_settings import BaseSettings

from deploy.local import topics as topics_module
from runtime.settings import DEV_ISSUER, Settings

REPO = Path(__file__).resolve().parents[3]
K8S = REPO / "deploy" / "k8s"
COMPOSE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "Dockerfile"

SERVICES = sorted(path.parent.name for path in (REPO / "services").glob("*/__main__.py"))
TOPICS_COMMAND = ["python", "-m", "deploy.local.topics"]
APP_IMAGE_COMPOSE = "complaint-platform:local"
APP_IMAGE_K8S = "complaint-platform:0.1.0"
SECRET_EXAMPLE = "secret.example.yaml"

# Variables the image sets for the Python interpreter, not for the services' settings.
INTERPRETER_ENV = {"PATH", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}
# Infrastructure containers are configured through their official images' documented variables.
INFRA_IMAGES = {
    "apache/kafka:3.9.1": ("KAFKA_", "CLUSTER_ID"),
    "postgres:16": ("POSTGRES_",),
    "clickhouse/clickhouse-server:25.8": ("CLICKHOUSE_",),
}


# ----------------------------------------------------------------------------- helpers


def load_all(path: Path) -> list[dict[str, Any]]:
    """Every non-empty YAML document of a file."""
    with path.open(encoding="utf-8") as stream:
        return [doc for doc in yaml.safe_load_all(stream) if doc is not None]


def settings_class(service: str) -> type[Settings]:
    """The settings class that services/<service>/config.py defines."""
    module = importlib.import_module(f"services.{service}.config")
    found = [
        cls for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, Settings) and cls.__module__ == module.__name__
    ]
    assert len(found) == 1, f"services/{service}/config.py defines {found}"
    return found[0]


def default_port(service: str) -> int:
    return settings_class(service).model_fields["http_port"].default


def field_names(cls: type[BaseSettings]) -> set[str]:
    return {name.upper() for name in cls.model_fields}


def has_event_store(service: str) -> bool:
    """Whether the service keeps an event store (DATABASE_URL), judged by its composition root."""
    source = inspect.getsource(importlib.import_module(f"services.{service}.bootstrap"))
    return "event_store_url" in source


def has_clickhouse(service: str) -> bool:
    return "clickhouse_url" in settings_class(service).model_fields


def settings_from(service: str, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The service's settings as they would be read in a container with exactly this env."""
    for name in field_names(settings_class(service)):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return settings_class(service)()


def quantity(value: str | int) -> float:
    """A Kubernetes CPU or memory quantity as a number (cores or bytes)."""
    units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    text = str(value)
    for suffix, factor in units.items():
        if text.endswith(suffix):
            return float(text.removesuffix(suffix)) * factor
    return float(text)


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """The Dockerfile's instructions (keyword, arguments), continuation lines joined, by stage."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    stages: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, args = line.partition(" ")
        if keyword.upper() == "FROM":
            stages.append([])
        stages[-1].append((keyword.upper(), " ".join(args.split())))
    return stages


def image_env() -> dict[str, str]:
    """ENV of the final stage (the image the services run in)."""
    env: dict[str, str] = {}
    for keyword, args in dockerfile_stages()[-1]:
        if keyword == "ENV":
            for pair in args.split():
                name, _, value = pair.partition("=")
                env[name] = value
    return env


def image_user() -> str:
    users = [args for keyword, args in dockerfile_stages()[-1] if keyword == "USER"]
    assert users, "the final stage sets no USER"
    return users[-1]


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    (doc,) = load_all(COMPOSE)
    return doc


@pytest.fixture(scope="module")
def app_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Compose services that run the platform's image (the five services and the topic job)."""
    return {
        name: spec for name, spec in compose["services"].items()
        if spec.get("image") == APP_IMAGE_COMPOSE
    }


@pytest.fixture(scope="module")
def k8s_docs() -> dict[str, list[dict[str, Any]]]:
    """Every document of every YAML file in deploy/k8s, by file name."""
    files = sorted([*K8S.glob("*.yaml"), *K8S.glob("*.yml")])
    assert files, "deploy/k8s holds no manifests"
    return {path.name: load_all(path) for path in files}


@pytest.fixture(scope="module")
def k8s(k8s_docs: dict[str, list[dict[str, Any]]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The objects kustomization.yaml applies (plus the example Secret), by (kind, name)."""
    objects: dict[tuple[str, str], dict[str, Any]] = {}
    for file, docs in k8s_docs.items():
        if file == "kustomization.yaml":
            continue
        for doc in docs:
            key = (doc["kind"], doc["metadata"]["name"])
            assert key not in objects, f"{key} is defined twice"
            objects[key] = doc
    return objects


@pytest.fixture(scope="module")
def configmap(k8s: dict[tuple[str, str], dict[str, Any]]) -> dict[str, str]:
    return k8s["ConfigMap", "complaints-config"]["data"]


@pytest.fixture(scope="module")
def secret(k8s: dict[tuple[str, str], dict[str, Any]]) -> dict[str, str]:
    return k8s["Secret", "complaints-secrets"]["stringData"]


def container_env(
    container: dict[str, Any],
    k8s: dict[tuple[str, str], dict[str, Any]],
) -> dict[str, str]:
    """A container's environment with ConfigMap and Secret references resolved."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        name = source["configMapRef"]["name"]
        env.update(k8s["ConfigMap", name]["data"])
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = str(item["value"])
            continue
        ref = item["valueFrom"]
        if "secretKeyRef" in ref:
            secret_ref = ref["secretKeyRef"]
            data = k8s["Secret", secret_ref["name"]]["stringData"]
        else:
            secret_ref = ref["configMapKeyRef"]
            data = k8s["ConfigMap", secret_ref["name"]]["data"]
        assert secret_ref["key"] in data, f"{item['name']} refers to a missing key {secret_ref}"
        env[item["name"]] = data[secret_ref["key"]]
    return env


def deployment_container(
    k8s: dict[tuple[str, str], dict[str, Any]], service: str
) -> dict[str, Any]:
    (container,) = k8s["Deployment", service]["spec"]["template"]["spec"]["containers"]
    return container


@pytest.fixture
def stub_server() -> Iterator[tuple[int, list[int]]]:
    """An HTTP server on a free port answering every GET with the status at statuses[0]."""
    statuses = [200]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(statuses[0])
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], statuses
    finally:
        server.shutdown()
        server.server_close()


# ----------------------------------------------------------------------------- the service list


def test_the_services_are_found_with_their_documented_ports() -> None:
    documented = {
        "intake": 8001, "dispatch": 8002, "sla": 8003, "resolution": 8004, "analytics": 8005,
    }
    assert documented.keys() <= set(SERVICES)
    assert {service: default_port(service) for service in documented} == documented
    assert len({default_port(service) for service in SERVICES}) == len(SERVICES)


def test_every_service_has_a_compose_service_and_a_k8s_deployment_and_service(
    app_services: dict[str, dict[str, Any]], k8s: dict[tuple[str, str], dict[str, Any]]
) -> None:
    assert sorted(app_services) == sorted([*SERVICES, "topics"])
    assert sorted(name for kind, name in k8s if kind == "Deployment") == SERVICES
    assert sorted(name for kind, name in k8s if kind == "Service") == SERVICES
    assert sorted(name for kind, name in k8s if kind == "PodDisruptionBudget") == SERVICES


# ----------------------------------------------------------------------------- Dockerfile


def test_dockerfile_builds_on_the_official_python_image_and_installs_the_pinned_project() -> None:
    stages = dockerfile_stages()
    assert [args.split()[0] for stage in stages for kw, args in stage if kw == "FROM"] == [
        "python:3.11-slim", "python:3.11-slim",
    ]
    build = [args for kw, args in stages[0] if kw == "RUN"]
    assert "pip install -c constraints.txt ." in build
    copied = {source for kw, args in stages[0] if kw == "COPY" for source in args.split()[:-1]}
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    include = project["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {pattern.removesuffix("*") for pattern in include}
    assert packages == {"contracts", "runtime", "services", "deploy", "audit"}
    assert copied == {"pyproject.toml", "constraints.txt", *packages}
    # The final stage takes the built virtualenv, not the sources.
    assert [a for kw, a in stages[1] if kw == "COPY"] == ["--from=build /opt/venv /opt/venv"]


def test_dockerignore_keeps_what_the_build_copies() -> None:
    ignored = {
        line.strip() for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    needed = {"pyproject.toml", "constraints.txt", "contracts", "runtime", "services", "deploy",
              "audit", "deploy/local", "deploy/local/topics.py"}
    assert not needed & ignored
    assert {".git", ".venv", ".local", "tests"} <= ignored


def test_image_runs_as_a_non_root_user_and_listens_on_every_interface() -> None:
    uid, _, gid = image_user().partition(":")
    assert uid.isdigit() and int(uid) != 0, "numeric uid, so runAsNonRoot can verify it"
    assert gid.isdigit() and int(gid) != 0
    env = image_env()
    assert env["HTTP_HOST"] == "0.0.0.0"
    assert env["DATA_DIR"] == "/var/lib/complaints"
    assert set(env) - INTERPRETER_ENV <= field_names(Settings)


# ----------------------------------------------------------------------------- docker-compose.yml


def test_compose_uses_official_infrastructure_images_with_their_documented_variables(
    compose: dict[str, Any], app_services: dict[str, dict[str, Any]]
) -> None:
    infra = {name: spec for name, spec in compose["services"].items() if name not in app_services}
    assert {name: spec["image"] for name, spec in infra.items()} == {
        "kafka": "apache/kafka:3.9.1",
        "postgres": "postgres:16",
        "clickhouse": "clickhouse/clickhouse-server:25.8",
    }
    for name, spec in infra.items():
        prefixes = INFRA_IMAGES[spec["image"]]
        bad = [var for var in spec["environment"] if not var.startswith(prefixes)]
        assert not bad, f"{name}: {bad} are not variables of {spec['image']}"
        assert "healthcheck" in spec, f"{name} has no healthcheck to depend on"
    kafka = compose["services"]["kafka"]["environment"]
    assert kafka["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert kafka["KAFKA_ADVERTISED_LISTENERS"] == "PLAINTEXT://kafka:9092"
    assert kafka["KAFKA_CONTROLLER_QUORUM_VOTERS"] == "1@kafka:9093"


def test_compose_services_run_their_module_on_their_port(
    app_services: dict[str, dict[str, Any]],
) -> None:
    for service in SERVICES:
        spec = app_services[service]
        port = default_port(service)
        assert spec["command"] == ["python", "-m", f"services.{service}"]
        assert spec["build"] == "."
        assert str(spec["environment"]["HTTP_PORT"]) == str(port)
        assert spec["ports"] == [f"127.0.0.1:{port}:{port}"]


def test_compose_env_vars_are_settings_fields(
    app_services: dict[str, dict[str, Any]],
) -> None:
    for service in SERVICES:
        unknown = set(app_services[service]["environment"]) - field_names(settings_class(service))
        assert not unknown, f"{service}: {unknown} are read by nothing"


def test_compose_env_configures_each_service_against_the_compose_infrastructure(
    compose: dict[str, Any], app_services: dict[str, dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    postgres = compose["services"]["postgres"]["environment"]
    clickhouse = compose["services"]["clickhouse"]["environment"]
    database_url = (f"postgresql://{postgres['POSTGRES_USER']}:{postgres['POSTGRES_PASSWORD']}"
                    f"@postgres:5432/{postgres['POSTGRES_DB']}")
    clickhouse_url = (f"http://{clickhouse['CLICKHOUSE_USER']}:{clickhouse['CLICKHOUSE_PASSWORD']}"
                      f"@clickhouse:8123/{clickhouse['CLICKHOUSE_DB']}")
    for service in SERVICES:
        compose_env = {k: str(v) for k, v in app_services[service]["environment"].items()}
        env = {k: v for k, v in {**image_env(), **compose_env}.items() if k not in INTERPRETER_ENV}
        settings = settings_from(service, env, monkeypatch)
        assert settings.kafka_bootstrap == "kafka:9092"
        assert settings.http_host == "0.0.0.0"
        assert settings.http_port == default_port(service)
        assert str(settings.data_dir) == "/var/lib/complaints"
        if has_event_store(service):
            assert settings.event_store_url == database_url, service
        else:
            assert "DATABASE_URL" not in env, f"{service} keeps no event store"
        if has_clickhouse(service):
            assert settings.clickhouse_url == clickhouse_url
    # The heuristics above see what the composition roots do today.
    assert [s for s in SERVICES if not has_event_store(s)] == ["analytics"]
    assert [s for s in SERVICES if has_clickhouse(s)] == ["analytics"]


def test_compose_healthchecks_ask_readyz_on_the_service_port(
    app_services: dict[str, dict[str, Any]],
) -> None:
    for service in SERVICES:
        port = default_port(service)
        assert app_services[service]["healthcheck"]["test"] == [
            "CMD", "python", "-c",
            f"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{port}/readyz',"
            " timeout=3)",
        ]


def test_compose_healthcheck_command_fails_when_readyz_says_not_ready(
    app_services: dict[str, dict[str, Any]], stub_server: tuple[int, list[int]]
) -> None:
    stub_port, statuses = stub_server
    command = app_services["intake"]["healthcheck"]["test"][1:]
    assert command[:2] == ["python", "-c"]
    code = command[2].replace(f"127.0.0.1:{default_port('intake')}", f"127.0.0.1:{stub_port}")
    for status, healthy in ((200, True), (503, False)):
        statuses[0] = status
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=30)
        assert (result.returncode == 0) is healthy, (status, result.stderr)


def test_compose_start_order(
    compose: dict[str, Any], app_services: dict[str, dict[str, Any]]
) -> None:
    for service in SERVICES:
        expected = {
            "topics": {"condition": "service_completed_successfully"},
            "kafka": {"condition": "service_healthy"},
        }
        if has_event_store(service):
            expected["postgres"] = {"condition": "service_healthy"}
        if has_clickhouse(service):
            expected["clickhouse"] = {"condition": "service_healthy"}
        assert app_services[service]["depends_on"] == expected, service
        assert app_services[service]["restart"] == "on-failure"
    assert app_services["topics"]["depends_on"] == {"kafka": {"condition": "service_healthy"}}
    assert app_services["topics"]["restart"] == "no"


def test_compose_topic_job_runs_the_topic_module_against_the_compose_broker(
    app_services: dict[str, dict[str, Any]],
) -> None:
    job = app_services["topics"]
    assert job["command"] == TOPICS_COMMAND
    assert job["environment"] == {"KAFKA_BOOTSTRAP": "kafka:9092"}


# ----------------------------------------------------------------------------- deploy/k8s


def test_kustomization_applies_every_manifest_but_the_secret_example(
    k8s_docs: dict[str, list[dict[str, Any]]], k8s: dict[tuple[str, str], dict[str, Any]]
) -> None:
    (kustomization,) = k8s_docs["kustomization.yaml"]
    assert kustomization["kind"] == "Kustomization"
    assert sorted(kustomization["resources"]) == sorted(
        set(k8s_docs) - {"kustomization.yaml", SECRET_EXAMPLE}
    )
    assert kustomization["namespace"] == "complaints"
    assert ("Namespace", "complaints") in k8s
    assert [doc["kind"] for doc in k8s_docs[SECRET_EXAMPLE]] == ["Secret"]


def test_k8s_deployments_run_their_module_on_their_port_with_probes_and_metrics(
    k8s: dict[tuple[str, str], dict[str, Any]],
) -> None:
    for service in SERVICES:
        port = default_port(service)
        deployment = k8s["Deployment", service]
        template = deployment["spec"]["template"]
        labels = {"app.kubernetes.io/name": service}
        assert deployment["spec"]["replicas"] == 2
        assert deployment["spec"]["selector"]["matchLabels"] == labels
        assert labels.items() <= template["metadata"]["labels"].items()
        assert template["metadata"]["annotations"] == {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": str(port),
            "prometheus.io/path": "/metrics",
        }
        container = deployment_container(k8s, service)
        assert container["image"] == APP_IMAGE_K8S
        assert container["command"] == ["python", "-m", f"services.{service}"]
        assert container["ports"] == [{"name": "http", "containerPort": port}]
        assert container["startupProbe"]["httpGet"] == {"path": "/healthz", "port": port}
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": port}
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": port}
        service_spec = k8s["Service", service]["spec"]
        assert service_spec["selector"] == labels
        assert service_spec["ports"] == [{"name": "http", "port": port, "targetPort": port}]
        assert k8s["PodDisruptionBudget", service]["spec"]["selector"]["matchLabels"] == labels


def test_k8s_containers_have_requests_within_limits(
    k8s: dict[tuple[str, str], dict[str, Any]],
) -> None:
    containers = [deployment_container(k8s, service) for service in SERVICES]
    containers += k8s["Job", "topics"]["spec"]["template"]["spec"]["containers"]
    for container in containers:
        resources = container["resources"]
        for resource in ("cpu", "memory"):
            request = quantity(resources["requests"][resource])
            limit = quantity(resources["limits"][resource])
            assert 0 < request <= limit, (container["name"], resource)
    # chDB's engine is loaded with analytics' store module: ~300 MB before any work.
    analytics = deployment_container(k8s, "analytics")["resources"]["limits"]["memory"]
    assert quantity(analytics) >= 2**30


def test_k8s_pods_run_as_the_image_user_with_scratch_space_for_data_dir(
    k8s: dict[tuple[str, str], dict[str, Any]], configmap: dict[str, str]
) -> None:
    uid, _, gid = image_user().partition(":")
    pods = [k8s["Deployment", service]["spec"]["template"]["spec"] for service in SERVICES]
    pods.append(k8s["Job", "topics"]["spec"]["template"]["spec"])
    for pod in pods:
        context = pod["securityContext"]
        assert context["runAsNonRoot"] is True
        assert (context["runAsUser"], context["runAsGroup"]) == (int(uid), int(gid))
        for container in pod["containers"]:
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
    for service in SERVICES:
        pod = k8s["Deployment", service]["spec"]["template"]["spec"]
        container = deployment_container(k8s, service)
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert mounts.keys() == {configmap["DATA_DIR"], "/tmp"}
        assert all("emptyDir" in volumes[name] for name in mounts.values())


def test_k8s_env_vars_are_settings_fields(k8s: dict[tuple[str, str], dict[str, Any]]) -> None:
    for service in SERVICES:
        env = container_env(deployment_container(k8s, service), k8s)
        unknown = set(env) - field_names(settings_class(service))
        assert not unknown, f"{service}: {unknown} are read by nothing"


def test_k8s_env_configures_each_service(
    k8s: dict[tuple[str, str], dict[str, Any]], configmap: dict[str, str],
    secret: dict[str, str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert set(configmap) <= field_names(Settings)
    assert set(secret) == {
        "DATABASE_URL", "CLICKHOUSE_URL", "TRACKING_SECRET", "CUSTOMER_PSEUDONYM_KEY"
    }
    assert urlparse(secret["DATABASE_URL"]).scheme == "postgresql"
    assert urlparse(secret["CLICKHOUSE_URL"]).scheme == "http"
    for service in SERVICES:
        env = container_env(deployment_container(k8s, service), k8s)
        settings = settings_from(service, env, monkeypatch)
        assert settings.http_host == "0.0.0.0"
        assert settings.http_port == default_port(service)
        assert settings.kafka_bootstrap == configmap["KAFKA_BOOTSTRAP"]
        assert str(settings.data_dir) == image_env()["DATA_DIR"]
        # Without these, each replica would keep its own SQLite file or chDB in scratch space.
        if has_event_store(service):
            assert settings.event_store_url == secret["DATABASE_URL"], service
        else:
            assert "DATABASE_URL" not in env, f"{service} keeps no event store"
        if has_clickhouse(service):
            assert settings.clickhouse_url == secret["CLICKHOUSE_URL"]
        else:
            assert "CLICKHOUSE_URL" not in env
        # Tokens of the organisation's identity provider, never the development issuer.
        assert (settings.auth_mode, settings.auth_jwks) == ("jwks", configmap["AUTH_JWKS"])
        assert settings.auth_issuer == configmap["AUTH_ISSUER"] != DEV_ISSUER
        # Keys every replica must share: one per pod would break links and customers' history.
        shared = {"tracking_secret": "TRACKING_SECRET",
                  "customer_pseudonym_key": "CUSTOMER_PSEUDONYM_KEY"}
        for field, key in shared.items():
            if field in settings_class(service).model_fields:
                value = getattr(settings, field)
                value = value.get_secret_value() if hasattr(value, "get_secret_value") else value
                assert value == secret[key], (service, key)
            else:
                assert key not in env, f"{service} does not read {key}"


def test_k8s_topic_job_runs_the_topic_module_against_the_configured_broker(
    k8s: dict[tuple[str, str], dict[str, Any]], configmap: dict[str, str]
) -> None:
    job = k8s["Job", "topics"]
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["image"] == APP_IMAGE_K8S
    assert container["command"] == TOPICS_COMMAND
    assert container_env(container, k8s) == {
        "KAFKA_BOOTSTRAP": configmap["KAFKA_BOOTSTRAP"],
        "TOPIC_REPLICATION": "3",
    }
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "OnFailure"


# ----------------------------------------------------------------------------- the topic module


def test_topic_command_is_the_module_whose_cli_reads_kafka_bootstrap(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m deploy.local.topics` with only KAFKA_BOOTSTRAP set targets that broker."""
    assert TOPICS_COMMAND[2] == topics_module.__name__
    calls: list[tuple[str, int]] = []

    def ensure_topics(bootstrap: str, *, replication: int) -> list[str]:
        calls.append((bootstrap, replication))
        return ["intake.events.v1"]

    monkeypatch.setattr(topics_module, "ensure_topics", ensure_topics)
    monkeypatch.setattr(topics_module.logging, "basicConfig", lambda **_: None)  # keep pytest's
    monkeypatch.setenv("KAFKA_BOOTSTRAP", "kafka.example:9092")
    monkeypatch.delenv("TOPIC_REPLICATION", raising=False)
    assert topics_module.main([]) == 0
    monkeypatch.setenv("TOPIC_REPLICATION", "3")
    assert topics_module.main([]) == 0
    assert calls == [("kafka.example:9092", 1), ("kafka.example:9092", 3)]
    assert "on kafka.example:9092; created now: intake.events.v1" in capsys.readouterr().out
