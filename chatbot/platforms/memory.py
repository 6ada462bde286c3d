"""An in-process platform: a room held in memory, with the behaviour of a real one.

``MemoryRoom`` is the platform's side (the server): it numbers messages, keeps the history and
broadcasts every event (messages, the bot's own included, edits, deletions, reactions, commands)
to every connected adapter. ``MemoryPlatform`` is an adapter speaking the ``Platform`` protocol
to it. A room outlives its adapters, so a test can "crash" a bot, connect a new adapter and find
the same history, as after a real restart.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import datetime
from typing import TypeVar

from chatbot.clock import Clock
from chatbot.core.events import CommandGiven, Deleted, Edited, Event, Reacted
from chatbot.core.model import Author, Message, Reaction
from chatbot.core.textfit import Limits
from chatbot.platforms.base import EphemeralUnsupported, PlatformError, UnknownCursor

_CLOSED = object()
E = TypeVar("E", Message, Edited, Deleted, Reacted, CommandGiven)


def _author(who: Author | str) -> Author:
    """An Author, or one made from a handle (``@ann`` -> id ``ann``)."""
    if isinstance(who, Author):
        return who
    return Author(who.lstrip("@"), who, who.lstrip("@").title())


class MemoryRoom:
    """One chat room: ids ``<prefix>1, <prefix>2 ...`` in arrival order, timestamps from ``clock``.

    ``messages`` holds every message as it is now (edited text, ``deleted_at`` once deleted);
    ``whispers`` the ephemeral posts, each with whom it was for.
    """

    def __init__(
        self, clock: Clock, *, name: str = "web", prefix: str | None = None, channel: str = ""
    ) -> None:
        self.clock = clock
        self.name = name
        self.prefix = prefix if prefix is not None else f"{name}-"
        self.channel = channel
        self.messages: list[Message] = []
        self.whispers: list[tuple[Author, Message]] = []
        self._by_id: dict[str, int] = {}
        self._said = 0
        self._reactors: dict[str, dict[str, set[str]]] = {}  # message id -> emoji -> who
        self._listeners: list[asyncio.Queue[object]] = []

    # -- what people do --------------------------------------------------------------------------
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
        m = self._new(_author(author), text, reply_to, at)
        self.deliver(replace(m, quote_of=quote_of, is_repost=is_repost))
        return self.get(m.id)

    def deliver(self, m: Message) -> None:
        """A message that arrives as it is, its id kept (a recorded one); a known id is ignored."""
        if m.id in self._by_id:
            return
        self._by_id[m.id] = len(self.messages)
        self.messages.append(m)
        self._broadcast(m)

    def edit(
        self, message_id: str, text: str, *, at: datetime | None = None, by: Author | None = None
    ) -> Edited:
        """The message's author changes its text."""
        m = self.get(message_id)
        when = at or self.clock.now()
        self._put(replace(m, text=text, edited_at=when))
        return self._broadcast(Edited(self.name, message_id, text, when, by or m.author))

    def delete(self, message_id: str, *, at: datetime | None = None, by_author: bool = True) -> Deleted:
        """The message is deleted (by its author, or by a moderator): gone from the history."""
        when = at or self.clock.now()
        self._put(replace(self.get(message_id), deleted_at=when))
        return self._broadcast(Deleted(self.name, message_id, when, by_author))

    def react(
        self, message_id: str, emoji: str, by: Author | str, *, added: bool = True, at: datetime | None = None
    ) -> Reacted:
        """Someone adds (or removes) a reaction. The event goes out every time, as a gateway
        may repeat it; the message's own count holds one per person."""
        who = _author(by)
        m = self.get(message_id)
        people = self._reactors.setdefault(message_id, {}).setdefault(emoji, set())
        (people.add if added else people.discard)(who.id)
        counts = self._reactors[message_id]
        self._put(replace(m, reactions=tuple(Reaction(e, len(p)) for e, p in counts.items() if p)))
        return self._broadcast(Reacted(self.name, message_id, emoji, who, at or self.clock.now(), added))

    def command(self, actor: Author | str, name: str, *args: str, reply_token: str = "") -> CommandGiven:
        """Someone gives a command through the platform's own interface (a slash command)."""
        ev = CommandGiven(self.name, name, tuple(args), _author(actor), self.clock.now(), reply_token)
        return self._broadcast(ev)

    def whisper(self, author: Author, text: str, *, to: Author, reply_to: str | None = None) -> Message:
        """An ephemeral message only ``to`` sees: kept in ``whispers``, not in the history."""
        m = self._new(author, text, reply_to, None)
        self.whispers.append((to, m))
        return m

    # -- what the platform keeps -----------------------------------------------------------------
    def get(self, message_id: str) -> Message:
        return self.messages[self._by_id[message_id]]

    def after(self, message_id: str | None, limit: int) -> list[Message]:
        """The history contract of ``chatbot.platforms.base`` over this room."""
        if message_id is not None and message_id not in self._by_id:
            raise UnknownCursor(self.name, message_id)
        start = 0 if message_id is None else self._by_id[message_id] + 1
        kept = (m for m in self.messages[start:] if m.deleted_at is None)
        return [m for _, m in zip(range(max(limit, 0)), kept, strict=False)]

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

    # -- inside ------------------------------------------------------------------------------------
    def _new(self, author: Author, text: str, reply_to: str | None, at: datetime | None) -> Message:
        if reply_to is not None and reply_to not in self._by_id:
            raise PlatformError(f"{self.name}: no message {reply_to} to reply to")
        self._said += 1
        return Message(
            id=f"{self.prefix}{self._said}",
            platform=self.name,
            ts=at or self.clock.now(),
            author=author,
            text=text,
            reply_to=reply_to,
            channel=self.channel,
        )

    def _put(self, m: Message) -> None:
        self.messages[self._by_id[m.id]] = m

    def _broadcast(self, ev: E) -> E:
        for q in self._listeners:
            q.put_nowait(ev)
        return ev


