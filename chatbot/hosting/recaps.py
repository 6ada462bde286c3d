"""Rendering a session's recap right after it ends, off the event loop."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from chatbot.store import Store

log = logging.getLogger("chatbot.hosting")


class Recaps:
    """Renders a session's recap into ``out`` right after it ends, one render at a time
    (renders share the index and feed); links point at ``public_url``."""

    def __init__(self, out: Path, *, public_url: str = "") -> None:
        self.out = Path(out)
        self.public_url = public_url.rstrip("/")
        self._lock = asyncio.Lock()

    def url_for(self, slug: str) -> str:
        return f"{self.public_url}/transcripts/{slug}.html" if self.public_url else ""

    async def publish(self, store: Store, session_id: str) -> str | None:
        """The render report, or None when HTML rendering is not available in this build."""
        async with self._lock:
            try:
                if store.path == ":memory:":
                    return _publish(store, self.out, session_id)
                return await asyncio.to_thread(_publish_file, store.path, self.out, session_id)
            except ImportError as e:
                log.warning("event=recap_skipped session=%s reason=%r", session_id, str(e))
                return None


def _publish(store: Store, out: Path, session_id: str) -> str:
    from chatbot.recap.publish import publish

    return publish(store, out, [session_id])


def _publish_file(path: str, out: Path, session_id: str) -> str:
    store = Store(path)  # its own connection: this runs on a worker thread
    try:
        return _publish(store, out, session_id)
    finally:
        store.close()
