"""Rehearsing a chat: a recorded chat played back through the live runner, on a scaled clock.

``ReplayPlatform`` is a real adapter: each recorded message arrives through ``messages()`` at its
time on the clock, what the bot posts joins the room's history (with ids, replies, echoes) and is
shown as it happens. ``replay`` (``chatbot replay FILE --speed N``) runs a session over it:
with a config, the config's first session, its recording shifted to the session's start; without
one, the chat found in the recording (its hosts post the prompts; the bot does the rest).

Clocks: ``ScaledClock`` runs N times faster than real time; ``VirtualClock`` jumps to the next
instant anyone waits for as soon as the event loop is idle (``--speed 0``: as fast as possible,
and what the tests use).
"""

from __future__ import annotations

import asyncio
import heapq
import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from chatbot.config import Config, SessionConfig
from chatbot.core.model import Author, Message
from chatbot.core.sessions import Guess, infer_sessions
from chatbot.core.textfit import PLATFORM_LIMITS
from chatbot.platforms.base import Clock
from chatbot.platforms.memory import MemoryPlatform, MemoryRoom

LEAD = timedelta(minutes=30)  # recorded messages this long before the start are played too
TAIL = timedelta(minutes=15)  # ... and this long after the end


class VirtualClock:
    """Virtual time: ``sleep_until`` returns once virtual time reaches the instant, and virtual
    time moves on (to the earliest sleeper) only when the event loop has nothing else to do."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a clock needs an aware start time")
        self._now = start.astimezone(UTC)
        self._sleepers: list[tuple[datetime, int, asyncio.Future[None]]] = []
        self._seq = 0
        self._driver: asyncio.Task[None] | None = None

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        """Move time forward by hand (a bot that was down); sleepers now due wake up."""
        self._now += delta
        self._wake_due()

    async def sleep_until(self, when: datetime) -> None:
        if when <= self._now:
            await asyncio.sleep(0)
            return
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        self._seq += 1
        heapq.heappush(self._sleepers, (when.astimezone(UTC), self._seq, fut))
        if self._driver is None or self._driver.done():
            self._driver = loop.create_task(self._drive(), name="virtual-clock")
        await fut

    def _wake_due(self) -> None:
        while self._sleepers and self._sleepers[0][0] <= self._now:
            fut = heapq.heappop(self._sleepers)[2]
            if not fut.done():
                fut.set_result(None)

    async def _drive(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await _idle(loop)
            while self._sleepers and self._sleepers[0][2].done():  # cancelled sleepers
                heapq.heappop(self._sleepers)
            if not self._sleepers:
                return
            self._now = max(self._now, self._sleepers[0][0])
            self._wake_due()


async def _idle(loop: asyncio.AbstractEventLoop) -> None:
    """Return when no other callback is ready to run (every task waits on something)."""
    quiet = 0
    for _ in range(1_000_000):
        await asyncio.sleep(0)
        ready = getattr(loop, "_ready", None)  # CPython's run queue; without it, yield a while
        quiet = quiet + 1 if not ready else 0
        if quiet >= (3 if ready is not None else 50):
            return


class ScaledClock:
    """Time from ``start``, running ``speed`` times faster than the real clock."""

    def __init__(self, start: datetime, speed: float) -> None:
        if not speed > 0 or math.isinf(speed):
            raise ValueError(f"speed must be a positive number, not {speed}")
        self._start = start.astimezone(UTC)
        self._speed = speed
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=(time.monotonic() - self._t0) * self._speed)

    async def sleep_until(self, when: datetime) -> None:
        delay = (when - self.now()).total_seconds() / self._speed
        if delay > 0:
            await asyncio.sleep(delay)


class ReplayPlatform(MemoryPlatform):
    """A recorded chat's messages of one platform, arriving at their times on ``clock``."""

    def __init__(
        self,
        name: str,
        recorded: Sequence[Message],
        clock: Clock,
        *,
        identity: Author,
        on_post: Callable[[Message], None] | None = None,
    ) -> None:
        super().__init__(
            MemoryRoom(clock, name=name, prefix="bot-"), identity=identity, supports_threads=name != "irc"
        )
        self.recorded = sorted((m for m in recorded if m.platform == name), key=lambda m: m.ts)
        self.after_post = on_post
        self._feeder: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await super().start()
        if self._feeder is None:
            self._feeder = asyncio.create_task(self._feed(), name=f"replay:{self.name}")

    async def stop(self) -> None:
        if self._feeder is not None:
            self._feeder.cancel()
            await asyncio.gather(self._feeder, return_exceptions=True)
        await super().stop()

    async def _feed(self) -> None:
        for m in self.recorded:
            await self.room.clock.sleep_until(m.ts)
            self.room.deliver(m)


