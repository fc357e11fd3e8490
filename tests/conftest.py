"""Fixtures shared by every test layer: the real infrastructure comes from fixtures_infra."""

pytest_plugins = ["tests.fixtures_infra"]
