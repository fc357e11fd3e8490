"""deploy/k8s as operators run it: strictly valid for Kubernetes, the audit API, autoscaling on
CPU and consumer lag, deny-by-default network policies, scraping, no service-account tokens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.unit.deploy.exported_metrics import exported_metrics
from tests.unit.deploy.manifests import (
    APP_IMAGE_K8S,
    AUDIT_COMMAND,
    K8S,
    SERVICES,
    container_env,
    default_port,
    deployment_container,
    has_clickhouse,
    has_event_store,
)

KUBERNETES = "1.37"
# Custom resources kubernetes-validate has no schema for: checked by hand below.
NOT_IN_KUBERNETES = {("kustomize.config.k8s.io/v1beta1", "Kustomization"),
                     ("monitoring.coreos.com/v1", "PodMonitor")}
APPS = {**{service: default_port(service) for service in SERVICES}, "audit": 8009}
PARTITIONS = 12  # of every topic (contracts/topics.py)
# Apps that consume no topic: no lag to scale on, no Kafka to reach.
NOT_CONSUMERS = {"audit", "console"}
# The console renders its pages from these apps' APIs (services/console/config.py's URLs).
CONSOLE_CALLS = {app: port for app, port in APPS.items() if app not in {"console", "notify"}}
ALERTS = Path(__file__).resolve().parents[3] / "deploy" / "prometheus" / "alerts.yaml"

Objects = dict[tuple[str, str], dict[str, Any]]


def pod_specs(k8s: Objects) -> dict[str, tuple[dict[str, str], dict[str, Any]]]:
    """Every workload's pod (labels, spec), by workload name."""
    return {name: (doc["spec"]["template"]["metadata"]["labels"],
                   doc["spec"]["template"]["spec"])
            for (kind, name), doc in k8s.items() if kind in {"Deployment", "Job"}}


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """Whether a label selector (matchLabels, In/NotIn expressions) selects these labels."""
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        inside = labels.get(expression["key"]) in expression["values"]
        if inside != (expression["operator"] == "In"):
            return False
    return True


def policies(k8s: Objects) -> list[dict[str, Any]]:
    return [doc["spec"] for (kind, _), doc in k8s.items() if kind == "NetworkPolicy"]


def egress_ports(k8s: Objects, labels: dict[str, str]) -> dict[int, set[str]]:
    """Where a pod may connect: port -> namespaces (or `external`)."""
    allowed: dict[int, set[str]] = {}
    for spec in policies(k8s):
        if "Egress" in spec["policyTypes"] and selects(spec["podSelector"], labels):
            for rule in spec.get("egress", []):
                places = {peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                          if "namespaceSelector" in peer else "external" for peer in rule["to"]}
                for port in rule["ports"]:
                    allowed.setdefault(port["port"], set()).update(places)
    return allowed


def ingress_ports(k8s: Objects, labels: dict[str, str]) -> dict[int, set[str]]:
    """Who may connect to a pod: port -> namespaces."""
    allowed: dict[int, set[str]] = {}
    for spec in policies(k8s):
        if "Ingress" in spec["policyTypes"] and selects(spec["podSelector"], labels):
            for rule in spec.get("ingress", []):
                places = {peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                          for peer in rule["from"]}
                for port in rule["ports"]:
                    allowed.setdefault(port["port"], set()).update(places)
    return allowed


def test_every_manifest_is_strictly_valid_kubernetes(
    k8s_docs: dict[str, list[dict[str, Any]]],
) -> None:
    """kubernetes-validate --strict, as the CLI runs it, on each document it has a schema for."""
    skipped = set()
    for file, docs in k8s_docs.items():
        for doc in docs:
            if (doc["apiVersion"], doc["kind"]) in NOT_IN_KUBERNETES:
                skipped.add((doc["apiVersion"], doc["kind"]))
                continue
            try:
                kubernetes_validate.validate(doc, KUBERNETES, strict=True)
            except kubernetes_validate.ValidationError as error:
                pytest.fail(f"{file} {doc['kind']}/{doc['metadata']['name']}: {error.message}")
    assert skipped == NOT_IN_KUBERNETES


