"""What the access-control attacks fire: tokens that must not reach a complaint, bad tokens,
and the routes that ask for a scope (test_access_control_attack*.py, test_work_access_attack.py).
"""

from __future__ import annotations

import base64
import json
import random
import time
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI

from runtime.auth.roles import roles_from, scopes_for
from tests.auth_tokens import Tokens, bearer
from tests.integration.platform_world import EVERY_ROLE, TENANT, World

OTHER_TENANT = "globex"


def holds(roles: list[str], scope: str, requested: list[str] | None = None) -> bool:
    return scope in scopes_for(roles_from(roles), requested)


def attackers(world: World, complaint_id: str, rng: random.Random
              ) -> list[tuple[str, list[str], dict[str, str]]]:
    """Tokens that must not reach this complaint: (why, roles, headers)."""
    department, queue = world.departments[complaint_id], world.queues[complaint_id]
    other_department = rng.choice(sorted(set(world.departments.values()) - {department}))
    mint = world.tokens.token
    return [
        ("other tenant, every role", EVERY_ROLE,
         bearer(mint(*EVERY_ROLE, tenant=OTHER_TENANT, departments=[department], sub="eve"))),
        ("other tenant, agent of the department", ["agent"],
         bearer(mint("agent", tenant=OTHER_TENANT, departments=[department], sub="eve"))),
        ("other tenant, a service", ["service"],
         bearer(world.tokens.client("service", tenant=OTHER_TENANT, client_id="svc"))),
        ("the tenant in capitals", EVERY_ROLE,
         bearer(mint(*EVERY_ROLE, tenant=TENANT.upper(), sub="oscar"))),
        ("other department, supervisor", ["supervisor"],
         bearer(mint("supervisor", tenant=TENANT, departments=[other_department], sub="mal"))),
        ("other department, agent", ["agent"],
         bearer(mint("agent", tenant=TENANT, departments=[other_department], sub="mal"))),
        ("the department, another queue", ["supervisor"],
         bearer(mint("supervisor", tenant=TENANT, departments=[department],
                     queues=[f"not-{queue}"], sub="trent"))),
    ]


def alg_none(claims: dict, kid: str) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{part(claims)}."


def bad_tokens(tokens: Tokens) -> dict[str, str]:
    issuer = tokens.issuer
    now = int(time.time())
    claims = {"iss": issuer.issuer, "aud": issuer.audience, "sub": "mallory", "iat": now,
              "nbf": now, "exp": now + 600, "tenant": TENANT, "roles": EVERY_ROLE,
              "departments": [], "jti": str(uuid.uuid4())}
    def signed(**loose) -> str:  # correctly signed, claims as given (issue #21, point 9)
        return jwt.encode({**claims, **loose}, issuer._key, algorithm="EdDSA",
                          headers={"kid": issuer.kid})

    return {
        "expired": tokens.token(*EVERY_ROLE, tenant=TENANT, ttl_s=-3600),
        "exp as a string": signed(exp=str(now + 600)),
        "exp in 10**20 s": signed(exp=10**20),
        "a week long": signed(exp=now + 7 * 86_400),
        "roles as one string": signed(roles="supervisor"),
        "departments as one string": signed(departments="billing"),
        "wrongly signed": jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA",
                                     headers={"kid": issuer.kid}),
        "wrong audience": tokens.token(*EVERY_ROLE, tenant=TENANT, aud="another-platform"),
        "wrong issuer": tokens.token(*EVERY_ROLE, tenant=TENANT, iss="urn:someone-else"),
        "alg none": alg_none(claims, issuer.kid),
        "garbage": "not.a.jwt",
    }


OPEN = {"/healthz", "/readyz", "/metrics", "/v1/track/{token}", "/v1/surveys/{token}",
        "/v1/surveys/{token}/acceptance", "/v1/progress/{token}",
        "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"}


def operations(app: FastAPI) -> list[tuple[str, str]]:
    return [(method.upper(), path) for path, item in app.openapi()["paths"].items()
            for method in item if path not in OPEN]
