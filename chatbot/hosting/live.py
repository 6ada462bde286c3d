"""What a running session offers the web app (live view, host dashboard) without the web app
knowing how the session runs. ``chatbot.hosting.host.SessionRunner`` implements it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

from chatbot.core.engine import Outcome
from chatbot.core.model import Message


class LiveSession(Protocol):
    session_id: str

    def state(self) -> dict[str, Any]:
        """A JSON-able snapshot for the live view and the dashboard:
        ``{"session": {id, slug, hashtag, title, timezone, hosts, platforms},
           "status": "scheduled|live|paused|ended", "starts_at": iso, "ends_at": iso,
           "now": iso, "seconds_left": float,
           "current_prompt": {"label", "text", "posted_at"} | None,
           "next_post": {"key", "kind", "due"} | None,
           "queue": [{"number", "author", "text", "status", "upvotes", "position", "askers", "asked_at"}],
           "participants": int, "new_participants": [{"handle", "name", "first_seen"}],
           "messages": int, "messages_per_minute": float}``"""

    async def submit(self, message: Message) -> Outcome:
        """Take a message as if heard on a platform (the dashboard sends host commands this way,
        as ``/approve 3`` from a host handle, so they share the chat's path and audit trail)."""

    def subscribe(self) -> AsyncIterator[dict[str, Any]]:
        """Events as they happen (``{"type": "message"|"post"|"state", ...}``) until the session ends."""
