"""The built-in web chat room: a platform adapter like X or Discord, with no account anywhere.

A ``WebRoom`` is one hashtag's room. Browsers reach it through the web app's websocket
(``chatbot.web.room``), which calls ``connect``/``join``/``receive``; the runner sees only the
``Platform`` protocol: ``events()`` yields what participants said, the commands they gave
(``CommandGiven``: typed as ``/approve 3`` or a button such as a question's vote; never shown to
anyone else, never in the history, answered to the actor alone through ``answer``) and their
reactions; ``post()`` says something to every connected browser and keeps it in the room's history
(or, with ``to=``, to that person's browsers only, kept nowhere). Nothing in the engine knows it
is a web room. The module registers
the room with ``chatbot.platforms.registry`` (``ADAPTER``): its settings are the web app's
``[platforms.web]`` table (``host``, ``port``, ``host_token_env``, ``trusted_proxies``,
``secret_env``; the older top-level ``[web]`` table is read the same way).

Identity: a browser holds an identity the server issued and signed, in an HttpOnly cookie
(``chatbot.web.security``); its author id is a hash of it (stable for the browser, safe to show).
Its display name is its handle. Names that look like the hosts' or the bot's
(``chatbot.core.names``: the Unicode confusables, any case or width) are reserved for browsers
logged in as host, so nobody can become a host by name; a name that looks like another
participant's is refused while they hold it: while a browser of theirs is here, for
``RoomLimits.name_grace`` after it left, and to the end of the chat once they said something or
voted under it (so one name is one participant for the queue's votes and its per-person cap). A
browser logged in as host is a host here under whatever name it joins with (``Author.is_host``:
the room vouches for it), and that name is reserved from then on. Rate limits are kept per
participant and per address in the room (``throttle``), not per connection.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import re
import secrets
import unicodedata
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chatbot.clock import Clock, SystemClock
from chatbot.core import conventions
from chatbot.core.events import CommandGiven, Event, Reacted
from chatbot.core.model import Author, Message
from chatbot.core.textfit import Limits
from chatbot.platforms.base import Adapter, Description, PlatformError, UnknownCursor
from chatbot.platforms.settings import Section
from chatbot.platforms.webguard import Buckets, NameBook, Rate, RoomError, RoomFull

if TYPE_CHECKING:
    from chatbot.config import Config, SessionConfig

DESCRIPTION = Description("web", "the web room", Limits(4000))
BOT = Author("bot", "chatbot", "chatbot", is_bot=True)
#: The reactions a room offers (a fixed few: nobody can fill a message with arbitrary text).
REACTIONS = (
    "\N{THUMBS UP SIGN}",
    "\N{HEAVY BLACK HEART}\ufe0f",
    "\N{FACE WITH TEARS OF JOY}",
    "\N{PARTY POPPER}",
    "\N{ELECTRIC LIGHT BULB}",
    "\N{CLAPPING HANDS SIGN}",
)
HOST_ID = "host-"  # how the ids of hosts' authors begin (participants' begin with "w")
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


__all__ = ["RoomError", "RoomFull"]  # from chatbot.platforms.webguard, where the limits are kept


PER_PARTICIPANT = Rate(5, 5.0)
PER_ADDRESS = Rate(50, 5.0)
CONNECTS_PER_ADDRESS = Rate(60, 60.0)


@dataclass(frozen=True)
class RoomLimits:
    """What keeps a room usable under abuse. The rates hold per participant and per address
    whatever the number of connections and reconnections (``chatbot.platforms.webguard``)."""

    max_text: int = 2000  # characters in one participant message
    max_name: int = 40
    max_connections: int = 200
    max_per_address: int = 10  # open at once
    history_on_join: int = 200  # messages a new browser receives
    max_history: int = 5000  # messages kept in memory (the store keeps them all)
    outbox: int = 512  # frames queued for one slow browser before it is dropped
    per_participant: Rate = PER_PARTICIPANT  # posts, joins, commands (votes) and reactions ...
    per_address: Rate = PER_ADDRESS  # ... and all of an address's participants together: 10/s
    connects_per_address: Rate = CONNECTS_PER_ADDRESS  # new connections
    name_grace: float = 120.0  # seconds a name stays its holder's after their last browser left


def key(name: str) -> str:
    """What two names must differ in: letters and digits only, case-folded."""
    return "".join(c for c in unicodedata.normalize("NFKC", name).casefold() if c.isalnum())


def clean_name(raw: str, limit: int) -> str:
    """A display name: printable, single-spaced, no leading @, at most ``limit`` characters."""
    text = unicodedata.normalize("NFKC", raw)
    text = "".join(c for c in _INVISIBLE.sub("", text) if unicodedata.category(c)[0] != "C")
    text = " ".join(text.split()).lstrip("@").strip()
    if not key(text):
        raise RoomError("choose a name with at least one letter or digit")
    if len(text) > limit:
        raise RoomError(f"names are at most {limit} characters")
    return text


def clean_text(raw: str, limit: int) -> str:
    """Message text: no control characters except newlines and tabs; not empty; within ``limit``."""
    text = "".join(c for c in raw if c in "\n\t" or unicodedata.category(c) != "Cc").strip()
    if not text:
        raise RoomError("the message is empty")
    if len(text) > limit:
        raise RoomError(f"messages are at most {limit} characters (this one has {len(text)})")
    return text


def author_id(secret: str) -> str:
    """The public, stable author id of a browser holding ``secret``."""
    return "w" + hashlib.sha256(secret.encode()).hexdigest()[:20]


def host_author(handle: str) -> Author:
    """The author a host is, in the room and on the dashboard alike (vouched for: ``is_host``)."""
    return Author(f"{HOST_ID}{key(handle) or 'host'}", handle, handle.lstrip("@"), is_host=True)


def typed_command(text: str, bot_handle: str = "") -> tuple[str, tuple[str, ...]] | None:
    """The command a room message gives (``/approve 3``, ``@bot next``), as the table's name (or
    the unknown word) and its arguments; None for what people say, ``/ask`` questions included."""
    command = conventions.parse(text, bot_handles=(bot_handle,) if bot_handle else ()).command
    if command is None or command.name == "ask":
        return None
    if command.name == "unknown":
        return (command.args[0], command.args[1:]) if command.args else None
    return command.name, command.args


@dataclass(eq=False)
class Listener:
    """One browser connection: what the room sends it, and who it is once joined."""

    address: str
    host: bool = False
    serial: int = 0  # which connection of the room's (in the tokens its commands' answers carry)
    outbox: asyncio.Queue[dict[str, Any] | None] = field(default_factory=asyncio.Queue)
    author: Author | None = None
    dropped: bool = False
    close_code: int = 1000
    close_reason: str = ""
    closed: bool = False
    identity: str = ""  # the participant's author id (from the server-signed cookie)

    def close(self, code: int, reason: str, *, flush: bool = True) -> None:
        """Ask the connection to close after what is queued (or at once: ``flush=False``)."""
        if self.closed:
            return
        self.closed, self.close_code, self.close_reason = True, code, reason
        if not flush or self.outbox.full():
            while not self.outbox.empty():
                self.outbox.get_nowait()
        self.outbox.put_nowait(None)


class WebRoom:
    """One hashtag's chat room, as a ``Platform``."""

    name = DESCRIPTION.name
    post_limits = DESCRIPTION.post_limits
    max_length = DESCRIPTION.post_limits.max_length
    supports_threads = True
    supports_reactions = True  # a few emoji on any message (``REACTIONS``)
    supports_edits = False
    supports_deletions = False
    supports_ephemeral = True  # a reply only the asker's browsers show
    supports_commands = True  # typed commands and buttons arrive as ``CommandGiven``
    echoes_own_posts = False
    vote_emoji = ""

    def __init__(
        self,
        hashtag: str,
        *,
        bot: Author = BOT,
        reserved: Iterable[str] = (),
        clock: Clock | None = None,
        limits: RoomLimits | None = None,
        question_tag: str = "#ask",
        style: str = "Q",
        max_open_questions: int = 3,
    ) -> None:
        self.hashtag = hashtag if hashtag.startswith("#") else f"#{hashtag}"
        self.bot = bot
        self.clock = clock
        self.limits = limits or RoomLimits()
        self.history_budget = self.limits.max_history  # all it keeps: reading it costs nothing
        self.question_tag, self.style, self.max_open_questions = question_tag, style, max_open_questions
        #: The clock the rate limits and the names' grace read: the wall clock, whatever the room's
        #: (a rehearsal at 20x speed is no reason to allow 20x the rate); tests may hold it still.
        self.rate_clock: Clock = SystemClock()
        self._buckets = Buckets(self._seconds)
        self._book = NameBook(self.limits.name_grace, self._seconds, lambda aid: aid in self._spoken)
        for name in reserved:
            self._book.reserve(name, "host")
        for name in (bot.handle, bot.name):
            self._book.reserve(name, "bot")
        self._from: dict[str, dict[str, tuple[float, str]]] = {}  # address -> author id -> (when, name)
        self._reserved = {key(h) for h in (*reserved, bot.handle, bot.name) if key(h)}
        self._prefix = secrets.token_hex(4)
        self._count = 0
        self._history: list[Message] = []
        self._incoming: asyncio.Queue[Event | None] = asyncio.Queue()
        # store first: messages waiting to be shown until the runner says they are durable
        self._store_first = False
        self._unshown: dict[str, tuple[Message, Listener | None, str]] = {}  # id -> (it, sender, ref)
        self._known: set[str] = set()  # ids of the messages taken or seeded: a keyed resend is one of them
        self._refusing: str | None = None  # why new posts are refused (the archive's buffer is full)
        self._listeners: set[Listener] = set()
        self._spoken: set[str] = set()  # author ids that posted (their name is fixed)
        self._reactions: dict[str, dict[str, set[str]]] = {}  # message id -> emoji -> who
        self._serials = 0
        self.started = False
        self.stopped = False

    @classmethod
    def for_session(cls, config: Config, session: SessionConfig, *, clock: Clock | None = None) -> WebRoom:
        """The room for one configured session: its hashtag, its hosts' names reserved."""
        bot = Author("bot", config.bot_name, config.bot_name, is_bot=True)
        spec = session.spec
        return cls(
            spec.hashtag,
            bot=bot,
            reserved=spec.hosts,
            clock=clock,
            question_tag=spec.question_tag,
            style=spec.style,
            max_open_questions=spec.max_open_questions_per_participant,
        )

    @property
    def slug(self) -> str:
        """The room's address part: the hashtag without '#', case-folded."""
        return room_slug(self.hashtag)

    @property
    def online(self) -> int:
        return len(self._listeners)

    def is_reserved(self, name: str) -> bool:
        return key(name) in self._reserved

    # -- Platform ------------------------------------------------------------------------------
    async def start(self) -> None:
        if self.stopped:
            raise PlatformError(f"web room {self.hashtag}: cannot start again after stop")
        self.started = True

    async def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        self._incoming.put_nowait(None)
        for listener in list(self._listeners):
            listener.close(1001, "room closed")

    async def events(self) -> AsyncIterator[Event]:
        while True:
            event = await self._incoming.get()
            if event is None:  # stopped: this iterator ends, and so does any later one
                self._incoming.put_nowait(None)
                return
            yield event

    async def messages(self) -> AsyncIterator[Message]:
        """Only the messages of ``events()``."""
        async for event in self.events():
            if isinstance(event, Message):
                yield event

    async def post(self, text: str, *, reply_to: str | None = None, to: Author | None = None) -> str:
        """Say ``text`` in the room; with ``to``, only that person's browsers see it (nobody
        else, not the history: a browser that connects later does not get it)."""
        if self.stopped:
            raise PlatformError(f"web room {self.hashtag} is closed")
        if not self.post_limits.fits(text):
            raise PlatformError(f"web room: a post is at most {self.max_length} characters")
        message = self._message(self.bot, text, reply_to)
        if to is None:
            self._publish(message)
        else:
            frame = {"type": "message", "message": {**self.frame(message), "only_you": True}}
            self._send(self._browsers_of(to), frame)
        return message.id

    async def answer(self, event: CommandGiven, ok: bool, text: str) -> None:
        """The outcome of a command given here, to its actor's browsers alone: the browser that gave
        it gets its ``ref`` back (a vote button shows the vote; a typed command, the answer)."""
        serial, _, ref = event.reply_token.partition("/")
        message = self._message(self.bot, text, None)
        shown = {**self.frame(message), "only_you": True, "command": event.name, "args": list(event.args)}
        for listener in self._browsers_of(event.actor):
            mine = str(listener.serial) == serial
            frame = {"type": "answer", "ok": ok, "ref": ref if mine else "", "message": shown}
            self._send([listener], frame)
        if ok and event.name == "optout":
            self.forget(event.actor)

    async def history(self, *, after: str | None = None, limit: int = 100) -> list[Message]:
        start = 0
        if after is not None:
            found = next((i for i, m in enumerate(self._history) if m.id == after), None)
            if found is None:  # never said here, or older than what the room keeps
                raise UnknownCursor(self.name, after)
            start = found + 1
        return self._history[start : start + max(limit, 0)]

    async def identity(self) -> Author:
        return self.bot

    # -- the browser side (called by the web app) ----------------------------------------------------
    def connect(self, address: str, *, host: bool = False, identity: str = "") -> Listener:
        """A browser's connection from ``address`` (``identity``: the participant's author id,
        when the web app knows it from their cookie)."""
        if self.stopped:
            raise RoomError("this room is closed")
        if len(self._listeners) >= self.limits.max_connections:
            raise RoomFull("the room is full; try again later")
        if sum(1 for x in self._listeners if x.address == address) >= self.limits.max_per_address:
            raise RoomFull("too many connections from your address")
        if not host and self._buckets.take((("connect", address), self.limits.connects_per_address)):
            raise RoomFull("too many new connections from your address; wait a minute")
        self._serials += 1
        outbox: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(self.limits.outbox)
        listener = Listener(address, host, self._serials, outbox, identity=identity)
        self._listeners.add(listener)
        return listener

    def disconnect(self, listener: Listener) -> None:
        self._listeners.discard(listener)
        who = listener.author
        if who is not None and not self._browsers_of(who):
            self._book.left(who.id)  # the name is free after the grace period (unless kept)

    def throttle(self, listener: Listener) -> float:
        """Charge one action (a post, join, command, vote or reaction) to the participant and to
        their address: 0.0 when allowed, else the seconds to wait. Kept by address and identity,
        so reconnecting or opening more connections gains nothing."""
        wants: list[tuple[tuple[str, str], Rate]] = []
        who = listener.identity or (listener.author.id if listener.author else "")
        if who:
            wants.append((("id", who), self.limits.per_participant))
        if not listener.host:  # a host behind a crowded address still runs the chat
            wants.append((("address", listener.address), self.limits.per_address))
        return self._buckets.take(*wants)

    def join(self, listener: Listener, secret: str, name: str) -> Author:
        """Give a connection its name. A connection logged in as host is a host under the name it
        takes (a host's, or its own: reserved for the hosts from then on). A name that looks like
        a host's, the bot's or another participant's (``chatbot.core.names``) is refused."""
        display = clean_name(name, self.limits.max_name)
        if listener.host:
            author = host_author(display)
            self._book.take(author.id, display, host=True)
            self._reserved.add(key(display))
            listener.author = author
            return listener.author
        aid = author_id(secret)
        self._book.take(aid, display)
        self._book.arrived(aid)
        self._from.setdefault(listener.address, {})[aid] = (self._seconds(), display)
        if len(self._from) > 10_000:  # addresses seen: only the last day's count
            for address in list(self._from):
                self.handles_from(address)
        listener.author = Author(aid, display, display)
        return listener.author

    def asks(self, text: str) -> bool:
        """Whether a participant's ``text`` puts a question to the queue (the session's tag, or
        ``/ask``)."""
        parsed = conventions.parse(
            text, style=self.style, question_tag=self.question_tag, bot_handles=(self.bot.handle,)
        )
        return parsed.question is not None or (parsed.command is not None and parsed.command.name == "ask")

    def handles_from(self, address: str) -> set[str]:
        """The names (as ``key``) the participants who joined from ``address`` in the last day
        took: their open questions count together against the per-person cap."""
        now = self._seconds()
        seen = self._from.get(address, {})
        for aid in [a for a, (at, _) in seen.items() if now - at > 86400]:
            del seen[aid]
        if not seen:
            self._from.pop(address, None)
        return {key(name) for _, name in seen.values()}

    def receive(
        self, listener: Listener, text: str, *, reply_to: str | None = None, ref: str = "", key: str = ""
    ) -> Message | CommandGiven:
        """A participant's message, handed to the runner and shown to everyone, its sender told
        ("sent" with ``ref``): at once, or, once a runner asked (``echo_when_stored``), only when it
        is durable (``stored``). A typed command is no message: it goes to the runner alone
        (``command``), and nobody else sees it.

        ``key`` (the browser's idempotency key, kept until it sees "sent") fixes the message's id
        from the participant's signed identity and the key: the same key sent again (a browser
        resending after a reconnect, or after a restart, once the message is stored or journaled)
        is that message, its sender told "sent" again, never a second one."""
        author = self._joined(listener)
        body = clean_text(text, self.limits.max_text)
        typed = typed_command(body, self.bot.handle)
        if typed is not None:
            return self.command(listener, *typed, ref=ref)
        message_id = self._keyed_id(author, key) if key else ""
        if message_id in self._known:
            return self._again(message_id, author, body, listener, ref)
        if reply_to is not None and not any(m.id == reply_to for m in self._history[-2000:]):
            reply_to = None
        if self._refusing is not None:
            raise RoomError(self._refusing)
        message = self._message(author, body, reply_to, message_id)
        self._spoken.add(author.id)
        self._take(message, listener, ref)
        return message

    def say_as(self, author: Author, text: str) -> Message:
        """A host says ``text`` from the dashboard, under their own name (no browser of theirs is
        in the room): shown to everyone and handed to the runner, like a message typed here."""
        if self.stopped:
            raise RoomError("this room is closed")
        message = self._message(author, clean_text(text, self.limits.max_text), None)
        self._reserved.add(key(author.handle))
        self._book.reserve(author.handle, "host")
        self._take(message, None, "")
        return message

    def command(self, listener: Listener, name: str, args: Sequence[str], *, ref: str = "") -> CommandGiven:
        """A command (typed, or a button's) for the runner; ``answer`` brings its outcome back to
        this browser with ``ref``."""
        author = self._joined(listener)
        if len(name) > 40 or len(args) > 20 or any(len(a) > self.limits.max_text for a in args):
            raise RoomError("that command is too long")
        self._spoken.add(author.id)  # a vote counts for the name: it is theirs from now on
        event = CommandGiven(
            "web", name, tuple(args), author, self._now(), reply_token=f"{listener.serial}/{ref[:40]}"
        )
        self._incoming.put_nowait(event)
        return event

    def react(self, listener: Listener, message_id: str, emoji: str) -> Reacted:
        """Add ``emoji`` to a message, or take it back when this person had already: every browser
        sees the new counts, and the runner hears it."""
        author = self._joined(listener)
        if emoji not in REACTIONS:
            raise RoomError("choose one of the room's reactions")
        if not any(m.id == message_id for m in self._history[-2000:]):
            raise RoomError("that message is no longer here")
        who = self._reactions.setdefault(message_id, {}).setdefault(emoji, set())
        added = author.id not in who
        (who.add if added else who.discard)(author.id)
        event = Reacted("web", message_id, emoji, author, self._now(), added)
        self._send(list(self._listeners), {"type": "reactions", "id": message_id, **self._tally(message_id)})
        self._incoming.put_nowait(event)
        return event

    def forget(self, author: Author) -> None:
        """Someone opted out: their messages leave the room's history and every open browser."""
        gone = [m.id for m in self._history if m.author.id == author.id]
        if gone:
            self._history = [m for m in self._history if m.author.id != author.id]
            self._send(list(self._listeners), {"type": "removed", "ids": gone})

    def seed(self, messages: Iterable[Message]) -> None:
        """What the room showed before a restart (from the store): kept as history, not heard again.
        Messages deleted since are not shown again (nor the old dashboard's ``dash-`` commands)."""
        old = [
            m
            for m in messages
            if m.platform == "web"
            and m.deleted_at is None
            and not m.id.startswith("dash-")
            and typed_command(m.text, self.bot.handle) is None
        ]
        self._history[:0] = old[-self.limits.max_history :]
        self._known.update(m.id for m in old)
        for m in old:
            if m.author.id.startswith(HOST_ID) and key(m.author.handle):
                self._reserved.add(key(m.author.handle))  # a host's name stays theirs
                self._book.reserve(m.author.handle, "host")
            elif not m.author.is_bot and not self.is_reserved(m.author.handle):
                self._book.restore(m.author.id, m.author.handle)
                self._spoken.add(m.author.id)
            for r in m.reactions:  # who reacted before is not known: counted, not anyone's
                if r.emoji in REACTIONS:
                    who = self._reactions.setdefault(m.id, {}).setdefault(r.emoji, set())
                    who.update(f"before-{i}" for i in range(r.count))

    def recent(self) -> list[dict[str, Any]]:
        """What a browser that just connected sees: the latest messages as frames."""
        return [self.frame(m) for m in self._history[-self.limits.history_on_join :]]

    def frame(self, m: Message) -> dict[str, Any]:
        """A message as the browser sees it (no secrets: the author id is already a hash)."""
        bot = m.author.is_bot or key(m.author.handle) == key(self.bot.handle)
        return {
            "id": m.id,
            "ts": m.ts.isoformat(),
            "author": {
                "id": m.author.id,
                "name": m.author.display,
                "bot": bot,
                "host": bot or key(m.author.handle) in self._reserved,
            },
            "text": m.text,
            "reply_to": m.reply_to,
            **self._tally(m.id),
        }

    # -- inside -----------------------------------------------------------------------------------------
    def _joined(self, listener: Listener) -> Author:
        if self.stopped:
            raise RoomError("this room is closed")
        if listener.author is None:
            raise RoomError("join with a name first")
        return listener.author

    def _browsers_of(self, who: Author) -> list[Listener]:
        return [x for x in self._listeners if x.author is not None and x.author.id == who.id]

    def _tally(self, message_id: str) -> dict[str, Any]:
        """A message's reactions as browsers show them: each emoji's count, and who (author ids)."""
        found = self._reactions.get(message_id, {})
        return {
            "reactions": [
                {"emoji": e, "count": len(who), "by": sorted(w for w in who if not w.startswith("before-"))}
                for e in REACTIONS
                if (who := found.get(e))
            ]
        }

    def _now(self) -> datetime:
        return self.clock.now() if self.clock is not None else datetime.now(UTC)

    def _seconds(self) -> float:
        """The time the limits read: the rate clock's, in seconds."""
        return self.rate_clock.now().timestamp()

    def _message(self, author: Author, text: str, reply_to: str | None, message_id: str = "") -> Message:
        self._count += 1
        return Message(
            id=message_id or f"{self._prefix}-{self._count}",
            platform="web",
            ts=self._now(),
            author=author,
            text=text,
            reply_to=reply_to,
            channel=self.hashtag,
        )

    def _keyed_id(self, author: Author, key: str) -> str:
        """A keyed message's id: the same for the same room, participant and key, in any run."""
        digest = hashlib.sha256(f"{self.slug}\0{author.id}\0{key}".encode()).hexdigest()
        return f"k-{digest[:24]}"

    def _again(self, message_id: str, author: Author, body: str, listener: Listener, ref: str) -> Message:
        """A keyed message sent again: taken already, so not a second message. Still waiting to be
        stored: its "sent" goes to this browser when it is; stored: "sent" again now."""
        waiting = self._unshown.get(message_id)
        if waiting is not None:
            self._unshown[message_id] = (waiting[0], listener, ref)
            return waiting[0]
        self._send([listener], {"type": "sent", "ref": ref, "id": message_id})
        shown = next((m for m in reversed(self._history) if m.id == message_id), None)
        return shown or Message(
            id=message_id, platform="web", ts=self._now(), author=author, text=body, channel=self.hashtag
        )

    # -- store first (chatbot.hosting.storing.ShowsWhenStored) -------------------------------------
    def echo_when_stored(self) -> None:
        """From now on a participant's message is shown, and its sender told, only once the
        runner says it is durable (``stored``): nobody sees a message a crash could lose."""
        self._store_first = True

    def stored(self, ids: Sequence[str]) -> None:
        """These messages are durable (in the archive or its journal): shown to everyone now."""
        for message_id in ids:
            waiting = self._unshown.pop(message_id, None)
            if waiting is not None:
                self._show(*waiting)

    @property
    def unshown(self) -> int:
        """Participants' messages taken but not shown yet: waiting to be stored."""
        return len(self._unshown)

    def recovered(self, messages: Sequence[Message]) -> None:
        """Messages a run that died had shown, which the runner took back from its journal: kept in
        the history like those ``seed`` keeps, in the order they were said."""
        self.seed(messages)
        self._history.sort(key=lambda m: m.ts)

    def refuse_posts(self, reason: str | None) -> None:
        """Refuse new posts with ``reason`` (the archive cannot take more for now); None: take them."""
        self._refusing = reason

    def _take(self, message: Message, sender: Listener | None, ref: str) -> None:
        """A participant's message to the runner; shown now, or once durable (store first)."""
        self._known.add(message.id)
        if self._store_first:
            self._unshown[message.id] = (message, sender, ref)
        else:
            self._show(message, sender, ref)
        self._incoming.put_nowait(message)

    def _show(self, message: Message, sender: Listener | None, ref: str) -> None:
        self._publish(message)
        if sender is not None and not sender.closed:
            self._send([sender], {"type": "sent", "ref": ref, "id": message.id})

    def _publish(self, message: Message) -> None:
        self._history.append(message)
        if len(self._history) > self.limits.max_history:
            del self._history[: len(self._history) - self.limits.max_history]
        self._send(list(self._listeners), {"type": "message", "message": self.frame(message)})

    def _send(self, listeners: list[Listener], frame: dict[str, Any]) -> None:
        for listener in listeners:
            try:
                listener.outbox.put_nowait(frame)
            except asyncio.QueueFull:  # a browser that stopped reading: let it go
                listener.dropped = True
                self._listeners.discard(listener)
                listener.close(1008, "too slow", flush=False)


