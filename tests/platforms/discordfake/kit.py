"""A Discord world for the adapter's tests: the fake started and discord.py pointed at it, one
guild ("Local Gov") with a #localgovchat channel, a "Chat hosts" role, a moderator with Manage
Events, two participants, and the adapter's settings for it."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from chatbot.clock import Clock, ScaledClock
from chatbot.config import SessionConfig
from chatbot.core.model import PromptSpec, SessionSpec
from chatbot.platforms.discord_.adapter import DiscordPlatform
from chatbot.platforms.discord_.settings import DiscordSettings, Hub, Place
from tests.platforms.discordfake.server import FakeDiscord
from tests.platforms.discordfake.world import MANAGE_EVENTS, Channel, Guild, Member, Role


@dataclass
class World:
    """The fake and who is in it."""

    fake: FakeDiscord
    guild: Guild
    channel: Channel
    hosts_role: Role
    host: Member  # has the "Chat hosts" role
    moderator: Member  # has Manage Events
    ann: Member
    bob: Member
    hub: Hub = field(default_factory=Hub)

    def settings(self, **changes: Any) -> DiscordSettings:
        base = DiscordSettings(
            token=self.fake.token,
            default=Place(int(self.guild.id), int(self.channel.id)),
            host_roles=("Chat hosts",),
            connect_timeout=5.0,
            hub=self.hub,
        )
        return replace(base, **changes)

    def adapter(self, session: SessionConfig, clock: Clock | None = None, **changes: Any) -> DiscordPlatform:
        settings = self.settings(**changes)
        place = settings.place_for(session.spec.hashtag)
        assert place is not None
        return DiscordPlatform(settings, session, place, self.fake.token, clock=clock or self.fake.clock)


def populate(fake: FakeDiscord) -> World:
    guild = fake.guild("Local Gov")
    channel = fake.text_channel(guild, "localgovchat")
    hosts = fake.role(guild, "Chat hosts")
    mods = fake.role(guild, "Moderators", MANAGE_EVENTS)
    return World(
        fake,
        guild,
        channel,
        hosts,
        fake.member(guild, "jane", roles=(hosts,), nick="Jane (host)"),
        fake.member(guild, "mo", roles=(mods,)),
        fake.member(guild, "ann"),
        fake.member(guild, "bob"),
    )


@contextlib.asynccontextmanager
async def world(clock: Clock, monkeypatch: Any, **options: Any) -> AsyncIterator[World]:
    """A running fake Discord with the test guild, discord.py pointed at it."""
    fake = FakeDiscord(clock, **options)
    w = populate(fake)
    async with fake.running():
        fake.point(monkeypatch)
        yield w


START = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 21:00 in New York
SPEED = 600.0  # ten virtual minutes in one real second


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def chat(
    *,
    hashtag: str = "#localgovchat",
    minutes: float = 10,
    prompts: tuple[tuple[str, float], ...] = (("Where do residents ask first?", 1), ("What works?", 4)),
    **timeline: Any,
) -> SessionConfig:
    """A short session on Discord: prompts at their minute marks, no announcements or reminders
    unless asked."""
    spec = SessionSpec(
        id=f"{hashtag.lstrip('#')}-2026-11-24",
        hashtag=hashtag,
        title="Frontline staff",
        start=START,
        timezone="America/New_York",
        duration_minutes=minutes,
        hosts=("@govhost",),
        prompts=tuple(PromptSpec(f"Q{i}", text, offset_minutes=m) for i, (text, m) in enumerate(prompts, 1)),
        platforms=("discord",),
    )
    options = {"announce_before_minutes": [], "reminder_every_minutes": 0, "last_call_minutes": 0, **timeline}
    return SessionConfig(spec, {}, options)


class HeldClock(ScaledClock):
    """A fast clock that stands still while held: a bot connecting to the fake takes real time,
    which would be minutes of the chat at this speed. Tests hold it until the bot is ready."""

    def __init__(self, start: datetime, speed: float) -> None:
        super().__init__(start, speed)
        self._held_at: datetime | None = start

    def now(self) -> datetime:
        return self._held_at if self._held_at is not None else super().now()

    def hold(self) -> None:
        self._held_at = self.now()

    def release(self) -> None:
        if self._held_at is not None:
            self._start, self._t0, self._held_at = self._held_at, time.monotonic(), None

    async def sleep_until(self, when: datetime) -> None:
        while self._held_at is not None and when > self._held_at:
            await asyncio.sleep(0.002)
        await super().sleep_until(when)

    async def release_when(self, ready: Callable[[], bool], timeout: float = 10.0) -> None:
        """Let time run once ``ready()`` (polled in real time)."""
        await settle(ready, timeout)
        self.release()


async def settle(ready: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait in real time until ``ready()`` (a reconnect, a start)."""
    for _ in range(int(timeout / 0.005)):
        if ready():
            return
        await asyncio.sleep(0.005)
    raise TimeoutError("not ready in time")


def fast_clock(minutes_before: float = 0.5) -> HeldClock:
    """Held at ``minutes_before`` the start; ``release`` (or ``release_when``) lets it run."""
    return HeldClock(at(-minutes_before), SPEED)


async def until(clock: Clock, minutes: float) -> None:
    await clock.sleep_until(at(minutes))
