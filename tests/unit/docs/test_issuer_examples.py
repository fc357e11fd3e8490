"""Every dev-issuer command the documentation shows runs, and mints what it asks for."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from runtime.auth.issuer import DEV_AUDIENCE
from runtime.auth.keys import JwksKeys
from runtime.auth.tokens import TokenVerifier
from runtime.settings import DEV_ISSUER

ROOT = Path(__file__).resolve().parents[3]
DOCUMENTS = ("README.md", "docs/access-control.md")
# Up to the end of the (continued) line, or the `)` closing a `$(...)`.
COMMAND = re.compile(r"python -m runtime\.auth\.issuer ([^)\n]+)")


def issuer_commands(document: str) -> list[list[str]]:
    """The arguments of each issuer command in the document's shell blocks."""
    text = (ROOT / document).read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL)
    joined = "\n".join(re.sub(r"\\\n\s*", " ", block) for block in blocks)
    return [shlex.split(arguments) for arguments in COMMAND.findall(joined)]


EXAMPLES = [(doc, args) for doc in DOCUMENTS for args in issuer_commands(doc)]


def option(args: list[str], name: str) -> list[str]:
    return [args[i + 1] for i, arg in enumerate(args[:-1]) if arg == name]


def test_each_document_shows_person_and_client_tokens():
    for document in DOCUMENTS:
        assert {args[0] for args in issuer_commands(document)} == {"mint", "client-credentials"}


@pytest.mark.parametrize(("document", "args"), EXAMPLES,
                         ids=[f"{doc}:{' '.join(args)}" for doc, args in EXAMPLES])
def test_the_documented_command_mints_the_roles_it_names(tmp_path, document, args):
    run = subprocess.run(
        [sys.executable, "-m", "runtime.auth.issuer", *args], cwd=ROOT, capture_output=True,
        text=True, env={**os.environ, "AUTH_DIR": str(tmp_path)}, timeout=60, check=False,
    )

    assert run.returncode == 0, run.stderr
    verifier = TokenVerifier(keys=JwksKeys(str(tmp_path / "jwks.json")), issuer=DEV_ISSUER,
                             audience=DEV_AUDIENCE)
    principal = verifier.principal(run.stdout.strip())
    assert principal.role_names == set(option(args, "--role"))
    assert principal.roles == principal.role_names  # every role named is one that grants
    assert [principal.tenant] == option(args, "--tenant")
    assert [principal.sub] == (option(args, "--sub") or option(args, "--client-id"))
    assert principal.departments == set(option(args, "--department"))
