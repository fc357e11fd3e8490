"""Token verification: what passes, and every way a token is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from runtime.auth.issuer import DevIssuer
from runtime.auth.roles import Role, Scope
from runtime.auth.tokens import InvalidToken, TokenVerifier


def agent(issuer: DevIssuer, **overrides) -> str:
    claims = {"sub": "alice", "tenant": "acme", "roles": ["agent"], "departments": ["billing"]}
    return issuer.mint(**{**claims, **overrides})


def refused(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(InvalidToken) as caught:
        verifier.principal(token)
    return str(caught.value)


def test_a_valid_token_names_its_principal(issuer, verifier):
    principal = verifier.principal(agent(issuer, queues=["billing-1"]))
    assert principal.sub == "alice"
    assert principal.tenant == "acme"
    assert principal.roles == {Role.AGENT}
    assert principal.departments == {"billing"}
    assert principal.queues == {"billing-1"}
    assert principal.scopes == {"complaints:file", "complaints:read", "complaints:work",
                                "pii:read"}
    assert principal.client_id is None
    assert principal.is_person


def test_expired_token_is_refused_after_the_leeway(issuer, verifier):
    past = DevIssuer(issuer.directory, clock=lambda: time.time() - 100)
    assert verifier.principal(past.mint(sub="a", tenant="acme", roles=["agent"], ttl_s=80))
    assert refused(verifier, past.mint(sub="a", tenant="acme", roles=["agent"], ttl_s=60)) \
        == "the token has expired"


def test_token_not_valid_yet_is_refused(issuer, verifier):
    future = DevIssuer(issuer.directory, clock=lambda: time.time() + 120)
    assert refused(verifier, agent(future)) == "the token is not valid yet"


def test_wrong_signature_is_refused(issuer, verifier, tmp_path: Path):
    # An attacker's own key, under the kid the platform trusts.
    forged = jwt.encode(jwt.decode(agent(issuer), options={"verify_signature": False}),
                        Ed25519PrivateKey.generate(), algorithm="EdDSA",
                        headers={"kid": issuer.kid})
    assert refused(verifier, forged) == "the signature does not verify"


def test_tampered_payload_is_refused(issuer, verifier):
    header, payload, signature = agent(issuer).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["tenant"] = "globex"
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert refused(verifier, f"{header}.{payload}.{signature}") == "the signature does not verify"


def test_wrong_audience_is_refused(issuer, verifier):
    assert refused(verifier, agent(issuer, aud="another-platform")) \
        == "the token is for another audience"


def test_wrong_issuer_is_refused(issuer, verifier):
    assert refused(verifier, agent(issuer, iss="https://evil.example")) \
        == "the token is from another issuer"


def test_alg_none_is_refused(issuer, verifier):
    claims = jwt.decode(agent(issuer), options={"verify_signature": False})
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": issuer.kid})
    assert refused(verifier, unsigned) == "algorithm 'none' is not accepted"
    assert refused(verifier, unsigned.rsplit(".", 1)[0] + ".") \
        == "algorithm 'none' is not accepted"


def test_hmac_signed_with_the_public_key_is_refused(issuer, verifier):
    # Algorithm confusion: the published key used as an HMAC secret.
    claims = jwt.decode(agent(issuer), options={"verify_signature": False})
    public = json.dumps(issuer.jwks()["keys"][0]).encode()
    header = base64.urlsafe_b64encode(json.dumps(
        {"alg": "HS256", "typ": "JWT", "kid": issuer.kid}).encode()).rstrip(b"=")
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    signature = base64.urlsafe_b64encode(
        hmac.new(public, header + b"." + body, hashlib.sha256).digest()).rstrip(b"=")
    token = b".".join([header, body, signature]).decode()
    assert refused(verifier, token) == "algorithm 'HS256' is not accepted"


def test_a_trusted_key_labelled_with_another_algorithm_is_refused(issuer, verifier):
    _, payload, signature = agent(issuer).split(".")
    relabelled = base64.urlsafe_b64encode(json.dumps(
        {"alg": "ES256", "kid": issuer.kid}).encode()).rstrip(b"=").decode()
    assert refused(verifier, f"{relabelled}.{payload}.{signature}") \
        == f"key {issuer.kid} does not sign with ES256"


def test_unknown_kid_is_refused(issuer, verifier, tmp_path: Path):
    stranger = DevIssuer(tmp_path / "stranger")
    assert refused(verifier, agent(stranger)) == "the token is signed with an unknown key"


def test_missing_kid_is_refused(issuer, verifier):
    claims = jwt.decode(agent(issuer), options={"verify_signature": False})
    token = jwt.encode(claims, issuer._key, algorithm="EdDSA")
    assert refused(verifier, token) == "the token names no key (kid)"


@pytest.mark.parametrize(("garbage", "reason"), [
    ("", "the token is not a well-formed JWT"),
    ("abc", "the token is not a well-formed JWT"),
    ("a.b.c", "the token is not a well-formed JWT"),
    ("ä.ö.ü", "the token is not a well-formed JWT"),
    ("eyJhbGciOiJFZERTQSJ9..", "the token names no key (kid)"),
])
def test_garbage_is_refused(verifier, garbage, reason):
    assert refused(verifier, garbage) == reason


@pytest.mark.parametrize("missing", ["exp", "iat", "sub", "tenant"])
def test_a_token_without_a_required_claim_is_refused(issuer, verifier, missing):
    claims = jwt.decode(agent(issuer), options={"verify_signature": False})
    del claims[missing]
    token = jwt.encode(claims, issuer._key, algorithm="EdDSA", headers={"kid": issuer.kid})
    assert refused(verifier, token)


def test_the_scope_claim_narrows_but_never_widens(issuer, verifier):
    narrowed = verifier.principal(agent(issuer, scopes=["complaints:read", "config:write"]))
    assert narrowed.scopes == {Scope.COMPLAINTS_READ}


def test_unknown_roles_grant_nothing_but_are_kept_for_business_rules(issuer, verifier):
    principal = verifier.principal(agent(issuer, roles=["root", "customer", "treasurer"]))
    assert principal.roles == {Role.CUSTOMER}
    assert principal.scopes == frozenset()
    assert principal.role_names == {"root", "customer", "treasurer"}


def test_client_credentials_name_the_client(issuer, verifier):
    token = issuer.client_credentials(client_id="wechat", role=Role.CHANNEL_ADAPTER,
                                      tenant="acme")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert (claims["azp"], claims["client_id"], claims["sub"]) == ("wechat",) * 3
    principal = verifier.principal(token)
    assert principal.client_id == "wechat"
    assert principal.scopes == {Scope.COMPLAINTS_FILE}
    assert not principal.is_person


def test_client_credentials_are_only_for_adapters_and_services(issuer):
    with pytest.raises(ValueError):
        issuer.client_credentials(client_id="x", role=Role.SUPERVISOR, tenant="acme")


# Issue #21, point 9: correctly signed tokens whose claims have the wrong type or no end.

# Parameters are made when the suite is collected, which may be many minutes before this runs:
# an exp hours ahead (under the 24 h cap) has not passed by then.
HOURS_AHEAD = 6 * 3600


@pytest.mark.parametrize(("claims", "reason"), [
    ({"exp": str(int(time.time()) + HOURS_AHEAD)}, "the exp claim must be an integer (seconds)"),
    ({"exp": time.time() + HOURS_AHEAD}, "the exp claim must be an integer (seconds)"),
    ({"iat": str(int(time.time()))}, "the iat claim must be an integer (seconds)"),
    ({"iat": [1]}, "the token is invalid: Issued At claim (iat) must be an integer."),
    ({"nbf": str(int(time.time()))}, "the nbf claim must be an integer (seconds)"),
    ({"exp": 10**20}, "the token lives longer than 86400 s"),
    ({"roles": "supervisor"}, "roles must be a list of non-empty strings"),
    ({"roles": ["supervisor", 7]}, "roles must be a list of non-empty strings"),
    ({"roles": [""]}, "roles must be a list of non-empty strings"),
    ({"departments": "billing"}, "departments must be a list of non-empty strings"),
    ({"queues": {"billing-1": True}}, "queues must be a list of non-empty strings"),
    ({"tenant": ["acme"]}, "the token names no tenant"),
    ({"tenant": ""}, "the token names no tenant"),
    ({"sub": 42}, "the token is invalid: Subject must be a string"),
    ({"client_id": 42}, "client_id must be a string"),
    ({"azp": ["web"]}, "azp must be a string"),
    ({"jti": ["x"]}, "the token is invalid: JWT ID must be a string"),
    ({"scope": ["complaints:read"]}, "scope must be a space-separated string"),
])
def test_a_signed_token_with_loosely_typed_claims_is_refused(issuer, verifier, claims, reason):
    assert refused(verifier, signed(issuer, **claims)) == reason


def signed(issuer: DevIssuer, **claims) -> str:
    """An agent's token with these claims as given, signed with the trusted key (mint()
    would make a list of a lone string)."""
    valid = jwt.decode(agent(issuer), options={"verify_signature": False})
    return jwt.encode({**valid, **claims}, issuer._key, algorithm="EdDSA",
                      headers={"kid": issuer.kid})


def test_a_token_may_live_a_day_and_not_a_second_more(issuer, verifier):
    assert verifier.principal(agent(issuer, ttl_s=86_400)).sub == "alice"
    assert refused(verifier, agent(issuer, ttl_s=86_401)) == "the token lives longer than 86400 s"


def test_a_backdated_iat_does_not_stretch_the_lifetime(issuer, verifier):
    now = int(time.time())
    assert refused(verifier, agent(issuer, iat=now - 86_000, exp=now + 86_000)) \
        == "the token lives longer than 86400 s"


def test_the_maximum_lifetime_is_a_setting(issuer):
    from runtime.auth.keys import JwksKeys
    from runtime.auth.tokens import TokenVerifier
    from runtime.settings import DEV_ISSUER
    short = TokenVerifier(keys=JwksKeys(str(issuer.jwks_path)), issuer=DEV_ISSUER,
                          audience=issuer.audience, max_lifetime_s=600)
    assert short.principal(agent(issuer, ttl_s=600)).sub == "alice"
    assert refused(short, agent(issuer, ttl_s=601)) == "the token lives longer than 600 s"
    client = issuer.client_credentials(client_id="web", role=Role.CHANNEL_ADAPTER,
                                       tenant="acme", ttl_s=3600)
    assert refused(short, client) == "the token lives longer than 600 s"
