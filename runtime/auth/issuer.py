"""The local development issuer: an Ed25519 key in `.local/auth/` and the JWKS that matches it.

    python -m runtime.auth.issuer init
    python -m runtime.auth.issuer mint --role agent --tenant acme --department billing --sub alice
    python -m runtime.auth.issuer client-credentials --client-id wechat --role channel_adapter \
        --tenant acme

Services in AUTH_MODE=dev verify against this JWKS. It is for one machine: anyone who can read
the key can mint any token, so production points AUTH_JWKS at a real identity provider.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from runtime.auth.roles import Role
from runtime.settings import DEV_ISSUER

DEV_AUDIENCE = "complaint-platform"
KEY_FILE, JWKS_FILE = "signing-key.pem", "jwks.json"


class DevIssuer:
    """Mints tokens signed with the key kept in `directory`, creating it on first use."""

    def __init__(self, directory: Path, *, issuer: str = DEV_ISSUER,
                 audience: str = DEV_AUDIENCE, clock: Callable[[], float] = time.time) -> None:
        self.directory, self.issuer, self.audience, self._clock = directory, issuer, audience, clock
        self._key = _ensure_key(directory)
        self.kid = _thumbprint(self._key)
        _atomic_write(directory / JWKS_FILE, json.dumps(self.jwks(), indent=2))

    @property
    def jwks_path(self) -> Path:
        return self.directory / JWKS_FILE

    def jwks(self) -> dict[str, Any]:
        """The public key set that verifies this issuer's tokens."""
        return {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": _public_x(self._key),
                          "kid": self.kid, "alg": "EdDSA", "use": "sig"}]}

    def mint(
        self, *, sub: str, tenant: str, roles: Iterable[str], departments: Iterable[str] = (),
        queues: Iterable[str] = (), scopes: Iterable[str] | None = None, ttl_s: int = 3600,
        client_id: str | None = None, **extra: Any,
    ) -> str:
        """A signed token for a person (or, with client_id == sub, a client)."""
        now = int(self._clock())
        claims: dict[str, Any] = {
            "iss": self.issuer, "aud": self.audience, "sub": sub, "iat": now, "nbf": now,
            "exp": now + ttl_s, "jti": str(uuid.uuid4()), "tenant": tenant,
            "roles": list(roles), "departments": list(departments), "queues": list(queues),
        }
        if scopes is not None:
            claims["scope"] = " ".join(scopes)
        if client_id is not None:
            claims["client_id"] = claims["azp"] = client_id
        return jwt.encode({**claims, **extra}, self._key, algorithm="EdDSA",
                          headers={"kid": self.kid})

    def client_credentials(self, *, client_id: str, role: Role, tenant: str,
                           scopes: Iterable[str] | None = None, ttl_s: int = 900) -> str:
        """A token a channel adapter or service holds for itself (the client credentials grant)."""
        if role not in (Role.CHANNEL_ADAPTER, Role.SERVICE):
            raise ValueError("client credentials are for channel adapters and services")
        return self.mint(sub=client_id, tenant=tenant, roles=[role], scopes=scopes,
                         ttl_s=ttl_s, client_id=client_id)


def _ensure_key(directory: Path) -> Ed25519PrivateKey:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / KEY_FILE
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        # Several services may start at once: link() makes exactly one key win.
        tmp = _write_private(directory, pem)
        try:
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            tmp.unlink()
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def _write_private(directory: Path, data: bytes) -> Path:
    fd, name = tempfile.mkstemp(dir=directory, prefix=".key-")  # mode 0600
    with os.fdopen(fd, "wb") as file:
        file.write(data)
    return Path(name)


def _atomic_write(path: Path, text: str) -> None:
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    with os.fdopen(fd, "w") as file:
        file.write(text)
    os.chmod(name, 0o644)
    os.replace(name, path)


def _public_x(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _thumbprint(key: Ed25519PrivateKey) -> str:
    # RFC 7638: SHA-256 of the required members in lexicographic order, no whitespace.
    members = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": _public_x(key)},
                         separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(members.encode()).digest()).rstrip(b"=").decode()


def main(argv: list[str] | None = None) -> int:
    """The CLI; prints a token (or the JWKS path for `init`) on stdout."""
    from runtime.settings import Settings

    parser = argparse.ArgumentParser(prog="python -m runtime.auth.issuer")
    parser.add_argument("--dir", type=Path, default=Settings().auth_dir)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init", help="create the key and JWKS if missing; print the JWKS path")
    mint = commands.add_parser("mint", help="a token for a person")
    mint.add_argument("--sub", required=True)
    mint.add_argument("--role", action="append", required=True, choices=[r.value for r in Role])
    mint.add_argument("--department", action="append", default=[])
    mint.add_argument("--queue", action="append", default=[])
    client = commands.add_parser("client-credentials", help="a token for an adapter or service")
    client.add_argument("--client-id", required=True)
    client.add_argument("--role", required=True,
                        choices=[Role.CHANNEL_ADAPTER.value, Role.SERVICE.value])
    for command in (mint, client):
        command.add_argument("--tenant", required=True)
        command.add_argument("--scopes", nargs="+", help="narrow the token to these scopes")
        command.add_argument("--ttl", type=int, default=3600, help="seconds")
    args = parser.parse_args(argv)
    issuer = DevIssuer(args.dir)
    if args.command == "init":
        print(issuer.jwks_path)
    elif args.command == "mint":
        print(issuer.mint(sub=args.sub, tenant=args.tenant, roles=args.role,
                          departments=args.department, queues=args.queue, scopes=args.scopes,
                          ttl_s=args.ttl))
    else:
        print(issuer.client_credentials(client_id=args.client_id, role=Role(args.role),
                                        tenant=args.tenant, scopes=args.scopes, ttl_s=args.ttl))
    return 0


if __name__ == "__main__":
    sys.exit(main())
