"""What a running session offers the web app (live view, host dashboard) without the web app
knowing how the session runs. ``chatbot.hosting.session.SessionRunner`` implements it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from chatbot.core.model import Author


@dataclass(frozen=True)
class CommandResult:
    """The answer to a command given outside chat text, for the actor alone (a dashboard flash,
    an ephemeral reply): whether it applied, and its confirmation or the reason it did not."""

    ok: bool
    text: str
    name: str = ""  # the command table's name ("" for a command it does not know)
    flags: tuple[str, ...] = ()


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

    async def command(
        self, name: str, args: Sequence[str], actor: Author, *, platform: str = "web", via: str = "dashboard"
    ) -> CommandResult:
        """Carry out a command of the table (``chatbot.core.commands``) for ``actor``, who must be
        a host for host commands; logged, answered to the caller, never posted in the chat."""

    def subscribe(self) -> AsyncIterator[dict[str, Any]]:
        """Events as they happen (``{"type": "message"|"post"|"state", ...}``) until the session ends."""
