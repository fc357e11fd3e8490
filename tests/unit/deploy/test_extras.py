"""Lean images: each service's imports are covered by the core dependencies and its own extra,
heavy dependencies stay in the extras that need them, the Dockerfile installs the extras it is
given and labels the image, and every command line is an installed entry point."""

from __future__ import annotations

import ast
import importlib.metadata as metadata
import re
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from deploy.requirements import requirements
from runtime import commands
from tests.unit.cli.test_command_lines import command_modules
from tests.unit.deploy.manifests import REPO, SERVICES, dockerfile_stages

PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
OURS = {"contracts", "runtime", "services", "deploy", "audit"}
APPS = {**{service: f"services.{service}" for service in SERVICES}, "audit": "audit"}


def module_file(module: str) -> Path | None:
    base = REPO.joinpath(*module.split("."))
    for path in (base / "__init__.py", base.with_suffix(".py")):
        if path.is_file():
            return path
    return None


def module_level_imports(path: Path) -> set[str]:
    """Modules a file imports when it is imported (not inside functions or TYPE_CHECKING)."""
    found: set[str] = set()
    package = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parent = package.rsplit(".", node.level - (path.name == "__init__.py"))[0]
                base = f"{parent}.{node.module}" if node.module else parent
            else:
                base = node.module or ""
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def third_party_imports(entry: str) -> set[str]:
    """Top-level names of what importing `entry` (and its package's __init__s) pulls in."""
    seen: set[str] = set()
    outside: set[str] = set()
    pending = [entry, f"{entry}.__main__", f"{entry}.bootstrap"]
    while pending:
        module = pending.pop()
        if module in seen:
            continue
        seen.add(module)
        top = module.split(".")[0]
        if top not in OURS:
            outside.add(top)
            continue
        path = module_file(module)
        if path is None:
            continue
        parts = module.split(".")
        pending.extend(".".join(parts[:i]) for i in range(1, len(parts)))
        pending.extend(module_level_imports(path))
    return {name for name in outside if name not in sys.stdlib_module_names and name}


@cache
def installed_closure(requirement_texts: tuple[str, ...]) -> frozenset[str]:
    """Distributions the requirements install, dependencies of dependencies included."""
    found: set[str] = set()
    pending = [Requirement(text) for text in requirement_texts]
    while pending:
        requirement = pending.pop()
        name = normalise(requirement.name)
        key = f"{name}[{','.join(sorted(requirement.extras))}]"
        if key in found:
            continue
        found.update({key, name})
        for text in metadata.requires(requirement.name) or []:
            nested = Requirement(text)
            environments = [{"extra": extra} for extra in requirement.extras] or [{"extra": ""}]
            if nested.marker is None or any(nested.marker.evaluate(env) for env in environments):
                pending.append(nested)
    return frozenset(name for name in found if "[" not in name)


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def distributions_of(top_level: str) -> set[str]:
    return {normalise(d) for d in metadata.packages_distributions().get(top_level, [])}


@pytest.mark.parametrize("app", sorted(APPS))
def test_each_app_imports_only_the_core_and_its_extra(app: str) -> None:
    allowed = installed_closure(tuple(requirements([app])))
    needed = {top: distributions_of(top) for top in third_party_imports(APPS[app])}
    missing = {top: dists for top, dists in needed.items() if not dists & allowed}
    assert not missing, f"{app} imports {missing}: add them to its extra in pyproject.toml"


def test_heavy_dependencies_stay_where_they_are_needed() -> None:
    core = installed_closure(tuple(PROJECT["dependencies"]))
    image = installed_closure(tuple(requirements(["services"])))
    assert {"chdb-core", "honcho", "scikit-learn", "jieba", "clickhouse-connect"}.isdisjoint(core)
    # The platform's image: no in-process ClickHouse, no process manager.
    assert {"chdb-core", "honcho"}.isdisjoint(image)
    extras = PROJECT["optional-dependencies"]
    holding = lambda package: sorted(  # noqa: E731
        extra for extra, reqs in extras.items() if any(r.startswith(f"{package}==") for r in reqs))
    assert holding("chdb-core") == ["embedded"]
    assert holding("honcho") == ["dev"]
    assert holding("scikit-learn") == ["intake"]
    # jieba segments Chinese text where text is matched: intake, resolution's ranking, work.
    assert holding("jieba") == ["intake", "resolution", "work"]
    # Without chDB, analytics' store module still imports: it needs chDB only to open it.
    code = ("import sys; sys.modules['chdb'] = None; import services.analytics.bootstrap")
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO).returncode == 0


def test_every_service_extra_is_in_the_image_and_in_development() -> None:
    image = set(requirements(["services"]))
    dev = set(requirements(["dev"]))
    for app in APPS:
        assert set(requirements([app])) <= image, app
    assert image | set(requirements(["embedded"])) <= dev
    assert "honcho==2.0.0" in dev


def test_dockerfile_installs_the_chosen_extras_and_labels_the_image() -> None:
    build, final = dockerfile_stages()
    args = {a.split("=")[0]: a.split("=", 1)[1] for kw, a in build if kw == "ARG"}
    assert args == {"EXTRAS": "services"}
    runs = [a for kw, a in build if kw == "RUN"]
    assert any(r.startswith('python deploy/requirements.py "$EXTRAS" > requirements.txt') for r
               in runs)
    assert 'pip install -c constraints.txt ".[$EXTRAS]"' in runs
    labels = " ".join(a for kw, a in final if kw == "LABEL")
    found = dict(re.findall(r'([a-z.]+)="([^"]*)"', labels))
    final_args = {a.split("=")[0]: a.split("=", 1)[1] for kw, a in final if kw == "ARG"}
    assert found["org.opencontainers.image.version"] == "$VERSION"
    assert final_args["VERSION"] == PROJECT["version"]
    assert {"org.opencontainers.image.title", "org.opencontainers.image.description",
            "org.opencontainers.image.revision", "org.opencontainers.image.created"} <= set(found)


def test_requirements_resolve_extras_named_by_other_extras() -> None:
    audit = requirements(["audit"])
    assert audit[:len(PROJECT["dependencies"])] == PROJECT["dependencies"]
    assert set(audit) - set(PROJECT["dependencies"]) == (
        set(requirements(["intake"])) | set(requirements(["resolution"]))
    ) - set(PROJECT["dependencies"])


def test_every_command_line_is_an_installed_entry_point() -> None:
    """Every module run as `python -m` (the command-line list's finder) has its command."""
    modules = {
        path.removesuffix(".py").removesuffix("/__main__").replace("/", ".")
        for path in command_modules()
        if not path.startswith("bench/") and path != "audit/audit_verify.py"
    }
    assert set(commands.MODULES.values()) == modules
    assert PROJECT["scripts"] == {name: "runtime.commands:main" for name in commands.MODULES}


def test_an_entry_point_runs_its_module_as_python_m_does(tmp_path: Path) -> None:
    script = tmp_path / "complaints-kafka-acls"
    script.write_text("from runtime.commands import main\nmain()\n", encoding="utf-8")
    answer = subprocess.run([sys.executable, str(script), "--help"], capture_output=True,
                            text=True, cwd=REPO, timeout=60)
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.startswith("usage: python -m deploy.kafka_acls")
    unknown = tmp_path / "complaints-nothing"
    unknown.write_text(script.read_text(encoding="utf-8"), encoding="utf-8")
    answer = subprocess.run([sys.executable, str(unknown)], capture_output=True, text=True,
                            cwd=REPO, timeout=60)
    assert answer.returncode == 1
    assert answer.stderr.startswith("complaints-nothing: not one of the platform's commands")
