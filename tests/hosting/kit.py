"""Shared pieces of the runner tests (no tests here): sessions, rooms, a harness on virtual time."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from chatbot.clock import VirtualClock
from chatbot.config import SessionConfig
from chatbot.core.model import Author, Message, PromptSpec, SessionSpec
from chatbot.hosting.ledger import Fault
from chatbot.hosting.recaps import Recaps
from chatbot.hosting.session import SessionRunner
from chatbot.hosting.storing import StoreOptions
from chatbot.platforms.base import Platform
from chatbot.platforms.memory import BOT, MemoryPlatform, MemoryRoom
from chatbot.store import Store

NY = ZoneInfo("America/New_York")
START = datetime(2026, 11, 24, 21, 0, tzinfo=NY)  # a Tuesday, EST
HOST = Author("govhost", "@govhost", "Gov Host")
LONG_Q2 = (
    "How do you decide which questions from residents get a public answer on social media and which "
    "ones move to a private channel? Think about privacy, tone, and the time it takes. Who signs off "
    "on the answer, and how fast can it go out when something urgent happens in your town?"
)


def at(minutes: float, start: datetime = START) -> datetime:
    """The instant ``minutes`` of elapsed time after ``start`` (UTC)."""
    return start.astimezone(UTC) + timedelta(minutes=minutes)


def local(dt: datetime) -> str:
    return dt.astimezone(NY).strftime("%m-%d %H:%M")


def make_spec(
    *,
    sid: str = "localgovchat-2026-11-24",
    hashtag: str = "#localgovchat",
    start: datetime = START,
    prompts: Sequence[str] = (
        "What is one thing residents ask you most?",
        LONG_Q2,
        "What will you try next?",
    ),
    platforms: tuple[str, ...] = ("x",),
    minutes: float = 60,
) -> SessionSpec:
    return SessionSpec(
        id=sid,
        hashtag=hashtag,
        title="Frontline staff",
        start=start,
        timezone="America/New_York",
        duration_minutes=minutes,
        hosts=("@govhost",),
        prompts=tuple(PromptSpec(f"Q{i}", text) for i, text in enumerate(prompts, 1)),
        platforms=platforms,
    )


def make_session(spec: SessionSpec | None = None, **timeline: Any) -> SessionConfig:
    return SessionConfig(spec or make_spec(), {}, timeline)


class Harness:
    """One SQLite file, memory rooms that outlive bots, and runners on one virtual clock."""

    def __init__(self, tmp: Path, *, start: datetime | None = None, names: Sequence[str] = ("x",)) -> None:
        self.tmp = tmp
        self.db = tmp / "chat.db"
        self.out = tmp / "transcripts"
        self.clock = VirtualClock(start or START - timedelta(days=1, hours=1))
        self.rooms = {n: MemoryRoom(self.clock, name=n, prefix=f"{n}") for n in names}
        self.stores: list[Store] = []

    def runner(
        self,
        session: SessionConfig,
        *,
        fault: Fault | None = None,
        threads: bool = True,
        rooms: dict[str, MemoryRoom] | None = None,
        recaps: Recaps | None = None,
        platforms: Sequence[Platform] | None = None,
        storing: StoreOptions | None = None,
        busy: float | None = None,
    ) -> SessionRunner:
        """A runner on the harness's rooms (or on ``platforms`` when given); ``storing`` and
        ``busy`` (its busy timeout, seconds) say how it waits for a locked or full archive."""
        store = Store(self.db)
        if busy is not None:
            store.set_busy_timeout(busy)
        self.stores.append(store)
        if platforms is None:
            # like X: answers to one person go out in public (the web room's whispers: tests/web)
            platforms = [
                MemoryPlatform(r, supports_threads=threads, ephemeral=False)
                for r in (rooms or self.rooms).values()
            ]
        return SessionRunner(
            session,
            store,
            platforms,
            clock=self.clock,
            recaps=recaps or Recaps(self.out, public_url="https://chat.example"),
            fault=fault,
            storing=storing,
        )

    def close(self) -> None:
        for s in self.stores:
            s.close()

    @contextmanager
    def archive(self) -> Iterator[Store]:
        """The SQLite file as a reader sees it afterwards (its own connection, closed after)."""
        store = Store(self.db)
        try:
            yield store
        finally:
            store.close()

    def script(self, steps: Sequence[tuple[float, Callable[[], object]]]) -> Awaitable[None]:
        """Run each step at its minute after START, in order."""

        async def run() -> None:
            for minutes, step in steps:
                await self.clock.sleep_until(at(minutes))
                step()

        return asyncio.ensure_future(run())


def bot_posts(room: MemoryRoom) -> list[Message]:
    return room.by(BOT)


def timeline_of(room: MemoryRoom) -> list[tuple[str, str]]:
    """(local time, text) of every bot post but its replies to people."""
    mine = {m.id for m in bot_posts(room)}
    return [(local(m.ts), m.text) for m in bot_posts(room) if m.reply_to is None or m.reply_to in mine]


def said(room: MemoryRoom, who: str, text: str, **kw: Any) -> Callable[[], Message]:
    return lambda: room.say(who, text, **kw)


def ledger_keys(db: Path) -> dict[tuple[str, str], str]:
    """(platform, platform id) -> ledger key, for every confirmed post."""
    store = Store(db)
    try:
        rows = store.db.query("select platform, platform_id, key from ledger where status = 'posted'")
        return {(r["platform"], r["platform_id"]): r["key"] for r in rows}
    finally:
        store.close()


def posted(db: Path, room: MemoryRoom, *, replies: bool = False) -> list[tuple[str, str]]:
    """(local time, ledger key) of the bot's posts in ``room``, in order; a post the ledger does
    not know (a duplicate) shows as ``?``. Replies to people are left out unless asked for."""
    keys = ledger_keys(db)
    out = []
    for m in bot_posts(room):
        key = keys.get((room.name, m.id), "?")
        if replies or not key.startswith("reply:"):
            out.append((local(m.ts)[-5:], key))
    return out


def replies_in(room: MemoryRoom) -> list[tuple[str, str, str]]:
    """(local time, text, the handle of whom it answers) of the bot's replies to people."""
    out = []
    for m in bot_posts(room):
        if m.reply_to is not None:
            target = room.get(m.reply_to)
            if target.author != BOT:
                out.append((local(m.ts)[-5:], m.text, target.author.handle))
    return out


TIMELINE = [
    ("20:00", "announce:60"),
    ("21:00", "welcome"),
    ("21:01", "intro"),
    ("21:05", "prompt:Q1"),
    ("21:20", "reminder:20"),
    ("21:27", "prompt:Q2"),
    ("21:27", "prompt:Q2#2"),
    ("21:40", "reminder:40"),
    ("21:50", "prompt:Q3"),
    ("21:55", "lastcall"),
    ("22:00", "closing"),
]
"""The default session's posts on the day, as ``posted`` shows them."""
