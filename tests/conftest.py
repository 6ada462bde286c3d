"""Shared test fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

# No property test has a per-example time limit: on a loaded 2-core machine an FTS query can
# take 250 ms, and speed is the benchmarks' business, not a test's.
settings.register_profile("chatbot", deadline=None)
settings.load_profile("chatbot")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def shared_data() -> Path:
    """The real recorded chats beside the clone (../shared/data); skip where it is absent."""
    if not (SHARED_DATA / "SOURCES.md").is_file():
        pytest.skip(f"real recorded chats not found at {SHARED_DATA} (they live beside the clone in CI)")
    return SHARED_DATA


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
