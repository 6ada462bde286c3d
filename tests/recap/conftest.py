"""Fixtures for recap tests: the #localgovchat export and a hostile variant of it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.recap.dom import hostile_export

EXPORT_FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "recap" / "localgovchat-2026-11-24.json"


def load_export() -> dict[str, Any]:
    return json.loads(EXPORT_FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture
def export() -> dict[str, Any]:
    """A realistic #localgovchat export: 3 prompts, 4 questions, 6 participants, 40 messages."""
    return load_export()


@pytest.fixture
def later_export(export: dict[str, Any]) -> dict[str, Any]:
    """The same chat a week later (another slug, id and date)."""
    other = copy.deepcopy(export)
    other["session"].update(
        id="localgovchat-2026-12-01",
        slug="2026-12-01-localgovchat",
        title="Procurement that small vendors can win",
        started_at="2026-12-01T21:00:00-05:00",
        ended_at="2026-12-01T21:45:00-05:00",
    )
    for m in other["messages"]:
        m["ts"] = m["ts"].replace("2026-11-24", "2026-12-01")
        m["text"] = m["text"].replace("budget", "procurement")
    return other


@pytest.fixture
def hostile(export: dict[str, Any]) -> dict[str, Any]:
    return hostile_export(export)
