"""Roles and the scopes each one grants: the one declarative map every endpoint checks against.

A token names roles; its scopes are what those roles grant here, narrowed by the token's own
`scope` claim when it has one. A token can ask for less than its roles allow, never for more.
`Role` is the one list of roles: the dev issuer mints these, and resolution's approval policy
may name only the approvers among them (`APPROVER_ROLES`).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Role(StrEnum):
    CUSTOMER = "customer"
    CHANNEL_ADAPTER = "channel_adapter"
    SERVICE = "service"
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    # A department's line managers, as dispatch's roster names them (team_lead, head).
    TEAM_LEAD = "team_lead"
    DEPARTMENT_HEAD = "department_head"
    FINANCE = "finance"
    AUDITOR = "auditor"
    ANALYST = "analyst"
    ADMINISTRATOR = "administrator"


class Scope(StrEnum):
    COMPLAINTS_FILE = "complaints:file"
    COMPLAINTS_READ = "complaints:read"
    COMPLAINTS_WORK = "complaints:work"
    COMPLAINTS_ASSIGN = "complaints:assign"
    APPROVALS_DECIDE = "approvals:decide"
    PII_READ = "pii:read"
    ALL_DEPARTMENTS = "departments:all"
    AUDIT_READ = "audit:read"
    ANALYTICS_READ = "analytics:read"
    CONFIG_READ = "config:read"
    CONFIG_WRITE = "config:write"
    CUSTOMERS_ERASE = "customers:erase"


S = Scope
# Supervisors, team leads and department heads run a department's work: assign, approve, read.
LINE_MANAGEMENT = frozenset({
    S.COMPLAINTS_FILE, S.COMPLAINTS_READ, S.COMPLAINTS_WORK, S.COMPLAINTS_ASSIGN,
    S.APPROVALS_DECIDE, S.PII_READ, S.ANALYTICS_READ,
})
ROLE_SCOPES: dict[Role, frozenset[Scope]] = {
    # Customers never hold a bearer token: they use per-complaint tracking and survey tokens.
    Role.CUSTOMER: frozenset(),
    Role.CHANNEL_ADAPTER: frozenset({S.COMPLAINTS_FILE}),
    # Other services of the platform: read what they need across the tenant, no plaintext PII.
    Role.SERVICE: frozenset({S.COMPLAINTS_READ, S.ALL_DEPARTMENTS}),
    Role.AGENT: frozenset({S.COMPLAINTS_FILE, S.COMPLAINTS_READ, S.COMPLAINTS_WORK, S.PII_READ}),
    Role.SUPERVISOR: LINE_MANAGEMENT,
    Role.TEAM_LEAD: LINE_MANAGEMENT,
    Role.DEPARTMENT_HEAD: LINE_MANAGEMENT,
    # Finance approves large amounts in the departments its token names; no personal data.
    Role.FINANCE: frozenset({S.COMPLAINTS_READ, S.APPROVALS_DECIDE}),
    Role.AUDITOR: frozenset({S.AUDIT_READ, S.COMPLAINTS_READ, S.ALL_DEPARTMENTS, S.CONFIG_READ}),
    Role.ANALYST: frozenset({S.ANALYTICS_READ}),
    Role.ADMINISTRATOR: frozenset({S.CONFIG_READ, S.CONFIG_WRITE, S.CUSTOMERS_ERASE}),
}

# The roles an approval policy may name: those that may decide approvals at all.
APPROVER_ROLES = frozenset(r for r, scopes in ROLE_SCOPES.items() if S.APPROVALS_DECIDE in scopes)


def roles_from(names: Iterable[str]) -> frozenset[Role]:
    """The known roles among names; unknown names grant nothing."""
    known = {role.value for role in Role}
    return frozenset(Role(name) for name in names if name in known)


def scopes_for(roles: Iterable[Role], requested: Iterable[str] | None = None) -> frozenset[str]:
    """What the roles grant, narrowed to `requested` when the token asked for specific scopes."""
    granted: set[str] = set()
    for role in roles:
        granted |= {scope.value for scope in ROLE_SCOPES[role]}
    return frozenset(granted if requested is None else granted & set(requested))
