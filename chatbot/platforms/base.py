"""The one small protocol every platform adapter speaks.

An adapter never is the bot: it turns what its platform hears into ``Message`` and says what
the runner asks. SDK objects never leave the adapter. Adding Bluesky or Mastodon later means
one new module here and nothing else.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol, runtime_checkable

from chatbot.core.model import Author, Message


class PlatformError(Exception):
    """A platform refused or failed (after the adapter's own retries); the text says which and why."""


@runtime_checkable
class Platform(Protocol):
    """A place a chat happens."""

    name: str  # "web", "x", "discord"
    max_length: int  # what one post may hold, as the platform counts
    supports_threads: bool  # can a long post continue as replies to itself

    async def start(self) -> None:
        """Connect; after this, ``messages()`` yields what the platform hears."""

    async def stop(self) -> None:
        """Disconnect cleanly; safe to call twice."""

    def messages(self) -> AsyncIterator[Message]:
        """Incoming messages, in arrival order, until stopped."""

    async def post(self, text: str, *, reply_to: str | None = None) -> str:
        """Say ``text`` (optionally in reply); returns the platform's id for the new message."""

    async def history(self, *, after: str | None = None, limit: int = 100) -> list[Message]:
        """Messages after the cursor (oldest first): to catch up after a restart and to check
        whether an intended post already went out."""

    async def identity(self) -> Author:
        """Who the bot is on this platform."""