def test_strict_validation_refuses_a_field_kubernetes_does_not_know(
    k8s: Objects,
) -> None:
    job = yaml.safe_load(yaml.safe_dump(k8s["Job", "topics"]))
    job["spec"]["ttlSecondsAfterFinish"] = 3600  # a typo a lenient check would pass
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(job, KUBERNETES, strict=True)


def test_no_pod_gets_a_service_account_token_and_the_topics_job_cleans_up(k8s: Objects) -> None:
    for name, (_, pod) in pod_specs(k8s).items():
        assert pod["automountServiceAccountToken"] is False, name
    assert k8s["Job", "topics"]["spec"]["ttlSecondsAfterFinished"] == 3600


def test_audit_serves_its_api_from_the_services_event_stores(k8s: Objects) -> None:
    container = deployment_container(k8s, "audit")
    assert container["image"] == APP_IMAGE_K8S
    assert container["command"] == AUDIT_COMMAND
    assert container["ports"] == [{"name": "http", "containerPort": 8009}]
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": 8009}
    env = container_env(container, k8s)
    assert env["HTTP_PORT"] == "8009"
    assert env["DATABASE_URL"] == k8s["Secret", "complaints-secrets"]["stringData"]["DATABASE_URL"]
    assert k8s["Service", "audit"]["spec"]["ports"] == [
        {"name": "http", "port": 8009, "targetPort": 8009}]


def test_each_app_scales_on_cpu_and_each_consumer_on_its_lag(k8s: Objects) -> None:
    lag_labels = exported_metrics()["consumer_lag_messages"]
    for app in APPS:
        hpa = k8s["HorizontalPodAutoscaler", app]["spec"]
        assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                         "name": app}
        assert hpa["minReplicas"] == 2
        by_type = {metric["type"]: metric for metric in hpa["metrics"]}
        assert by_type["Resource"]["resource"]["name"] == "cpu"
        if app in NOT_CONSUMERS:
            assert set(by_type) == {"Resource"}
            continue
        # A consumer beyond the partition count would get no partition.
        assert hpa["maxReplicas"] == PARTITIONS
        external = by_type["External"]["external"]
        assert external["metric"]["name"] == "consumer_lag_messages"
        assert external["metric"]["selector"] == {"matchLabels": {"service": app}}
        assert set(external["metric"]["selector"]["matchLabels"]) <= set(lag_labels)
        assert external["target"]["type"] == "AverageValue"


