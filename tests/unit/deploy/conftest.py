"""Fixtures of the deployment tests: the parsed compose file and k8s manifests, a stub server."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.unit.deploy.manifests import (
    APP_IMAGE_COMPOSE,
    COMPOSE,
    K8S,
    load_all,
)


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
