"""Object-level checks: a complaint of another tenant or department does not exist for you.

A forbidden object answers exactly as a missing one (404, same body, same headers), so a
caller cannot learn that an identifier is in use. That only holds because identifiers are
random UUIDs (uuid4, or uuid5 of a random one): none can be guessed or enumerated.
"""

from __future__ import annotations

from fastapi import HTTPException, status

from runtime.auth.principal import Principal
from runtime.auth.roles import Scope


class NotFound(HTTPException):
    """404 for an object that is missing or that the caller may not know of: one body for both."""

    def __init__(self, what: str = "complaint") -> None:
        super().__init__(status.HTTP_404_NOT_FOUND, f"{what} not found")


def may_see(principal: Principal, *, tenant: str, department: str | None,
            queue: str | None = None) -> bool:
    """Whether the object (of this tenant, department and queue) is visible to principal."""
    if principal.tenant != tenant:
        return False
    if principal.has(Scope.ALL_DEPARTMENTS):
        return True
    # Not yet dispatched: no department has it, so only tenant-wide roles may see it.
    if department is None or department not in principal.departments:
        return False
    # Agents who are given queues see their queues' complaints within their departments.
    return not principal.queues or queue is None or queue in principal.queues


def authorize_object(principal: Principal, *, tenant: str, department: str | None,
                     queue: str | None = None, what: str = "complaint") -> None:
    """Raise NotFound(what) unless the object is visible to principal."""
    if not may_see(principal, tenant=tenant, department=department, queue=queue):
        raise NotFound(what)
