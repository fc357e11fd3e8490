"""The console's settings: where each service answers and how people sign in."""

from __future__ import annotations

from runtime.settings import Settings


class ConsoleSettings(Settings):
    """Environment of the console (AUTH_MODE=dev: a local sign-in page; jwks: OIDC)."""

    service: str = "console"
    http_port: int = 8008
    intake_url: str = "http://127.0.0.1:8001"
    dispatch_url: str = "http://127.0.0.1:8002"
    sla_url: str = "http://127.0.0.1:8003"
    resolution_url: str = "http://127.0.0.1:8004"
    analytics_url: str = "http://127.0.0.1:8005"
    work_url: str = "http://127.0.0.1:8006"
    audit_url: str = "http://127.0.0.1:8009"
    # Seals the session cookie (AES-GCM); every replica needs the same one. Empty: a key kept
    # in DATA_DIR (one machine).
    console_secret: str = ""
    # True behind https: cookies get the Secure flag. None: from the request's scheme.
    cookie_secure: bool | None = None
    session_hours: float = 8.0
    upstream_timeout_s: float = 15.0
    # Evidence goes through to resolution, which takes files up to 25 MiB; forms add a little.
    max_body_bytes: int = 25 * 1024 * 1024 + 256 * 1024
    # OIDC authorization code + PKCE (AUTH_MODE=jwks): the provider's issuer URL publishes
    # /.well-known/openid-configuration; the console is a confidential or public client.
    oidc_client_id: str = "console"
    oidc_client_secret: str = ""
    oidc_scopes: str = "openid profile"
    # The console's own client credentials for filing customers' complaints (jwks mode);
    # in dev mode it mints a channel adapter's token from the local issuer.
    filing_client_id: str = "console"
    filing_client_secret: str = ""
    filing_token_url: str = ""
