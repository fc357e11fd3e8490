"""docker-compose.yml runs every service against the compose infrastructure, as its code expects.

No Docker engine runs here: the file is checked against what the code says."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from deploy import kafka_acls
from tests.unit.deploy.manifests import (
    INFRA_IMAGES,
    INTERPRETER_ENV,
    REPO,
    SERVICES,
    TOPICS_COMMAND,
    default_port,
    field_names,
    has_clickhouse,
    has_event_store,
    image_env,
    settings_class,
    settings_from,
)

# ----------------------------------------------------------------------------- docker-compose.yml


def test_compose_uses_official_infrastructure_images_with_their_documented_variables(
    compose: dict[str, Any], app_services: dict[str, dict[str, Any]]
) -> None:
    infra = {name: spec for name, spec in compose["services"].items()
             if name not in app_services and name != "kafka-users"}
    assert {name: spec["image"] for name, spec in infra.items()} == {
        "kafka": "apache/kafka:3.9.1",
        "postgres": "postgres:16",
        "clickhouse": "clickhouse/clickhouse-server:25.8",
        "prometheus": "prom/prometheus:v3.5.0",
        "grafana": "grafana/grafana:12.1.1",
    }
    for name, spec in infra.items():
        prefixes = INFRA_IMAGES[spec["image"]]
        bad = [var for var in spec.get("environment", {}) if not var.startswith(prefixes)]
        assert not bad, f"{name}: {bad} are not variables of {spec['image']}"
        assert "healthcheck" in spec, f"{name} has no healthcheck to depend on"
    kafka = compose["services"]["kafka"]["environment"]
    assert kafka["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert kafka["KAFKA_ADVERTISED_LISTENERS"] == "SASL_PLAINTEXT://kafka:9092"
    assert kafka["KAFKA_CONTROLLER_QUORUM_VOTERS"] == "1@kafka:9093"


def test_compose_broker_lets_in_only_authenticated_users_with_acls(
    compose: dict[str, Any],
) -> None:
    """#21, point 10: no listener without SASL, and nothing allowed without an ACL."""
    kafka = compose["services"]["kafka"]["environment"]
    assert kafka["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"] == (
        "SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT")
    assert kafka["KAFKA_SASL_ENABLED_MECHANISMS"] == "SCRAM-SHA-512,PLAIN"
    assert kafka["KAFKA_AUTHORIZER_CLASS_NAME"] == (
        "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
    assert kafka["KAFKA_SUPER_USERS"] == "User:admin"
    assert kafka["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"] == "false"
    assert "--command-config" in compose["services"]["kafka"]["healthcheck"]["test"][1]


def test_compose_creates_each_user_with_the_generated_acls(compose: dict[str, Any]) -> None:
    job = compose["services"]["kafka-users"]
    assert job["volumes"] == ["./deploy/kafka/users.sh:/users.sh:ro"]
    assert (REPO / "deploy/kafka/users.sh").read_text() == kafka_acls.script()
    assert set(job["environment"]) == {
        "KAFKA_BOOTSTRAP", "KAFKA_ADMIN_PASSWORD",
        *(kafka_acls.password_variable(user) for user in kafka_acls.every_user()),
    }


def test_compose_services_authenticate_as_their_own_kafka_user(
    app_services: dict[str, dict[str, Any]], compose: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    users = compose["services"]["kafka-users"]["environment"]
    for service in SERVICES:
        env = {k: str(v) for k, v in app_services[service]["environment"].items()}
        settings = settings_from(service, env, monkeypatch)
        assert (settings.kafka_security_protocol, settings.kafka_sasl_mechanism,
                settings.kafka_sasl_username) == ("SASL_PLAINTEXT", "SCRAM-SHA-512", service)
        # The password the kafka-users job gives the service's user.
        variable = kafka_acls.password_variable(service)
        assert env["KAFKA_SASL_PASSWORD"] == users[variable], service
        assert env["KAFKA_SASL_PASSWORD"].startswith(f"${{{variable}:-")


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
    # analytics is a projection into ClickHouse; the console only calls the services' APIs.
    assert [s for s in SERVICES if not has_event_store(s)] == ["analytics", "console"]
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
            "kafka-users": {"condition": "service_completed_successfully"},
            "auth-keys": {"condition": "service_completed_successfully"},
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
    assert job["environment"] == {
        "KAFKA_BOOTSTRAP": "kafka:9092", "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "KAFKA_SASL_MECHANISM": "PLAIN", "KAFKA_SASL_USERNAME": "admin",
        "KAFKA_SASL_PASSWORD": "${KAFKA_ADMIN_PASSWORD:-admin-local}",
    }
