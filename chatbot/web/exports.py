"""Whole exports for the API, built once per change of their session and kept, ready to send.

``GET /api/sessions/<id>`` (and an archived session's ``/queue``) needs the whole recap export:
for a chat of 36,000 messages that is half a second of CPU. ``ExportCache`` builds it on a
reader thread (``ReadPool``), as the JSON bytes the API sends, and keeps it under the session's
version (``Store.session_version``: a new message, an edit, a reaction, a redaction or a
correction changes it). The version is looked at again at most every ``recheck`` seconds, by
SQLite alone; readers asking while an export is built wait for that one build.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from chatbot.recap.export import build_export
from chatbot.store import Store
from chatbot.web.readpool import ReadPool


@dataclass(frozen=True)
class CachedExport:
    """A session's export as the API sends it, and its archived queue (``/queue``)."""

    session: str
    version: tuple[Any, ...]
    export: bytes
    queue: bytes
    checked: float

    @property
    def size(self) -> int:
        return len(self.export) + len(self.queue)


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode()


def build(store: Store, ref: str) -> CachedExport:
    """The session's export and queue bodies, with the version they were built at."""
    version = store.session_version(ref)
    export = build_export(store, ref)
    queue = {
        "session": export["session"]["id"],
        "live": False,
        "status": export["session"]["status"],
        "queue": export["questions"],
    }
    return CachedExport(export["session"]["id"], version, _dumps(export), _dumps(queue), 0.0)


class ExportCache:
    """Exports by session reference (id or slug), at most ``max_bytes`` of them, least recently
    used first out."""

    def __init__(
        self,
        pool: ReadPool,
        *,
        max_bytes: int = 64 * 2**20,
        recheck: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.pool = pool
        self.max_bytes = max_bytes
        self.recheck = recheck
        self.clock = clock
        self.builds = 0  # exports built so far (what a reader's request cost)
        self._entries: OrderedDict[str, CachedExport] = OrderedDict()
        self._pending: dict[str, asyncio.Future[CachedExport]] = {}

    async def get(self, ref: str) -> CachedExport:
        """The export of session ``ref``, current to within ``recheck`` seconds
        (``SessionNotFound`` when there is none)."""
        entry = self._entries.get(ref)
        if entry is not None and self.clock() - entry.checked < self.recheck:
            self._entries.move_to_end(ref)
            return entry
        pending = self._pending.get(ref)
        if pending is None:
            pending = self._pending[ref] = asyncio.ensure_future(self._refresh(ref, entry))
            pending.add_done_callback(lambda _: self._pending.pop(ref, None))
        return await asyncio.shield(pending)

    async def _refresh(self, ref: str, entry: CachedExport | None) -> CachedExport:
        fresh: CachedExport | None = None
        if entry is not None:
            version = await self.pool.run(lambda store: store.session_version(ref))
            if version == entry.version:
                fresh = replace(entry, checked=self.clock())
        if fresh is None:
            built = await self.pool.run(lambda store: build(store, ref))
            self.builds += 1
            fresh = replace(built, checked=self.clock())
        self._keep(ref, fresh)
        return fresh

    def _keep(self, ref: str, entry: CachedExport) -> None:
        self._entries.pop(ref, None)
        if entry.size > self.max_bytes:
            return
        self._entries[ref] = entry
        while sum(e.size for e in self._entries.values()) > self.max_bytes:
            self._entries.popitem(last=False)