def _chat_start(messages: list[Message], tz: ZoneInfo) -> datetime:
    found, _ = infer_sessions(messages, tz)
    return found[0].spec.start if found else messages[0].ts


async def replay(
    path: str | Path,
    *,
    config: Config | None,
    speed: float,
    out: Callable[[str], object] = print,
    db: str | Path = ":memory:",
    transcripts: Path | None = None,
) -> int:
    """Play the recorded chat in ``path`` through the live runner; print what the bot says.
    ``speed`` N runs N times faster than real time (0 or inf: as fast as possible). The archive
    is ``db`` (by default in memory: a rehearsal leaves nothing behind); a recap is rendered into
    ``transcripts`` when given. ImportFailed when the file cannot be read."""
    from chatbot.importers import ImportFailed, load
    from chatbot.session_runner import SessionRunner
    from chatbot.sessionplan import Recaps
    from chatbot.store import Store

    zone = config.timezone if config else None
    result = load(Path(path), tz=zone)
    names = sorted({m.platform for m in result.messages if m.platform in PLATFORM_LIMITS})
    if not names:
        raise ImportFailed(
            f"{path}: no messages from a platform the bot can replay ({', '.join(PLATFORM_LIMITS)})"
        )
    recorded = [m for m in result.messages if m.platform in names]
    if config and config.sessions:
        session = config.sessions[0]
        shift = session.spec.start - _chat_start(recorded, ZoneInfo(session.spec.timezone))
        recorded = [replace(m, ts=m.ts + shift) for m in recorded]
        if len(config.sessions) > 1:
            out(f"note: rehearsing the first of {len(config.sessions)} sessions ({session.spec.id})")
    else:
        assumed = zone or result.assumed_timezone
        h = result.hints
        found, _ = infer_sessions(
            recorded,
            assumed if isinstance(assumed, ZoneInfo) else ZoneInfo("UTC"),
            Guess(h.hashtag, h.title, h.hosts, h.style, h.channel),
        )
        if not found:
            raise ImportFailed(f"{path}: no chat found in the recording")
        chat = max(found, key=lambda f: len(f.messages))
        session = SessionConfig(replace(chat.spec, prompts=()), timeline={"announce_before_minutes": []})
    spec = replace(session.spec, platforms=tuple(names))
    session = replace(session, spec=spec)
    end = spec.start + timedelta(minutes=spec.duration_minutes)
    recorded = [m for m in recorded if spec.start - LEAD <= m.ts <= end + TAIL]
    begin = min([spec.start, *(m.ts for m in recorded)]) - timedelta(minutes=1)
    clock: Clock = VirtualClock(begin) if speed <= 0 or math.isinf(speed) else ScaledClock(begin, speed)
    # times are shown in the session's zone, or as the recording wrote them
    tz: tzinfo = ZoneInfo(spec.timezone) if config and config.sessions else (recorded[0].ts.tzinfo or UTC)
    bot = config.bot_name if config else "chatbot"
    posts: Counter[str] = Counter()

    def show(m: Message) -> None:
        posts[m.platform] += 1
        where = f" (reply to {m.reply_to})" if m.reply_to else ""
        out(f"{m.ts.astimezone(tz):%H:%M:%S} [{m.platform}] {m.text}{where}")

    platforms = [
        ReplayPlatform(
            name,
            recorded,
            clock,
            identity=Author(f"{bot}-bot", f"@{bot}" if name == "x" else bot, bot, is_bot=True),
            on_post=show,
        )
        for name in names
    ]
    out(f"replaying {len(recorded)} messages of {path} as {spec.hashtag} ({spec.id}), speed {speed:g}")
    store = Store(db)
    try:
        from chatbot.runner import run_sessions

        recaps = Recaps(transcripts) if transcripts else None
        runner = SessionRunner(session, store, platforms, clock=clock, recaps=recaps)
        code = await run_sessions([runner])
        state = runner.state()
    finally:
        store.close()
    total = sum(posts.values())
    out(
        f"done: {state['messages']} messages recorded, {total} posted by the bot, "
        f"{len(state['queue'])} questions, {state['participants']} participants"
    )
    return code
