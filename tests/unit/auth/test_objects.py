"""Object-level checks: another tenant's or department's complaint does not exist for you."""

from __future__ import annotations

import pytest

from runtime.auth import NotFound, Principal, Role, authorize_object, may_see
from runtime.auth.roles import scopes_for


def principal(role: Role, tenant="acme", departments=("billing",), queues=()) -> Principal:
    return Principal(sub="p", tenant=tenant, roles=frozenset({role}),
                     scopes=scopes_for([role]), departments=frozenset(departments),
                     queues=frozenset(queues))


def test_own_tenant_and_department_is_visible():
    authorize_object(principal(Role.AGENT), tenant="acme", department="billing")


@pytest.mark.parametrize(("tenant", "department"), [
    ("globex", "billing"), ("acme", "claims"), ("acme", None), ("ACME", "billing"),
])
def test_anything_else_is_not_found(tenant, department):
    with pytest.raises(NotFound) as caught:
        authorize_object(principal(Role.SUPERVISOR), tenant=tenant, department=department)
    assert (caught.value.status_code, caught.value.detail) == (404, "complaint not found")


def test_the_404_is_the_one_a_missing_object_gets():
    with pytest.raises(NotFound) as forbidden:
        authorize_object(principal(Role.AGENT), tenant="globex", department="billing",
                         what="case")
    missing = NotFound("case")
    assert (forbidden.value.status_code, forbidden.value.detail, forbidden.value.headers) == (
        missing.status_code, missing.detail, missing.headers)


def test_agents_with_queues_see_only_their_queues():
    agent = principal(Role.AGENT, queues=("billing-1",))
    assert may_see(agent, tenant="acme", department="billing", queue="billing-1")
    assert not may_see(agent, tenant="acme", department="billing", queue="billing-2")


def test_tenant_wide_roles_see_every_department_of_their_tenant_only():
    auditor = principal(Role.AUDITOR, departments=())
    assert may_see(auditor, tenant="acme", department="claims")
    assert may_see(auditor, tenant="acme", department=None)
    assert not may_see(auditor, tenant="globex", department="claims")
