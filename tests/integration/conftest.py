"""Fixtures of the integration tests that need no infrastructure of their own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.platform_world import World, platform_world


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[World]:
    """The real services of tests/integration/platform_world.py, one world per test module
    (so a module sees only its own traces); a module wanting another one defines its own."""
    with platform_world(tmp_path_factory.mktemp("world")) as world:
        yield world
