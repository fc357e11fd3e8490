"""deploy/k8s runs every service as its code expects: module, port, probes, env and secrets.

No cluster runs here: the manifests are checked against what the code says."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest

from deploy.kafka_acls import password_variable
from runtime.settings import DEV_ISSUER, Settings
from tests.unit.deploy.manifests import (
    APP_IMAGE_K8S,
    SECRET_EXAMPLE,
    SERVICES,
    TOPICS_COMMAND,
    container_env,
    default_port,
    deployment_container,
    field_names,
    has_clickhouse,
    has_event_store,
    image_env,
    image_user,
    quantity,
    settings_class,
    settings_from,
)

# What the console calls (its *_URL settings), by Service name and port.
APPS_CALLED = {"intake": 8001, "dispatch": 8002, "sla": 8003, "resolution": 8004,
               "analytics": 8005, "work": 8006, "audit": 8009}

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
        # The HorizontalPodAutoscaler owns the count (test_k8s_operations.py).
        assert "replicas" not in deployment["spec"]
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
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]
                  if not m.get("readOnly")}
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert mounts.keys() == {configmap["DATA_DIR"], "/tmp"}
        assert all("emptyDir" in volumes[name] for name in mounts.values())
        # Read-only mounts are secrets only (notify's channel credentials).
        assert all("secret" in volumes[m["name"]] for m in container["volumeMounts"]
                   if m.get("readOnly"))


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
        "DATABASE_URL", "CLICKHOUSE_URL", "TRACKING_SECRET", "CUSTOMER_PSEUDONYM_KEY",
        "CONTACT_INDEX_KEY", "SURVEY_SECRET", "WORK_SEARCH_KEY", "CONSOLE_SECRET",
        "KAFKA_ADMIN_PASSWORD", *(password_variable(service) for service in SERVICES),
    }
    assert urlparse(secret["DATABASE_URL"]).scheme == "postgresql"
    assert urlparse(secret["CLICKHOUSE_URL"]).scheme == "http"
    for service in SERVICES:
        env = container_env(deployment_container(k8s, service), k8s)
        settings = settings_from(service, env, monkeypatch)
        assert settings.http_host == "0.0.0.0"
        assert settings.http_port == default_port(service)
        assert settings.kafka_bootstrap == configmap["KAFKA_BOOTSTRAP"]
        # Its own Kafka user over TLS, the password from the Secret (#21, point 10).
        assert (settings.kafka_security_protocol, settings.kafka_sasl_mechanism,
                settings.kafka_sasl_username) == ("SASL_SSL", "SCRAM-SHA-512", service)
        assert settings.kafka_sasl_password.get_secret_value() == secret[
            password_variable(service)]
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
        shared = {"tracking_secret": "TRACKING_SECRET", "contact_index_key": "CONTACT_INDEX_KEY",
                  "customer_pseudonym_key": "CUSTOMER_PSEUDONYM_KEY",
                  "survey_secret": "SURVEY_SECRET", "work_search_key": "WORK_SEARCH_KEY",
                  "console_secret": "CONSOLE_SECRET"}
        for field, key in shared.items():
            if field in settings_class(service).model_fields:
                value = getattr(settings, field)
                value = value.get_secret_value() if hasattr(value, "get_secret_value") else value
                assert value == secret[key], (service, key)
            else:
                assert key not in env, f"{service} does not read {key}"


def test_k8s_topic_job_runs_the_topic_module_against_the_configured_broker(
    k8s: dict[tuple[str, str], dict[str, Any]], configmap: dict[str, str],
    secret: dict[str, str],
) -> None:
    job = k8s["Job", "topics"]
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["image"] == APP_IMAGE_K8S
    assert container["command"] == TOPICS_COMMAND
    assert container_env(container, k8s) == {
        "KAFKA_BOOTSTRAP": configmap["KAFKA_BOOTSTRAP"],
        "KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "KAFKA_SASL_USERNAME": "admin", "KAFKA_SASL_PASSWORD": secret["KAFKA_ADMIN_PASSWORD"],
        "TOPIC_REPLICATION": "3",
    }
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "OnFailure"


def test_k8s_work_reads_intakes_customer_keys_in_the_shared_database(
    k8s: dict[tuple[str, str], dict[str, Any]], secret: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = container_env(deployment_container(k8s, "work"), k8s)
    settings = settings_from("work", env, monkeypatch)
    assert settings.customer_keys_url == secret["DATABASE_URL"]


def test_k8s_console_calls_each_api_by_its_service_name(
    k8s: dict[tuple[str, str], dict[str, Any]], monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = container_env(deployment_container(k8s, "console"), k8s)
    settings = settings_from("console", env, monkeypatch)
    called = {name.removesuffix("_url"): getattr(settings, name)
              for name in settings_class("console").model_fields
              if name.endswith("_url") and name.removesuffix("_url") in APPS_CALLED}
    assert called == {app: f"http://{app}:{port}" for app, port in APPS_CALLED.items()}
