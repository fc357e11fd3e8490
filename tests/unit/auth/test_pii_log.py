"""The PII access log: append-only, written on every plaintext read by a person, auditors only."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Annotated

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from runtime.auth import Personal, Principal, Role, pii_log_api
from runtime.auth.db import SqliteDatabase
from runtime.auth.pii_log import PiiAccessLog, disclose
from runtime.auth.roles import scopes_for
from runtime.auth.wiring import AccessControl, install

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


class Ticking:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


class View(BaseModel):
    complaint_id: str
    name: Annotated[str | None, Personal.NAME]
    phone: Annotated[str | None, Personal.PHONE]


def person(role: Role, sub: str = "alice", tenant: str = "acme") -> Principal:
    return Principal(sub=sub, tenant=tenant, roles=frozenset({role}), scopes=scopes_for([role]),
                     client_id="agent-console")


@pytest.fixture
def log(tmp_path) -> PiiAccessLog:
    return PiiAccessLog(SqliteDatabase(str(tmp_path / "svc.sqlite")), clock=Ticking())


def test_a_plaintext_read_is_logged_with_the_fields_shown(log):
    view = View(complaint_id="c-1", name="王小明", phone=None)
    assert disclose(view, person(Role.AGENT), complaint_id="c-1", log=log) == view
    [read] = log.query(tenant="acme")
    assert (read.tenant, read.subject, read.client_id, read.complaint_id, read.fields) == (
        "acme", "alice", "agent-console", "c-1", ("name",))
    assert read.at == T0 + timedelta(minutes=1)


def test_a_masked_read_is_not_logged(log):
    view = View(complaint_id="c-1", name="王小明", phone="13812345678")
    seen = disclose(view, person(Role.AUDITOR), complaint_id="c-1", log=log)
    assert (seen.name, seen.phone) == ("王**", "138****5678")
    assert log.query(tenant="acme") == []


def test_clients_acting_for_themselves_are_not_persons(log):
    service = Principal(sub="dispatch", tenant="acme", roles=frozenset({Role.SERVICE}),
                        scopes=frozenset({"pii:read"}), client_id="dispatch")
    assert log.record(service, complaint_id="c-1", fields=["name"]) is None
    assert log.query(tenant="acme") == []


def test_queries_filter_by_complaint_subject_and_time_within_one_tenant(log):
    log.record(person(Role.AGENT, "alice"), complaint_id="c-1", fields=["name"])
    log.record(person(Role.AGENT, "bob"), complaint_id="c-1", fields=["phone"])
    log.record(person(Role.AGENT, "alice"), complaint_id="c-2", fields=["name"])
    log.record(person(Role.AGENT, "eve", tenant="globex"), complaint_id="c-1", fields=["name"])
    assert [r.subject for r in log.query(tenant="acme", complaint_id="c-1")] == ["bob", "alice"]
    assert [r.complaint_id for r in log.query(tenant="acme", subject="alice")] == ["c-2", "c-1"]
    assert [r.subject for r in log.query(tenant="acme", since=T0 + timedelta(minutes=2))] == [
        "alice", "bob"]
    assert [r.subject for r in log.query(tenant="globex")] == ["eve"]
    assert len(log.query(tenant="acme", limit=1)) == 1


@pytest.mark.parametrize("statement", [
    "UPDATE pii_access_log SET subject = 'mallory'", "DELETE FROM pii_access_log",
])
def test_the_log_is_append_only(log, tmp_path, statement):
    log.record(person(Role.AGENT), complaint_id="c-1", fields=["name"])
    db = sqlite3.connect(tmp_path / "svc.sqlite")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute(statement)
    assert len(log.query(tenant="acme")) == 1


def test_reopening_the_database_keeps_the_log(log, tmp_path):
    log.record(person(Role.AGENT), complaint_id="c-1", fields=["name"])
    again = PiiAccessLog(SqliteDatabase(str(tmp_path / "svc.sqlite")))
    assert [r.complaint_id for r in again.query(tenant="acme")] == ["c-1"]


@pytest.fixture
def client(log, verifier) -> TestClient:
    app = FastAPI()
    install(app, AccessControl(verifier=verifier, max_body_bytes=1024, bucket=None))
    app.include_router(pii_log_api.build_router(log))
    return TestClient(app)


def test_auditors_query_their_own_tenant_only(client, log, issuer):
    log.record(person(Role.AGENT, "alice"), complaint_id="c-1", fields=["name", "phone"])
    log.record(person(Role.AGENT, "eve", tenant="globex"), complaint_id="c-9", fields=["name"])
    token = issuer.mint(sub="ann", tenant="acme", roles=["auditor"])
    response = client.get("/v1/audit/pii-access", params={"complaint_id": "c-1"},
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    body = response.json()
    assert body["tenant"] == "acme"
    assert [(r["subject"], r["complaint_id"], r["fields"]) for r in body["reads"]] == [
        ("alice", "c-1", ["name", "phone"])]


@pytest.mark.parametrize("role", [r.value for r in Role if r is not Role.AUDITOR])
def test_no_other_role_reads_the_log(client, issuer, role):
    token = issuer.mint(sub="x", tenant="acme", roles=[role])
    response = client.get("/v1/audit/pii-access", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403


def test_since_needs_a_time_zone(client, issuer):
    token = issuer.mint(sub="ann", tenant="acme", roles=["auditor"])
    response = client.get("/v1/audit/pii-access", params={"since": "2026-03-01T09:00:00"},
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422
