"""Bearer tokens for tests: a dev issuer whose key lives in the test's temporary directory, and
the settings (or environment) that make a service trust exactly that issuer.

    def test_x(tokens):
        http, runtime = bootstrap(IntakeSettings(data_dir=tmp_path, **tokens.settings))
        client = TestClient(http, headers=tokens.headers("agent", departments=["billing"]))
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

import contracts
from contracts.envelope import DomainEvent, Envelope
from contracts.registry import parse
from runtime import request_validation
from runtime.auth.issuer import DEV_AUDIENCE, DevIssuer
from runtime.auth.keys import JwksKeys
from runtime.auth.roles import Role
from runtime.auth.tokens import TokenVerifier
from runtime.auth.wiring import AccessControl, install
from runtime.settings import DEV_ISSUER

TENANT = "default"
# Tests of business behaviour (not of access control) act with every scope there is: a
# supervisor for work and approvals, an auditor for every department, an administrator for
# configuration and erasure.
EVERY_ROLE = ("supervisor", "auditor", "administrator")


class Tokens:
    """Mints tokens with one dev issuer; services configured with `settings` trust them."""

    def __init__(self, directory: Path) -> None:
        self.issuer = DevIssuer(directory)

    @property
    def directory(self) -> Path:
        return self.issuer.directory

    @property
    def settings(self) -> dict[str, Any]:
        """Settings fields for a service that trusts this issuer (no rate limit in tests)."""
        return {"auth_mode": "dev", "auth_dir": self.directory, "rate_limit_per_s": 0}

    @property
    def env(self) -> dict[str, str]:
        """The same, as the environment of a service process."""
        return {"AUTH_MODE": "dev", "AUTH_DIR": str(self.directory)}

    def access(self, *, max_body_bytes: int = 1_048_576) -> AccessControl:
        """Access control for an app built from routers alone (not create_http_app)."""
        verifier = TokenVerifier(keys=JwksKeys(str(self.issuer.jwks_path)), issuer=DEV_ISSUER,
                                 audience=DEV_AUDIENCE)
        return AccessControl(verifier=verifier, max_body_bytes=max_body_bytes, bucket=None)

    def app(self, *routers: Any, max_body_bytes: int = 1_048_576) -> FastAPI:
        """A bare FastAPI app with these routers behind access control, its requests validated
        as every service's are."""
        api = FastAPI()
        request_validation.install(api)
        install(api, self.access(max_body_bytes=max_body_bytes))
        for router in routers:
            api.include_router(router)
        return api

    def token(self, *roles: str, tenant: str = TENANT, sub: str = "tester",
              departments: Iterable[str] = (), queues: Iterable[str] = (), **claims: Any) -> str:
        """A person's token; `roles` may name business roles too (e.g. finance)."""
        return self.issuer.mint(sub=sub, tenant=tenant, roles=roles or EVERY_ROLE,
                                departments=departments, queues=queues, **claims)

    def client(self, role: str = Role.CHANNEL_ADAPTER, *, tenant: str = TENANT,
               client_id: str = "web") -> str:
        """A channel adapter's or service's own token (client credentials)."""
        return self.issuer.client_credentials(client_id=client_id, role=Role(role), tenant=tenant)

    def headers(self, *roles: str, **kwargs: Any) -> dict[str, str]:
        """The Authorization header of `token(*roles, **kwargs)`."""
        return bearer(self.token(*roles, **kwargs))


def bearer(token: str) -> dict[str, str]:
    """The Authorization header carrying token."""
    return {"Authorization": f"Bearer {token}"}


def assigned(complaint_id: str, *, tenant: str, department: str,
             queue: str | None = None) -> tuple[Envelope, DomainEvent]:
    """Dispatch's `complaint.assigned.v1` giving complaint_id to department (a fresh event id):
    what tells intake, SLA and resolution which department may see the complaint."""
    path = Path(contracts.__file__).parent / "samples" / "complaint.assigned.v1.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    raw.update(id=str(uuid.uuid4()), subject=complaint_id, tenant=tenant)
    raw["data"].update(complaint_id=complaint_id, department=department,
                       queue=queue or f"{department}-1")
    return parse(raw)


@pytest.fixture
def tokens(tmp_path: Path) -> Tokens:
    """A dev issuer in this test's temporary directory."""
    return Tokens(tmp_path / "auth")
