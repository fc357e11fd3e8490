"""Fixtures shared by every test layer: the real infrastructure comes from fixtures_infra,
bearer tokens from a dev issuer in the test's temporary directory from auth_tokens."""

pytest_plugins = ["tests.fixtures_infra", "tests.auth_tokens"]
