"""The role -> scopes map says what the issue says each role may do, and no more."""

from __future__ import annotations

from runtime.auth.roles import APPROVER_ROLES, ROLE_SCOPES, Role, Scope, scopes_for

LINE_MANAGERS = {Role.SUPERVISOR, Role.TEAM_LEAD, Role.DEPARTMENT_HEAD}
WRITES = {Scope.COMPLAINTS_FILE, Scope.COMPLAINTS_WORK, Scope.COMPLAINTS_ASSIGN,
          Scope.APPROVALS_DECIDE, Scope.CONFIG_WRITE, Scope.CUSTOMERS_ERASE}


def test_every_role_has_an_entry():
    assert set(ROLE_SCOPES) == set(Role)


def test_customers_hold_no_bearer_scopes():
    assert ROLE_SCOPES[Role.CUSTOMER] == frozenset()


def test_channel_adapters_only_file():
    assert ROLE_SCOPES[Role.CHANNEL_ADAPTER] == {Scope.COMPLAINTS_FILE}


def test_only_agents_and_line_managers_read_personal_data():
    readers = {role for role, scopes in ROLE_SCOPES.items() if Scope.PII_READ in scopes}
    assert readers == {Role.AGENT} | LINE_MANAGERS


def test_auditors_change_nothing():
    assert not ROLE_SCOPES[Role.AUDITOR] & WRITES
    assert Scope.AUDIT_READ in ROLE_SCOPES[Role.AUDITOR]


def test_analysts_see_aggregates_only():
    assert ROLE_SCOPES[Role.ANALYST] == {Scope.ANALYTICS_READ}


def test_administrators_configure_but_do_not_read_complaints():
    admin = ROLE_SCOPES[Role.ADMINISTRATOR]
    assert Scope.CONFIG_WRITE in admin
    assert not admin & {Scope.COMPLAINTS_READ, Scope.PII_READ}


def test_only_line_managers_reassign():
    assert {r for r, s in ROLE_SCOPES.items() if Scope.COMPLAINTS_ASSIGN in s} == LINE_MANAGERS


def test_line_managers_and_finance_approve_and_are_the_roles_a_policy_may_name():
    deciders = {r for r, s in ROLE_SCOPES.items() if Scope.APPROVALS_DECIDE in s}
    assert deciders == APPROVER_ROLES == LINE_MANAGERS | {Role.FINANCE}


def test_finance_reads_and_approves_and_nothing_else():
    assert ROLE_SCOPES[Role.FINANCE] == {Scope.COMPLAINTS_READ, Scope.APPROVALS_DECIDE}


def test_agents_and_supervisors_are_bound_to_their_departments():
    tenant_wide = {r for r, s in ROLE_SCOPES.items() if Scope.ALL_DEPARTMENTS in s}
    assert tenant_wide == {Role.AUDITOR, Role.SERVICE}


def test_requested_scopes_narrow_the_grant():
    assert scopes_for([Role.AGENT], ["pii:read", "config:write"]) == {"pii:read"}
    assert scopes_for([Role.ANALYST, Role.AUDITOR]) == (
        ROLE_SCOPES[Role.ANALYST] | ROLE_SCOPES[Role.AUDITOR])
