"""#17.9: the audit service depends on each service's `published` module only, and reads a
store under the very name the service's application writes it with."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

from audit.stores import SERVICES, read_only_env, reader
from runtime.eventstore import persistence_env
from services.dispatch.application import DispatchApplication
from services.intake.application import IntakeApplication
from services.notify.application import NotifyApplication
from services.resolution.application import ResolutionApplication
from services.sla.application import SlaApplication
from services.work.application import WorkApplication
from services.work.tags import ComplaintTags

AUDIT = Path(__file__).resolve().parents[3] / "audit"
APPLICATIONS = {
    "intake": IntakeApplication, "dispatch": DispatchApplication, "sla": SlaApplication,
    "resolution": ResolutionApplication, "notify": NotifyApplication, "work": WorkApplication,
}


def service_imports() -> set[str]:
    """Every `services.*` module the audit package imports (`from services.x import y` counts
    as `services.x.y`)."""
    found = set()
    for path in AUDIT.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("services"):
                package = node.module.count(".") == 1
                found.update(f"{node.module}.{a.name}" if package else node.module
                             for a in node.names)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("services"))
    return found


def test_audit_imports_only_the_services_published_modules() -> None:
    assert service_imports() == {f"services.{name}.published" for name in APPLICATIONS}


def test_no_application_is_built_behind_its_constructor() -> None:
    assert not [p.name for p in AUDIT.glob("*.py") if "__new__" in p.read_text(encoding="utf-8")]


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_each_store_is_read_under_its_applications_name(service) -> None:
    assert service.store == APPLICATIONS[service.name].name


def test_a_reader_reads_what_the_service_stored(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/work.sqlite"
    work = WorkApplication(env=persistence_env(url))
    tags = ComplaintTags(complaint_id="c-1", tenant="acme")
    tags.add("vip", actor="agent-1", at=datetime.now(UTC))
    work.save(tags)
    work.close()
    store = next(s for s in SERVICES if s.name == "work")

    app = reader(store.store, read_only_env(url))
    try:
        stored = [app.mapper.to_domain_event(n)
                  for n in app.recorder.select_notifications(None, 10)]
    finally:
        app.close()

    assert [(type(e).__qualname__, e.tag) for e in stored if hasattr(e, "tag")] == [
        ("ComplaintTags.Tagged", "vip")]