def test_network_policies_deny_by_default(k8s: Objects) -> None:
    deny = k8s["NetworkPolicy", "default-deny"]["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    for name, (labels, _) in pod_specs(k8s).items():
        assert egress_ports(k8s, labels)[53] == {"kube-system"}, name
    # The topics job needs Kafka and DNS only, and nobody may reach it.
    topics_labels = pod_specs(k8s)["topics"][0]
    assert set(egress_ports(k8s, topics_labels)) == {53, 9093}
    assert ingress_ports(k8s, topics_labels) == {}


def test_network_policies_allow_exactly_what_each_app_needs(k8s: Objects) -> None:
    bootstrap_port = int(k8s["ConfigMap", "complaints-config"]["data"]["KAFKA_BOOTSTRAP"]
                         .rsplit(":", 1)[1])
    for app, port in APPS.items():
        labels = pod_specs(k8s)[app][0]
        expected = {53: {"kube-system"}, 443: {"external"}}
        if app not in NOT_CONSUMERS:
            expected[bootstrap_port] = {"kafka"}
        if app == "audit" or has_event_store(app):
            expected[5432] = {"databases"}
        if app != "audit" and has_clickhouse(app):
            expected[8123] = {"clickhouse"}
        if app == "console":
            expected.update({called: {"complaints"} for called in CONSOLE_CALLS.values()})
        if app == "notify":  # the mail relay's submission port
            expected[587] = {"external"}
        assert egress_ports(k8s, labels) == expected, app
        callers = {"ingress-nginx", "monitoring"}
        if app in CONSOLE_CALLS:  # the console, in namespace complaints
            callers.add("complaints")
        assert ingress_ports(k8s, labels) == {port: callers}, app


def test_pod_monitor_scrapes_every_app_as_the_job_target_down_watches(k8s: Objects) -> None:
    monitor = k8s["PodMonitor", "complaint-platform"]["spec"]
    (endpoint,) = monitor["podMetricsEndpoints"]
    assert (endpoint["port"], endpoint["path"]) == ("http", "/metrics")
    for name, (labels, pod) in pod_specs(k8s).items():
        scraped = selects(monitor["selector"], labels)
        assert scraped == (name in APPS), name
        if scraped:
            assert [p["name"] for c in pod["containers"] for p in c["ports"]] == ["http"]
            job = labels[monitor["jobLabel"]]
            assert f'up{{job="{job}"}}' in ALERTS.read_text(encoding="utf-8")


def test_the_kustomization_applies_the_new_manifests() -> None:
    (kustomization,) = yaml.safe_load_all((K8S / "kustomization.yaml").read_text())
    assert {"audit.yaml", "autoscaling.yaml", "network-policies.yaml",
            "monitoring.yaml"} <= set(kustomization["resources"])


def test_each_app_signs_in_to_kafka_with_its_own_password(k8s: Objects) -> None:
    """A user's SCRAM password is its own: work, notify and the console once borrowed
    resolution's, which the broker refuses for their users."""
    for app in APPS:
        if app == "audit":
            continue
        (item,) = [item for item in deployment_container(k8s, app).get("env", [])
                   if item["name"] == "KAFKA_SASL_PASSWORD"]
        user = [item["value"] for item in deployment_container(k8s, app)["env"]
                if item["name"] == "KAFKA_SASL_USERNAME"]
        assert user == [app]
        assert item["valueFrom"]["secretKeyRef"]["key"] == f"KAFKA_PASSWORD_{app.upper()}", app


def test_notify_sends_mail_through_the_configured_relay_with_secrets_as_files(
    k8s: Objects,
) -> None:
    from services.notify.config import NotifySettings

    container = deployment_container(k8s, "notify")
    env = container_env(container, k8s)
    settings = NotifySettings(**{key.lower(): value for key, value in env.items()
                                 if key.lower() in NotifySettings.model_fields})
    assert (settings.smtp_port, settings.smtp_starttls) == (587, True)
    assert settings.smtp_host != "127.0.0.1"
    mounts = {mount["name"]: mount["mountPath"] for mount in container["volumeMounts"]}
    assert mounts["channel-secrets"] == settings.notify_secrets_dir
    volumes = {volume["name"]: volume for volume in
               k8s["Deployment", "notify"]["spec"]["template"]["spec"]["volumes"]}
    assert volumes["channel-secrets"]["secret"]["secretName"] == "notify-channel-secrets"


def test_customers_links_point_at_the_ingress_not_at_the_pod(k8s: Objects) -> None:
    """A tracking answer's progress link and a survey link leave the cluster in messages to
    customers: a loopback default there would send every customer to their own machine."""
    links = {("intake", "PROGRESS_BASE_URL"), ("resolution", "SURVEY_BASE_URL"),
             ("notify", "SURVEY_BASE_URL")}
    values = {}
    for app, name in links:
        env = container_env(deployment_container(k8s, app), k8s)
        values[app, name] = env[name]
        assert env[name].startswith("https://"), (app, name)
        assert "127.0.0.1" not in env[name] and "localhost" not in env[name], (app, name)
    # notify sends the links resolution answers.
    assert values["notify", "SURVEY_BASE_URL"] == values["resolution", "SURVEY_BASE_URL"]
