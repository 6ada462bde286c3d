"""A Bluesky adapter as a test: what adding a platform takes, and nothing more.

This one module is all a new platform needs: its description (name, title, limits: 300
graphemes), its settings (``[platforms.bluesky]``, checked here with errors naming the key, the
app password from the environment), its capabilities and the ``Platform`` protocol. A test
registers it in one line (``REGISTRY.with_adapter(bluesky.adapter(service))``) and the real
config loader, host and ``SessionRunner`` run a chat on it. A real adapter would reach the
service its settings name; this one is handed an in-process ``FakeBluesky`` (posts, likes,
deletions, a cursor over its timeline).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from chatbot.clock import Clock
from chatbot.core.events import Deleted, Event, Reacted
from chatbot.core.model import Author, Message
from chatbot.core.textfit import Limits, clusters
from chatbot.platforms.base import (
    Adapter,
    Description,
    EphemeralUnsupported,
    PlatformError,
    UnknownCursor,
)
from chatbot.platforms.settings import Section

if TYPE_CHECKING:
    from chatbot.config import Config, SessionConfig

LIKE = "like"


def graphemes(text: str) -> int:
    """Bluesky counts user-perceived characters: an emoji family is one."""
    return sum(1 for _ in clusters(text))


DESCRIPTION = Description("bluesky", "Bluesky", Limits(300, graphemes))


@dataclass(frozen=True)
class BlueskySettings:
    handle: str = "chatbot.bsky.social"
    app_password: str | None = None  # from BLUESKY_APP_PASSWORD
    history_budget: int = 500


def load_settings(section: Section, env: Mapping[str, str]) -> BlueskySettings:
    handle = section.get("handle", str, "chatbot.bsky.social").lstrip("@")
    if "." not in handle:
        section.fail("handle", f"must be a domain handle like chatbot.bsky.social, not {handle!r}")
    budget = section.get("history_budget", int, 500)
    if budget < 1:
        section.fail("history_budget", f"must be at least 1, not {budget}")
    return BlueskySettings(handle, env.get("BLUESKY_APP_PASSWORD") or None, budget)


class FakeBluesky:
    """The service: one timeline of posts (``at://`` ids), and whoever listens to it."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.posts: list[Message] = []
        self._listeners: list[asyncio.Queue[Event | None]] = []

    def publish(self, author: Author, text: str, *, reply_to: str | None = None) -> Message:
        m = Message(
            f"at://{author.id}/app.bsky.feed.post/{len(self.posts) + 1}",
            DESCRIPTION.name,
            self.clock.now(),
            author,
            text,
            reply_to=reply_to,
        )
        self.posts.append(m)
        self._send(m)
        return m

    def like(self, uri: str, who: Author, *, added: bool = True) -> None:
        self._send(Reacted(DESCRIPTION.name, uri, LIKE, who, self.clock.now(), added))

    def delete(self, uri: str) -> None:
        i = self._index(uri)
        self.posts[i] = replace(self.posts[i], deleted_at=self.clock.now())
        self._send(Deleted(DESCRIPTION.name, uri, self.clock.now()))

    def after(self, uri: str | None, limit: int) -> list[Message]:
        start = 0 if uri is None else self._index(uri) + 1
        return [m for m in self.posts[start:] if m.deleted_at is None][: max(limit, 0)]

    def subscribe(self) -> asyncio.Queue[Event | None]:
        q: asyncio.Queue[Event | None] = asyncio.Queue()
        self._listeners.append(q)
        return q

    def unsubscribe(self, q: asyncio.Queue[Event | None]) -> None:
        if q in self._listeners:
            self._listeners.remove(q)
            q.put_nowait(None)

    def _index(self, uri: str) -> int:
        for i, m in enumerate(self.posts):
            if m.id == uri:
                return i
        raise UnknownCursor(DESCRIPTION.name, uri)

    def _send(self, ev: Event) -> None:
        for q in self._listeners:
            q.put_nowait(ev)


class BlueskyPlatform:
    """The ``Platform`` protocol on a ``FakeBluesky``."""

    name = DESCRIPTION.name
    post_limits = DESCRIPTION.post_limits
    max_length = DESCRIPTION.post_limits.max_length
    supports_threads = True
    supports_reactions = True  # likes
    supports_edits = False  # Bluesky has no edits
    supports_deletions = True
    supports_ephemeral = False
    supports_commands = False
    echoes_own_posts = True
    vote_emoji = LIKE

    def __init__(self, service: FakeBluesky, settings: BlueskySettings) -> None:
        self.service = service
        self.me = Author(f"did:plc:{settings.handle}", f"@{settings.handle}", "chatbot", is_bot=True)
        self.history_budget = settings.history_budget
        self._feed: asyncio.Queue[Event | None] | None = None
        self._stopped = False

    async def start(self) -> None:
        if self._feed is None:
            self._feed = self.service.subscribe()

    async def stop(self) -> None:
        self._stopped = True
        if self._feed is not None:
            self.service.unsubscribe(self._feed)

    async def events(self) -> AsyncIterator[Event]:
        if self._feed is None:
            raise PlatformError("bluesky: not started")
        while not self._stopped or not self._feed.empty():
            ev = await self._feed.get()
            if ev is None:
                return
            yield ev

    async def post(self, text: str, *, reply_to: str | None = None, to: Author | None = None) -> str:
        if to is not None:
            raise EphemeralUnsupported("bluesky: every post is public")
        if not self.post_limits.fits(text):
            raise PlatformError(f"bluesky: a post is at most {self.max_length} graphemes")
        return self.service.publish(self.me, text, reply_to=reply_to).id

    async def history(self, *, after: str | None = None, limit: int = 100) -> list[Message]:
        return self.service.after(after, limit)

    async def identity(self) -> Author:
        return self.me


def adapter(service: FakeBluesky) -> Adapter[BlueskySettings]:
    """The adapter as the registry takes it, bound to its (fake) service."""

    def make(
        settings: BlueskySettings, config: Config, session: SessionConfig, *, clock: Clock | None
    ) -> BlueskyPlatform:
        return BlueskyPlatform(service, settings)

    return Adapter(DESCRIPTION, frozenset({"handle", "history_budget"}), load_settings, make)
