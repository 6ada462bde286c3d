"""A Discord world for the adapter's tests: the fake started and discord.py pointed at it, one
guild ("Local Gov") with a #localgovchat channel, a "Chat hosts" role, a moderator with Manage
Events, two participants, and the adapter's settings for it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any

from chatbot.clock import Clock
from chatbot.config import SessionConfig
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
