"""The local development issuer and its CLI."""

from __future__ import annotations

import json
import stat
from concurrent.futures import ThreadPoolExecutor

import jwt
import pytest

from runtime.auth.issuer import DevIssuer, main
from runtime.auth.keys import JwksKeys
from runtime.auth.roles import Role
from runtime.auth.tokens import TokenVerifier
from runtime.settings import DEV_ISSUER


def verifier_for(directory) -> TokenVerifier:
    return TokenVerifier(keys=JwksKeys(str(directory / "jwks.json")), issuer=DEV_ISSUER,
                         audience="complaint-platform")


def test_the_key_is_private_and_the_jwks_public(tmp_path):
    issuer = DevIssuer(tmp_path)
    assert stat.S_IMODE((tmp_path / "signing-key.pem").stat().st_mode) == 0o600
    [key] = json.loads(issuer.jwks_path.read_text())["keys"]
    assert set(key) == {"kty", "crv", "x", "kid", "alg", "use"}  # no private "d"


def test_the_key_is_kept_between_runs(tmp_path):
    assert DevIssuer(tmp_path).kid == DevIssuer(tmp_path).kid


def test_issuers_starting_at_once_agree_on_one_key(tmp_path):
    with ThreadPoolExecutor(8) as pool:
        kids = set(pool.map(lambda _: DevIssuer(tmp_path).kid, range(16)))
    assert len(kids) == 1


def test_cli_mint_prints_a_token_the_services_accept(tmp_path, capsys):
    assert main(["--dir", str(tmp_path), "mint", "--role", "agent", "--tenant", "acme",
                 "--department", "billing", "--sub", "alice", "--scopes", "complaints:read",
                 "--ttl", "600"]) == 0
    token = capsys.readouterr().out.strip()
    principal = verifier_for(tmp_path).principal(token)
    assert (principal.sub, principal.tenant, principal.departments, principal.scopes) == (
        "alice", "acme", {"billing"}, {"complaints:read"})
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 600


def test_cli_client_credentials(tmp_path, capsys):
    assert main(["--dir", str(tmp_path), "client-credentials", "--client-id", "wechat",
                 "--role", "channel_adapter", "--tenant", "acme"]) == 0
    principal = verifier_for(tmp_path).principal(capsys.readouterr().out.strip())
    assert (principal.client_id, principal.roles, principal.is_person) == (
        "wechat", {Role.CHANNEL_ADAPTER}, False)


def test_cli_init_prints_the_jwks_path(tmp_path, capsys):
    assert main(["--dir", str(tmp_path), "init"]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "jwks.json")


@pytest.mark.parametrize("role", ["team_lead", "finance", "department_head"])
def test_cli_mints_the_roles_the_approval_policy_names(tmp_path, capsys, role):
    assert main(["--dir", str(tmp_path), "mint", "--role", role, "--tenant", "acme",
                 "--department", "customer_service", "--sub", "lead-cs"]) == 0
    principal = verifier_for(tmp_path).principal(capsys.readouterr().out.strip())
    assert (principal.roles, principal.role_names, principal.departments) == (
        {Role(role)}, {role}, {"customer_service"})
    assert principal.has("approvals:decide")


def test_cli_refuses_a_role_nobody_defines(tmp_path, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--dir", str(tmp_path), "mint", "--role", "root", "--tenant", "acme", "--sub", "x"])
    assert exited.value.code == 2
    assert "invalid choice: 'root'" in capsys.readouterr().err