BOT = Author("bot", "@chatbot", "Chat Bot", is_bot=True)


class MemoryPlatform:
    """The ``Platform`` protocol over a ``MemoryRoom``.

    ``limits`` default to the registry's for the room's name. ``before_post``, when set, is
    called with the text before each post is accepted, and ``after_post`` with the new message
    once the room holds it: raising there simulates a platform that fails (or a process that
    dies) before or after the post took effect.
    """

    supports_reactions = True
    supports_edits = True
    supports_deletions = True
    supports_commands = True

    def __init__(
        self,
        room: MemoryRoom,
        *,
        identity: Author = BOT,
        supports_threads: bool = True,
        echo: bool = True,
        ephemeral: bool = True,
        limits: Limits | None = None,
        history_budget: int = 10_000,
        vote_emoji: str = "\N{THUMBS UP SIGN}",
    ) -> None:
        if limits is None:
            from chatbot.platforms.registry import REGISTRY

            limits = REGISTRY.describe(room.name).post_limits
        self.room = room
        self.name = room.name
        self.post_limits = limits
        self.max_length = limits.max_length
        self.supports_threads = supports_threads
        self.supports_ephemeral = ephemeral
        self.echoes_own_posts = echo
        self.vote_emoji = vote_emoji
        self.history_budget = history_budget
        self.before_post: Callable[[str], None] | None = None
        self.after_post: Callable[[Message], None] | None = None
        self.posts: list[Message] = []
        self._me = identity
        self._queue: asyncio.Queue[object] | None = None
        self._stopped = False

    async def start(self) -> None:
        if self._queue is None:
            self._queue = self.room.listen()

    async def stop(self) -> None:
        self._stopped = True
        if self._queue is not None:
            self.room.leave(self._queue)

    async def events(self) -> AsyncIterator[Event]:
        if self._queue is None:
            raise PlatformError(f"{self.name}: not started")
        q = self._queue
        while not self._stopped or not q.empty():
            item = await q.get()
            if item is _CLOSED:
                q.put_nowait(_CLOSED)  # a later iterator ends too
                return
            assert isinstance(item, Message | Edited | Deleted | Reacted | CommandGiven)
            if self.echoes_own_posts or not (isinstance(item, Message) and item.author.id == self._me.id):
                yield item

    async def messages(self) -> AsyncIterator[Message]:
        """Only the messages of ``events()``."""
        async for ev in self.events():
            if isinstance(ev, Message):
                yield ev

    async def post(self, text: str, *, reply_to: str | None = None, to: Author | None = None) -> str:
        if self._queue is None or self._stopped:
            raise PlatformError(f"{self.name}: not connected")
        if not text.strip():
            raise PlatformError(f"{self.name}: refusing an empty post")
        if not self.post_limits.fits(text):
            raise PlatformError(f"{self.name}: post longer than {self.max_length}")
        if to is not None:
            if not self.supports_ephemeral:
                raise EphemeralUnsupported(f"{self.name}: cannot show a message to {to.handle} alone")
            return self.room.whisper(self._me, text, to=to, reply_to=reply_to).id
        if self.before_post is not None:
            self.before_post(text)
        m = self.room.say(self._me, text, reply_to=reply_to)
        self.posts.append(m)
        if self.after_post is not None:
            self.after_post(m)
        return m.id

    async def history(self, *, after: str | None = None, limit: int = 100) -> list[Message]:
        return self.room.after(after, limit)

    async def identity(self) -> Author:
        return self._me
