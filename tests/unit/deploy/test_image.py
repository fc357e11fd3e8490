"""The service list, the Dockerfile and the topic module's command line agree with the code."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from deploy.local import topics as topics_module
from runtime.settings import Settings
from tests.unit.deploy.manifests import (
    INTERPRETER_ENV,
    REPO,
    SERVICES,
    TOPICS_COMMAND,
    default_port,
    dockerfile_stages,
    field_names,
    image_env,
    image_user,
)

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
    assert sorted(app_services) == sorted([*SERVICES, "audit", "topics", "auth-keys"])
    apps = sorted([*SERVICES, "audit"])
    assert sorted(name for kind, name in k8s if kind == "Deployment") == apps
    assert sorted(name for kind, name in k8s if kind == "Service") == apps
    assert sorted(name for kind, name in k8s if kind == "PodDisruptionBudget") == apps


# ----------------------------------------------------------------------------- Dockerfile


def test_dockerfile_builds_on_the_official_python_image_and_installs_the_pinned_project() -> None:
    stages = dockerfile_stages()
    assert [args.split()[0] for stage in stages for kw, args in stage if kw == "FROM"] == [
        "python:3.11-slim", "python:3.11-slim",
    ]
    build = [args for kw, args in stages[0] if kw == "RUN"]
    assert 'pip install -c constraints.txt ".[$EXTRAS]"' in build
    copied = {source for kw, args in stages[0] if kw == "COPY" for source in args.split()[:-1]}
    copied.discard("deploy/requirements.py")  # before the sources, for the dependency layer
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
