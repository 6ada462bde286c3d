"""Shared test fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# No property test has a per-example time limit: on a loaded 2-core machine an FTS query can
# take 250 ms, and speed is the benchmarks' business, not a test's. The default run draws the
# same examples every time (a red CI run means a change broke something, not an unlucky draw);
# HYPOTHESIS_PROFILE=explore draws new ones each run, to hunt for what the fixed ones miss.
settings.register_profile("chatbot", deadline=None, derandomize=True)
settings.register_profile("explore", deadline=None, max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "chatbot"))

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
