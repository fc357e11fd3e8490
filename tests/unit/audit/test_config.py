"""The audit tool finds each service's store where that service itself would."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit.config import AuditSettings
from audit.stores import SERVICES, StoreMissing, open_stores


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ("DATABASE_URL", "DATA_DIR", "INTAKE_DATABASE_URL", "SLA_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_default_is_each_services_sqlite_file():
    settings = AuditSettings()
    own = {s.name: s.settings(settings).event_store_url for s in SERVICES}
    assert own == {name: f"sqlite:///{Path('.local/data') / name}.sqlite"
                   for name in ("intake", "dispatch", "sla", "resolution", "notify", "work")}
    assert settings.http_port == 8009


def test_one_database_url_for_all_and_one_service_elsewhere(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/complaints")
    monkeypatch.setenv("SLA_DATABASE_URL", "postgresql://other/sla")
    settings = AuditSettings()
    assert [settings.database_url_of(s.name) for s in SERVICES] == [
        "postgresql://db/complaints", "postgresql://db/complaints", "postgresql://other/sla",
        "postgresql://db/complaints", "postgresql://db/complaints", "postgresql://db/complaints",
    ]


def test_stores_open_from_the_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    with pytest.raises(StoreMissing, match=str(tmp_path / "intake.sqlite")):
        open_stores(AuditSettings())
