"""Fixtures for the importer tests: the hand-written sample files."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def imp(fixtures: Path) -> Path:
    """tests/fixtures/importers/: one small hand-written file per format."""
    return fixtures / "importers"
