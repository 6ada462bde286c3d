"""What a running session offers the web app (live view, host dashboard) without the web app
knowing how the session runs. ``chatbot.hosting.session.SessionRunner`` implements it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from chatbot.core.model import Author
from chatbot.hosting.payloads import FeedEvent, LiveState


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

    def state(self) -> LiveState:
        """A JSON-able snapshot for the live view and the dashboard (``chatbot.hosting.payloads``)."""

    async def command(
        self, name: str, args: Sequence[str], actor: Author, *, platform: str = "web", via: str = "dashboard"
    ) -> CommandResult:
        """Carry out a command of the table (``chatbot.core.commands``) for ``actor``, who must be
        a host for host commands; logged, answered to the caller, never posted in the chat."""

    async def resolve_held(self, key: str, platform: str, *, went_out: bool, actor: Author) -> CommandResult:
        """A host's word on a held post (``LiveState.held``): it did not go out (sent now) or it
        did (recorded as posted); refused for anyone but the session's hosts."""

    def subscribe(self) -> AsyncIterator[FeedEvent]:
        """The state, then events as they happen (``StateEvent``, ``MessageEvent``, ``PostEvent``)
        until the session ends."""
