"""An in-process platform: a room held in memory, with the behaviour of a real one.

``MemoryRoom`` is the platform's side (the server): it numbers messages, keeps the history and
broadcasts every message, the bot's own included, to every connected adapter. ``MemoryPlatform``
is an adapter speaking the ``Platform`` protocol to it. A room outlives its adapters, so a test can
"crash" a bot, connect a new adapter and find the same history, as after a real restart.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from chatbot.clock import Clock
from chatbot.core.model import Author, Message
from chatbot.core.textfit import PLATFORM_LIMITS, measure
from chatbot.platforms.base import PlatformError

_CLOSED = object()


class MemoryRoom:
    """One chat room: ids ``<prefix>1, <prefix>2 ...`` in arrival order, timestamps from ``clock``."""

    def __init__(
        self, clock: Clock, *, name: str = "web", prefix: str | None = None, channel: str = ""
    ) -> None:
        if name not in PLATFORM_LIMITS:
            raise ValueError(f"unknown platform {name!r} (known: {', '.join(PLATFORM_LIMITS)})")
        self.clock = clock
        self.name = name
        self.prefix = prefix if prefix is not None else f"{name}-"
        self.channel = channel
        self.messages: list[Message] = []
        self._by_id: dict[str, int] = {}
        self._said = 0
        self._listeners: list[asyncio.Queue[object]] = []

    def say(
        self,
        author: Author | str,
        text: str,
        *,
        reply_to: str | None = None,
        quote_of: str | None = None,
        is_repost: bool = False,
        at: datetime | None = None,
    ) -> Message:
        """Someone writes in the room (``author`` as an Author or a handle)."""
        if isinstance(author, str):
            author = Author(author.lstrip("@"), author, author.lstrip("@").title())
        if reply_to is not None and reply_to not in self._by_id:
            raise PlatformError(f"{self.name}: no message {reply_to} to reply to")
        self._said += 1
        m = Message(
            id=f"{self.prefix}{self._said}",
            platform=self.name,
            ts=at or self.clock.now(),
            author=author,
            text=text,
            reply_to=reply_to,
            quote_of=quote_of,
            is_repost=is_repost,
            channel=self.channel,
        )
        self.deliver(m)
        return m

    def deliver(self, m: Message) -> None:
        """A message that arrives as it is, its id kept (a recorded one); a known id is ignored."""
        if m.id in self._by_id:
            return
        self._by_id[m.id] = len(self.messages)
        self.messages.append(m)
        for q in self._listeners:
            q.put_nowait(m)

    def get(self, message_id: str) -> Message:
        return self.messages[self._by_id[message_id]]

    def after(self, message_id: str | None, limit: int) -> list[Message]:
        start = 0 if message_id is None else self._by_id[message_id] + 1
        return self.messages[start : start + limit]

    def by(self, author: Author) -> list[Message]:
        """Everything ``author`` wrote, in order."""
        return [m for m in self.messages if m.author.id == author.id]

    def listen(self) -> asyncio.Queue[object]:
        q: asyncio.Queue[object] = asyncio.Queue()
        self._listeners.append(q)
        return q

    def leave(self, q: asyncio.Queue[object]) -> None:
        if q in self._listeners:
            self._listeners.remove(q)
        q.put_nowait(_CLOSED)


BOT = Author("bot", "@chatbot", "Chat Bot", is_bot=True)


class MemoryPlatform:
    """The ``Platform`` protocol over a ``MemoryRoom``.

    ``before_post``, when set, is called with the text before each post is accepted, and
    ``after_post`` with the new message once the room holds it: raising there simulates a
    platform that fails (or a process that dies) before or after the post took effect.
    """

    def __init__(
        self,
        room: MemoryRoom,
        *,
        identity: Author = BOT,
        supports_threads: bool = True,
        echo: bool = True,
    ) -> None:
        self.room = room
        self.name = room.name
        self.max_length = PLATFORM_LIMITS[room.name]
        self.supports_threads = supports_threads
        self.echo = echo
        self.before_post: Callable[[str], None] | None = None
        self.after_post: Callable[[Message], None] | None = None
        self.posts: list[Message] = []
        self._me = identity
        self._queue: asyncio.Queue[object] | None = None

    async def start(self) -> None:
        if self._queue is None:
            self._queue = self.room.listen()

    async def stop(self) -> None:
        if self._queue is not None:
            self.room.leave(self._queue)

    async def messages(self) -> AsyncIterator[Message]:
        if self._queue is None:
            raise PlatformError(f"{self.name}: not started")
        q = self._queue
        while True:
            item = await q.get()
            if item is _CLOSED:
                return
            assert isinstance(item, Message)
            if self.echo or item.author.id != self._me.id:
                yield item

    async def post(self, text: str, *, reply_to: str | None = None) -> str:
        if self._queue is None:
            raise PlatformError(f"{self.name}: not started")
        if not text.strip():
            raise PlatformError(f"{self.name}: refusing an empty post")
        if measure(text, self.name) > self.max_length:
            raise PlatformError(f"{self.name}: post longer than {self.max_length}")
        if self.before_post is not None:
            self.before_post(text)
        m = self.room.say(self._me, text, reply_to=reply_to)
        self.posts.append(m)
        if self.after_post is not None:
            self.after_post(m)
        return m.id

    async def history(self, *, after: str | None = None, limit: int = 100) -> list[Message]:
        try:
            return self.room.after(after, limit)
        except KeyError:
            raise PlatformError(f"{self.name}: unknown history cursor {after!r}") from None

    async def identity(self) -> Author:
        return self._me
