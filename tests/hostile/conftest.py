"""Fixtures of the hostile-input tests: the web tests' served session (the real runner, the real
start-up, real HTTP on loopback), a log watcher, and addresses for a crowd of visitors."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.hostile.kit import Addresses, LogWatch
from tests.web.conftest import client, new_client, served, transcripts

__all__ = ["client", "new_client", "served", "transcripts"]


@pytest.fixture
def watch() -> Iterator[LogWatch]:
    """Every warning and error logged while the test runs (tracebacks are what must not be)."""
    handler = LogWatch()
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(min(old, logging.WARNING) if old else logging.WARNING)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old)


@pytest.fixture
def addresses() -> Addresses:
    return Addresses()