def room_slug(hashtag: str) -> str:
    """``#LocalGovChat`` -> ``localgovchat`` (how rooms are addressed and looked up)."""
    return hashtag.strip().lstrip("#").casefold()


@dataclass(frozen=True)
class WebSettings:
    """``[platforms.web]``: where the web app (rooms, live views, dashboard) listens, and whom it
    believes."""

    host: str = "127.0.0.1"
    port: int = 8080
    host_token: str | None = None  # from CHATBOT_HOST_TOKEN unless set; printed at start when absent
    #: Reverse proxies (addresses or networks) whose X-Forwarded-For and X-Forwarded-Proto count.
    trusted_proxies: tuple[str, ...] = ()
    #: Signs participants' identities: from CHATBOT_SECRET, else kept beside the database.
    secret: str | None = field(default=None, repr=False)


def load_settings(section: Section, env: Mapping[str, str]) -> WebSettings:
    port = section.get("port", int, 8080)
    if not 0 < port < 65536:
        section.fail("port", f"must be 1-65535, not {port}")
    token_env = section.get("host_token_env", str, "CHATBOT_HOST_TOKEN")
    proxies = section.strings("trusted_proxies")
    for value in proxies:
        try:
            ipaddress.ip_network(value.strip(), strict=False)
        except ValueError:
            section.fail("trusted_proxies", f"{value!r} is not an IP address or network (such as 10.0.0.0/8)")
    secret = env.get(section.get("secret_env", str, "CHATBOT_SECRET")) or None
    if secret is not None and len(secret) < 16:
        section.fail("secret_env", "the secret it names must be at least 16 characters")
    host = section.get("host", str, "127.0.0.1")
    return WebSettings(host, port, env.get(token_env) or None, proxies, secret)


def make_room(
    settings: WebSettings, config: Config, session: SessionConfig, *, clock: Clock | None
) -> WebRoom:
    return WebRoom.for_session(config, session, clock=clock)


ADAPTER = Adapter(
    DESCRIPTION,
    frozenset({"host", "port", "host_token_env", "trusted_proxies", "secret_env"}),
    load_settings,
    make_room,
    served_by_web_app=True,
)
