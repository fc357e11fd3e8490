"""What the deployment tests read: the repository's deployment files and the code they must
agree with (services, their settings and ports, the image)."""

import importlib
import inspect
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings

from runtime.settings import Settings

REPO = Path(__file__).resolve().parents[3]
K8S = REPO / "deploy" / "k8s"
COMPOSE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "Dockerfile"

SERVICES = sorted(path.parent.name for path in (REPO / "services").glob("*/__main__.py"))
TOPICS_COMMAND = ["python", "-m", "deploy.local.topics"]
# What runs the platform's image besides the services: the audit API and the one-shot jobs.
AUDIT_COMMAND = ["python", "-m", "audit", "serve"]
AUTH_DIR = "/var/lib/complaints-auth"
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
    "prom/prometheus:v3.5.0": (),
    "grafana/grafana:12.1.1": ("GF_",),
}


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
