"""Signing in: OIDC authorization code with PKCE against the configured issuer, or, with
AUTH_MODE=dev, a local page that picks a demo user per role (development only)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

import jwt
from fastapi import APIRouter, Form, HTTPException, Query, status

from runtime.auth.issuer import DevIssuer
from runtime.auth.roles import Role
from services.console.web import Console, Page, Visit, local_path


@dataclass(frozen=True)
class DemoUser:
    sub: str
    roles: tuple[str, ...]
    departments: tuple[str, ...] = ()
    tenant: str | None = None  # None: the deployment's tenant

    @property
    def key(self) -> str:
        """Unique on the page: `lead-cs`, `lead-cs+team_lead+finance`, `cs-ana@other-tenant`."""
        roles = "+" + "+".join(self.roles) if len(self.roles) > 1 else ""
        return self.sub + roles + (f"@{self.tenant}" if self.tenant else "")


CS = ("customer_service",)
DEMO_USERS = (
    DemoUser("cs-ana", (Role.AGENT,), CS), DemoUser("cs-li", (Role.AGENT,), CS),
    DemoUser("cs-omar", (Role.AGENT,), CS), DemoUser("cs-mei", (Role.AGENT,), CS),
    DemoUser("fr-jonas", (Role.AGENT,), ("fraud_operations",)),
    DemoUser("cs-ana", (Role.AGENT,), CS, tenant="other-tenant"),
    DemoUser("sup-cs", (Role.SUPERVISOR,), CS), DemoUser("lead-cs", (Role.TEAM_LEAD,), CS),
    # The same lead holding finance's role too: four eyes still refuses them a second step.
    DemoUser("lead-cs", (Role.TEAM_LEAD, Role.FINANCE), CS),
    DemoUser("fin-1", (Role.FINANCE,), CS), DemoUser("mgr-zhou", (Role.ANALYST,)),
    DemoUser("aud-1", (Role.AUDITOR,)),
)


def pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(48)
    return verifier, challenge_of(verifier)


def challenge_of(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def home_of(roles: list[str]) -> str:
    """The page a person lands on after signing in, by their first role that has one."""
    for role, page in (("agent", "/work"), ("supervisor", "/supervisor"),
                       ("team_lead", "/supervisor"), ("finance", "/supervisor"),
                       ("department_head", "/supervisor"), ("analyst", "/dashboard"),
                       ("auditor", "/audit")):
        if role in roles:
            return page
    return "/"


def user_of(token: str) -> dict[str, Any]:
    """What the pages show of the person; the services verify the token, not the console."""
    claims = jwt.decode(token, options={"verify_signature": False})
    return {key: claims.get(key) for key in ("sub", "tenant", "roles", "departments")}


def build_router(console: Console) -> APIRouter:
    """Sign-in, the OIDC callback and sign-out."""
    router = APIRouter(tags=["sign-in"])
    settings = console.settings

    def start_session(page: Visit, token: str, expires_in: float) -> None:
        page.session.token, page.session.user = token, user_of(token)
        page.session.expires_at = time.time() + expires_in
        page.session.csrf = secrets.token_urlsafe(24)  # a new one after signing in
        page.session.pending = {}

    @router.get("/signin", summary="The sign-in page")
    def signin_page(page: Page, next: str = "/"):
        users = [u for u in DEMO_USERS] if settings.auth_mode == "dev" else []
        return page.render("signin.html", users=users, next=local_path(next),
                           dev=settings.auth_mode == "dev", tenant=settings.tenant)

    @router.post("/signin/dev", summary="Sign in as a demo user (AUTH_MODE=dev only)")
    def signin_dev(page: Page, user: Annotated[int, Form()], csrf: Annotated[str, Form()],
                   next: Annotated[str, Form()] = "/"):
        page.check_form({"csrf": csrf})
        if settings.auth_mode != "dev" or not 0 <= user < len(DEMO_USERS):
            raise HTTPException(status.HTTP_404_NOT_FOUND)
        demo = DEMO_USERS[user]
        lifetime = int(settings.session_hours * 3600)
        token = DevIssuer(settings.auth_dir).mint(
            sub=demo.sub, tenant=demo.tenant or settings.tenant, roles=demo.roles,
            departments=demo.departments, ttl_s=lifetime)
        start_session(page, token, lifetime)
        target = local_path(next)
        return page.redirect(home_of(list(demo.roles)) if target == "/" else target)

    @router.get("/signin/oidc", summary="Go to the identity provider (authorization code + PKCE)")
    def signin_oidc(page: Page, next: str = "/"):
        provider = discover(console)
        verifier, challenge = pkce_pair()
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        page.session.pending = {"state": state, "verifier": verifier, "nonce": nonce,
                                "next": local_path(next)}
        query = urlencode({
            "response_type": "code", "client_id": settings.oidc_client_id,
            "redirect_uri": callback_url(page), "scope": settings.oidc_scopes, "state": state,
            "nonce": nonce, "code_challenge": challenge, "code_challenge_method": "S256"})
        return page.redirect(f"{provider['authorization_endpoint']}?{query}")

    @router.get("/signin/callback", summary="The identity provider's answer")
    def signin_callback(page: Page, code: Annotated[str, Query(max_length=2048)],
                        state: Annotated[str, Query(max_length=256)]):
        pending = page.session.pending
        if not pending.get("state") or not secrets.compare_digest(pending["state"], state):
            raise HTTPException(status.HTTP_400_BAD_REQUEST, "sign-in expired: try again")
        provider = discover(console)
        auth = ((settings.oidc_client_id, settings.oidc_client_secret)
                if settings.oidc_client_secret else None)
        answer = console.client.post(provider["token_endpoint"], auth=auth, data={
            "grant_type": "authorization_code", "code": code, "client_id": settings.oidc_client_id,
            "redirect_uri": callback_url(page), "code_verifier": pending["verifier"]})
        if answer.status_code != 200:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, "the identity provider refused")
        body = answer.json()
        target = pending.get("next", "/")
        start_session(page, body["access_token"], float(body.get("expires_in", 3600)))
        return page.redirect(home_of(page.user.get("roles") or []) if target == "/" else target)

    @router.post("/signout", summary="Forget the session")
    def signout(page: Page, csrf: Annotated[str, Form()]):
        page.check_form({"csrf": csrf})
        page.session.token, page.session.user, page.session.expires_at = None, {}, 0.0
        return page.redirect("/signin")

    return router


def discover(console: Console) -> dict[str, Any]:
    """The provider's endpoints from its OpenID configuration."""
    issuer = console.settings.auth_issuer.rstrip("/")
    answer = console.client.get(f"{issuer}/.well-known/openid-configuration")
    answer.raise_for_status()
    return answer.json()


def callback_url(page: Visit) -> str:
    return str(page.request.url_for("signin_callback"))
