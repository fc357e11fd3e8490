"""Who is calling: the verified claims of a bearer token, in the shape endpoints need."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from runtime.auth.roles import Role, roles_from, scopes_for


class MalformedClaims(ValueError):
    """A signed token whose claims do not describe a principal (e.g. no tenant)."""


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: a person, a channel adapter or another service."""

    sub: str
    tenant: str
    roles: frozenset[Role]
    scopes: frozenset[str]
    departments: frozenset[str] = frozenset()
    queues: frozenset[str] = frozenset()
    client_id: str | None = None
    # Every role the token names, platform roles or not: business rules may use the others
    # (an approval policy's "finance" or "team_lead"); only `roles` grant scopes.
    role_names: frozenset[str] = frozenset()

    def has(self, scope: str) -> bool:
        """Whether the principal holds scope."""
        return scope in self.scopes

    @property
    def is_person(self) -> bool:
        """A person, not a client acting for itself (client credentials: sub is the client)."""
        return self.client_id is None or self.sub != self.client_id

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> Principal:
        """The principal a verified token describes."""
        tenant, sub = claims.get("tenant"), claims.get("sub")
        if not isinstance(tenant, str) or not tenant:
            raise MalformedClaims("the token names no tenant")
        if not isinstance(sub, str) or not sub:
            raise MalformedClaims("the token names no subject")
        names = _strings(claims, "roles")
        roles = roles_from(names)
        requested = claims.get("scope")
        if requested is not None and not isinstance(requested, str):
            raise MalformedClaims("scope must be a space-separated string")
        for name in ("client_id", "azp", "jti"):
            if name in claims and not isinstance(claims[name], str):
                raise MalformedClaims(f"{name} must be a string")
        client_id = claims.get("client_id") or claims.get("azp")
        return cls(
            sub=sub, tenant=tenant, roles=roles,
            scopes=scopes_for(roles, requested.split() if requested is not None else None),
            departments=frozenset(_strings(claims, "departments")),
            queues=frozenset(_strings(claims, "queues")),
            client_id=client_id if isinstance(client_id, str) and client_id else None,
            role_names=frozenset(names),
        )


def _strings(claims: Mapping[str, Any], name: str) -> list[str]:
    # A lone string is refused, not read as a list of one: `"roles": "supervisor"` is a
    # token another system shaped differently, and guessing what it meant grants scopes.
    value = claims.get(name, [])
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise MalformedClaims(f"{name} must be a list of non-empty strings")
    return value
