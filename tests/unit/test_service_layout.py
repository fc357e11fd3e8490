"""#17 "what it must show": every service's folder lists the same top-level names, so knowing
one service is knowing them all. What a service genuinely lacks is allowed here, each with its
reason; everything else a service has beyond the common names is its own business."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SERVICES = sorted(p.name for p in (REPO / "services").iterdir()
                  if p.is_dir() and (p / "__main__.py").is_file())

# name -> what it is; a module or a package of that name counts alike ("api" or "api/").
COMMON = {
    "__init__.py": "the package, with a one-line docstring saying what the service is for",
    "__main__.py": "the entry point: `python -m services.<svc>` (runtime.serve.run_service)",
    "README.md": "what the service does, its files, settings and API",
    "config.py": "its typed settings (environment variables)",
    "bootstrap.py": "the composition root: builds everything from settings",
    "domain": "pure domain code: aggregates, policies, no I/O",
    "application": "use cases: load, change, save",
    "handlers": "what it does with each consumed event",
    "api": "its HTTP API",
    "published": "aggregate events -> the contracts it publishes",
    "metrics": "its Prometheus metrics beside the runtime's",
}

# (service, common name it lacks): why.
ALLOWED_MISSING = {
    ("console", "domain"): "the console keeps no state of its own: it calls the other "
                           "services' APIs with the signed-in person's token",
    ("console", "application"): "no use cases of its own: every action is another service's",
    ("console", "handlers"): "consumes no topic",
    ("console", "published"): "publishes no events",
    ("console", "metrics"): "only the runtime's HTTP metrics: it has no use cases to count",
    ("console", "api"): "serves pages, not an API: web.py routes them",
    ("analytics", "published"): "keeps no event store: a spike alert is published as it is "
                                "detected (alerts.py), not translated from aggregate events",
    ("analytics", "metrics"): "its metrics are the projection's own (ingest lag, alerts) and "
                              "live beside what they measure (handlers.py, alerts.py, "
                              "snapshot.py)",
    ("work", "metrics"): "a read model: the runtime's consumer, lag and HTTP metrics are all "
                         "it has to count",
}

MAIN_GUARD = re.compile(r"""^if __name__ == ["']__main__["']:""", re.MULTILINE)


def top_level_names(service: str) -> set[str]:
    """The folder's names, modules without `.py` where a package of that name would do."""
    names = set()
    for path in (REPO / "services" / service).iterdir():
        if path.name == "__pycache__":
            continue
        names.add(path.name)
        if path.suffix == ".py":
            names.add(path.stem)
    return names


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_has_every_common_name_or_an_allowed_reason(service: str) -> None:
    names = top_level_names(service)
    missing = {name for name in COMMON if name not in names}

    assert missing == {name for (svc, name) in ALLOWED_MISSING if svc == service}


def test_every_allowance_is_still_needed() -> None:
    for service, name in ALLOWED_MISSING:
        assert service in SERVICES
        assert name not in top_level_names(service), f"{service} has {name} now: drop the entry"


@pytest.mark.parametrize("service", SERVICES)
def test_command_lines_live_in_tools(service: str) -> None:
    """A service's command-line tools are in its tools/ package; only __main__ runs it."""
    folder = REPO / "services" / service
    commands = {
        path.relative_to(folder).as_posix() for path in folder.rglob("*.py")
        if MAIN_GUARD.search(path.read_text(encoding="utf-8"))
    }
    assert {c for c in commands if c != "__main__.py" and not c.startswith("tools/")} == set()
