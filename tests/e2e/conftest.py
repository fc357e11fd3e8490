"""End-to-end fixtures: every service process trusts a dev issuer whose key lives in the
test's temporary directory (AUTH_MODE=dev, AUTH_DIR), and the tests mint tokens from it."""

from __future__ import annotations

import pytest

from tests.auth_tokens import Tokens


@pytest.fixture(scope="module")
def e2e_tokens(tmp_path_factory) -> Tokens:
    """The issuer of a module's platform; pass `e2e_tokens.env` to every service process."""
    return Tokens(tmp_path_factory.mktemp("auth"))
