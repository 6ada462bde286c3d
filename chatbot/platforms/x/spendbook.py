"""Where a session's X spend is kept: the archive, as it is spent.

The adapter writes each request's cost through its own connection to the archive file (the web
app has one too): budgets then hold across restarts, and the recap's footer reads what was spent.
The connection opens on first use, so making an adapter creates no file. An in-memory archive
cannot be shared between connections: its spend is kept in memory only (and logged).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from chatbot.platforms.x.client import MemoryBook, SpendBook
from chatbot.platforms.x.limits import Tally

if TYPE_CHECKING:
    from chatbot.store import Store

PLATFORM = "x"


class ArchiveBook:
    """A session's spend in the archive's ``platform_usage`` table."""

    def __init__(self, path: str | Path, session_id: str) -> None:
        self.path = str(path)
        self.session_id = session_id
        self._store: Store | None = None

    def _open(self) -> Store:
        if self._store is None:
            from chatbot.store import Store

            self._store = Store(self.path)
        return self._store

    def spent(self) -> Mapping[str, Tally]:
        rows = self._open().usage(self.session_id, PLATFORM)
        return {r["endpoint"]: Tally(r["requests"], r["units"], r["cost"]) for r in rows}

    def add(self, endpoint: str, unit: str, step: Tally) -> None:
        self._open().add_usage(
            self.session_id,
            PLATFORM,
            endpoint,
            unit=unit,
            requests=step.requests,
            units=step.units,
            cost=step.cost,
        )

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def book_for(db: str | Path, session_id: str) -> SpendBook:
    return MemoryBook() if str(db) == ":memory:" else ArchiveBook(db, session_id)
