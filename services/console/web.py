"""What every page handler gets: the visitor's session, language, time zone, the services as
they may call them, and rendering that keeps the session cookie and the CSRF rule."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, unquote

import httpx
from fastapi import Depends, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.console import viewing
from services.console.config import ConsoleSettings
from services.console.i18n import language_of, translator
from services.console.session import COOKIE, Sealer
from services.console.upstream import Upstream

TEMPLATES = Path(__file__).with_name("templates")
SERVICES = ("intake", "dispatch", "sla", "resolution", "analytics", "work", "audit")


@dataclass
class Console:
    """Built once by bootstrap: settings, the cookie sealer, one HTTP client, the templates."""

    settings: ConsoleSettings
    sealer: Sealer
    client: httpx.Client
    templates: Environment

    @classmethod
    def build(cls, settings: ConsoleSettings, sealer: Sealer, client: httpx.Client) -> Console:
        env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape())
        env.filters["local"] = viewing.local_time
        return cls(settings, sealer, client, env)


class Visit:
    """One request of one person (or visitor)."""

    def __init__(self, console: Console, request: Request) -> None:
        self.console, self.request = console, request
        self.session = console.sealer.open(request.cookies.get(COOKIE))
        self.language = language_of(request.cookies.get("lang"),
                                    request.headers.get("accept-language"))
        self.tz = viewing.zone(unquote(request.cookies.get("tz") or "")).key
        self.t = translator(self.language)

    @property
    def user(self) -> dict[str, Any]:
        return self.session.user

    def has_role(self, *roles: str) -> bool:
        return bool(set(roles) & set(self.user.get("roles", ())))

    def api(self, service: str, *, anonymous: bool = False) -> Upstream:
        """A service's API with this person's token (none for customers' links)."""
        base = getattr(self.console.settings, f"{service}_url")
        token = None if anonymous else self.session.token
        return Upstream(self.console.client, base, token=token, language=self.language)

    def flash(self, text: str, *, error: bool = False) -> None:
        """A message shown once on the next page."""
        self.session.pending["flash"] = ("!" if error else "") + text

    def render(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        """A page in the visitor's language, with the session cookie renewed."""
        flash = self.session.pending.pop("flash", "")
        html = self.console.templates.get_template(template).render(
            t=self.t, lang=self.language.value, tz=self.tz, user=self.user,
            signed_in=self.session.signed_in, csrf=self.session.csrf, path=self.request.url.path,
            flash=flash.removeprefix("!"), flash_error=flash.startswith("!"),
            has_role=self.has_role, now=time.time(), **context)
        return self.keep(HTMLResponse(html, status_code=status_code))

    def redirect(self, url: str) -> RedirectResponse:
        """POST-redirect-GET: a 303 to url, the session kept."""
        return self.keep(RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER))

    def keep(self, response: Response) -> Any:
        secure = self.console.settings.cookie_secure
        if secure is None:
            secure = self.request.url.scheme == "https"
        response.set_cookie(COOKIE, self.console.sealer.seal(self.session), httponly=True,
                            secure=secure, samesite="lax", path="/")
        return response

    def check_form(self, form: dict[str, Any]) -> None:
        """403 unless the form carries this session's CSRF token."""
        if not self.session.csrf_matches(form.get("csrf")):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "the form expired: reload the page")

    def require_sign_in(self) -> None:
        """Send a visitor to the sign-in page, back here afterwards."""
        if not self.session.signed_in:
            raise SignInFirst(self.request.url.path)


def current_visit(request: Request) -> Visit:
    """The dependency every page takes: this request as a Visit of the app's console."""
    return Visit(request.app.state.console, request)


Page = Annotated[Visit, Depends(current_visit)]


class SignInFirst(Exception):
    """The page needs a signed-in person."""

    def __init__(self, back_to: str) -> None:
        super().__init__(back_to)
        self.location = f"/signin?next={quote(back_to)}"


def local_path(target: str | None) -> str:
    """Where to go after signing in: a path of this site only (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
