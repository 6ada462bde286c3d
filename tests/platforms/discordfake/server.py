"""A fake Discord on loopback that the real discord.py talks to: REST under ``/api/v10`` and the
websocket gateway, started by a test with ``async with FakeDiscord(clock).running() as fake``.

Tests act on it the way people act on Discord (``say``, ``edit``, ``delete``, ``react``,
``slash``), disturb it (``gateway.drop()``, ``gateway.invalidate()``, ``fail(...)`` for a 429 or
a 5xx) and read what the bot did (``messages``, ``events``, ``answer_of``, ``requests``). Every
action is synchronous: the gateway's sessions queue what they send, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import yarl
from aiohttp import web

from chatbot.clock import Clock
from tests.platforms.discordfake import rest
from tests.platforms.discordfake.gateway import Gateway, Session
from tests.platforms.discordfake.world import (
    ADMINISTRATOR,
    EPHEMERAL,
    EVERYONE_PERMISSIONS,
    GUILD_MESSAGE_REACTIONS,
    GUILD_MESSAGES,
    GUILD_SCHEDULED_EVENTS,
    GUILDS,
    MANAGE_EVENTS,
    MESSAGE_CONTENT,
    Channel,
    Guild,
    Member,
    Role,
    Snowflakes,
    User,
    iso,
    message_json,
)

OPTION_TYPES = {"str": 3, "int": 4}


@dataclass
class Failure:
    """An injected failure: the next ``times`` requests matching ``method`` and ``path`` get ``status``
    (0: the connection is reset, no answer at all), after ``delay`` real seconds (a slow answer)."""

    method: str
    path: re.Pattern[str]
    status: int
    times: int = 1
    retry_after: float = 0.05
    delay: float = 0.0


@dataclass
class Interaction:
    """A slash command someone gave, and what the bot answered."""

    id: str
    token: str
    channel: Channel
    member: Member
    payload: dict[str, Any]
    responses: list[dict[str, Any]] = field(default_factory=list)  # callback bodies
    followups: list[dict[str, Any]] = field(default_factory=list)  # messages sent after
    answered: asyncio.Event = field(default_factory=asyncio.Event)


class FakeDiscord:
    """One application (its bot user), its guilds, and the servers speaking for them."""

    def __init__(
        self, clock: Clock, *, token: str = "fake-bot-token", privileged: int = MESSAGE_CONTENT
    ) -> None:
        self.clock = clock
        self.ids = Snowflakes(clock)
        self.token = token
        self.privileged = privileged  # privileged intents switched on in the developer portal
        self.app_id = self.ids.next()
        self.bot = User(self.app_id, "chatbot", "Chat Bot", bot=True)
        self.owner = User(self.ids.next(), "owner")
        self.guilds: dict[str, Guild] = {}
        self.channels: dict[str, Channel] = {}
        self.global_commands: list[dict[str, Any]] = []
        self.interactions: dict[str, Interaction] = {}
        self.failures: list[Failure] = []
        self.requests: list[tuple[str, str, int]] = []  # method, path, status
        self.bodies: list[tuple[str, str, Any]] = []  # method, path, JSON body sent
        self.responses: list[tuple[str, str, int, Any]] = []  # method, route, status, JSON answered
        self.content_types: set[str] = set()  # of every JSON answer
        self.gateway = Gateway(self)
        self.base_url = ""
        self.gateway_url = ""

    # -- lifetime --------------------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[FakeDiscord]:
        app = web.Application(middlewares=[rest.middleware(self)])
        rest.add_routes(app, self)
        app.router.add_get("/gateway", self.gateway.handle)
        runner = web.AppRunner(app, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}/api/v10"
        self.gateway_url = f"ws://127.0.0.1:{port}/gateway"
        try:
            yield self
        finally:
            for conn in list(self.gateway.connections):
                conn.task.cancel()
                with contextlib.suppress(Exception):
                    await conn.ws.close()
            await runner.cleanup()

    def point(self, monkeypatch: Any) -> None:
        """Send discord.py here instead of discord.com (restored by ``monkeypatch`` after the test)."""
        import discord.gateway
        import discord.http

        monkeypatch.setattr(discord.http.Route, "BASE", self.base_url)
        monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(self.gateway_url))

    # -- the world ---------------------------------------------------------------------------------
    def guild(self, name: str, *, bot_permissions: int = MANAGE_EVENTS) -> Guild:
        g = Guild(self.ids.next(), name)
        g.roles[g.id] = Role(g.id, "@everyone", EVERYONE_PERMISSIONS, position=0)
        bot_role = Role(self.ids.next(), "chatbot", bot_permissions)
        g.roles[bot_role.id] = bot_role
        g.members[self.bot.id] = Member(self.bot, g.id, [bot_role.id])
        self.guilds[g.id] = g
        return g

    def text_channel(self, guild: Guild, name: str) -> Channel:
        c = Channel(self.ids.next(), 0, name, guild.id, position=len(guild.channels))
        guild.channels[c.id] = c
        self.channels[c.id] = c
        return c

    def role(self, guild: Guild, name: str, permissions: int = 0) -> Role:
        r = Role(self.ids.next(), name, permissions, position=len(guild.roles))
        guild.roles[r.id] = r
        return r

    def member(
        self, guild: Guild, username: str, *, roles: tuple[Role, ...] = (), nick: str | None = None
    ) -> Member:
        user = User(self.ids.next(), username, username.title())
        m = Member(user, guild.id, [r.id for r in roles], nick)
        guild.members[user.id] = m
        return m

    def permissions(self, member: Member) -> int:
        g = self.guilds[member.guild_id]
        perms = g.roles[g.id].permissions
        for rid in member.roles:
            perms |= g.roles[rid].permissions
        return (1 << 53) - 1 if perms & ADMINISTRATOR else perms

    def threads_of(self, guild: Guild) -> list[Channel]:
        return [c for c in guild.channels.values() if c.is_thread and not c.archived]

    def find_message(self, message_id: str) -> tuple[Channel, dict[str, Any]] | None:
        for c in self.channels.values():
            for m in c.messages:
                if m["id"] == message_id:
                    return c, m
        return None

    def messages(self, channel: Channel | str) -> list[dict[str, Any]]:
        """What the channel holds, oldest first."""
        c = self.channels[channel] if isinstance(channel, str) else channel
        return list(c.messages)

    def events(self, guild: Guild) -> list[dict[str, Any]]:
        return list(guild.events.values())

    # -- what people do ------------------------------------------------------------------------------
    def say(self, who: Member | User, channel: Channel, text: str, *, reply_to: str | None = None) -> str:
        """Someone posts ``text`` in ``channel`` (a reply to ``reply_to``); the message id."""
        user = who.user if isinstance(who, Member) else who
        ref = {"message_id": reply_to} if reply_to else None
        m = message_json(
            id=self.ids.next(), channel=channel, author=user, content=text, at=self.clock.now(), reference=ref
        )
        self.add_message(channel, m)
        return str(m["id"])

    def add_message(self, channel: Channel, m: dict[str, Any]) -> None:
        channel.messages.append(m)
        self.gateway.broadcast("MESSAGE_CREATE", lambda s: self.gateway_message(s, channel, m))

    def edit(self, message_id: str, text: str) -> None:
        channel, m = self._get(message_id)
        m["content"], m["edited_timestamp"] = text, iso(self.clock.now())
        self.gateway.broadcast("MESSAGE_UPDATE", lambda s: self.gateway_message(s, channel, m))

    def share(
        self,
        who: Member,
        channel: Channel,
        text: str,
        *,
        files: tuple[tuple[str, int, str], ...] = (),
        embeds: tuple[dict[str, Any], ...] = (),
        stickers: tuple[tuple[str, int], ...] = (),
        reply_to: str | None = None,
    ) -> str:
        """Someone posts ``text`` with ``files`` (name, size in bytes, content type), rich
        ``embeds`` (url, title, description...) and ``stickers`` (name, format type: 1 PNG, 2 APNG,
        3 Lottie, 4 GIF); the message id."""
        ref = {"message_id": reply_to} if reply_to else None
        mid = self.ids.next()
        m = message_json(
            id=mid, channel=channel, author=who.user, content=text, at=self.clock.now(), reference=ref
        )
        m["embeds"] = [{"type": "rich", **e} for e in embeds]
        cdn = f"https://cdn.discordapp.com/attachments/{channel.id}"
        for name, size, content_type in files:
            fid = self.ids.next()
            url = f"{cdn}/{fid}/{name}"
            a = {"id": fid, "filename": name, "size": size, "url": url, "proxy_url": url}
            m["attachments"].append(a | {"content_type": content_type})
        m["sticker_items"] = [{"id": self.ids.next(), "name": n, "format_type": f} for n, f in stickers]
        self.add_message(channel, m)
        return mid

    def unfurl(self, message_id: str, *previews: dict[str, Any]) -> None:
        """Discord shows previews of the message's links: a MESSAGE_UPDATE that adds them to its
        embeds (type ``link``, unless said) and edits nothing (no ``edited_timestamp``)."""
        channel, m = self._get(message_id)
        m["embeds"] = [*m["embeds"], *({"type": "link", **p} for p in previews)]
        self.gateway.broadcast("MESSAGE_UPDATE", lambda s: self.gateway_message(s, channel, m))

    def delete(self, message_id: str) -> None:
        channel, m = self._get(message_id)
        channel.messages.remove(m)
        d = {"id": message_id, "channel_id": channel.id, "guild_id": channel.guild_id}
        self.gateway.broadcast("MESSAGE_DELETE", lambda s: d if s.intents & GUILD_MESSAGES else None)

    def react(self, message_id: str, emoji: str, who: Member, *, added: bool = True) -> None:
        channel, m = self._get(message_id)
        found = next((r for r in m["reactions"] if r["emoji"]["name"] == emoji), None)
        mine = found is not None and who.user.id in found.setdefault("_by", [])
        if added == mine:
            return
        if found is None:
            found = {"emoji": {"id": None, "name": emoji}, "count": 0, "_by": []}
            m["reactions"].append(found)
        found["count"] += 1 if added else -1
        (found["_by"].append if added else found["_by"].remove)(who.user.id)
        if not found["count"]:
            m["reactions"].remove(found)
        d: dict[str, Any] = {
            "user_id": who.user.id,
            "channel_id": channel.id,
            "message_id": message_id,
            "guild_id": channel.guild_id,
            "emoji": {"id": None, "name": emoji},
            "type": 0,
            "burst": False,
        }
        if added:
            d |= {"member": who.json(), "message_author_id": m["author"]["id"], "burst_colors": []}
        name = "MESSAGE_REACTION_ADD" if added else "MESSAGE_REACTION_REMOVE"
        self.gateway.broadcast(name, lambda s: d if s.intents & GUILD_MESSAGE_REACTIONS else None)

    def slash(
        self, who: Member, channel: Channel, name: str, *path: str, **options: str | int
    ) -> Interaction:
        """``who`` gives the slash command ``/name path... option:value`` in ``channel`` (it must
        have been registered for the guild); the interaction, to await ``answer_of``."""
        guild = self.guilds[who.guild_id]
        command = next((c for c in guild.commands if c["name"] == name), None)
        if command is None:
            raise LookupError(f"/{name} is not registered in {guild.name}")
        spec, wrapped = command, []
        for sub in path:
            spec = next(o for o in spec.get("options", []) if o["name"] == sub)
            wrapped.append(spec)
        known = {o["name"]: o["type"] for o in spec.get("options", [])}
        opts: list[dict[str, Any]] = [{"name": k, "type": known[k], "value": v} for k, v in options.items()]
        for sub in reversed(wrapped):
            opts = [{"name": sub["name"], "type": sub["type"], "options": opts}]
        data = {"id": command["id"], "name": name, "type": 1, "guild_id": guild.id, "options": opts}
        interaction = Interaction(self.ids.next(), "tok-" + secrets.token_hex(12), channel, who, data)
        self.interactions[interaction.id] = interaction
        payload = {
            "id": interaction.id,
            "application_id": self.app_id,
            "type": 2,
            "data": data,
            "guild_id": guild.id,
            "channel_id": channel.id,
            "channel": channel.json(),
            "member": {**who.json(), "permissions": str(self.permissions(who))},
            "token": interaction.token,
            "version": 1,
            "app_permissions": str(self.permissions(guild.members[self.bot.id])),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": guild.id},
            "context": 0,
            "attachment_size_limit": 10_485_760,
        }
        self.gateway.broadcast("INTERACTION_CREATE", lambda s: payload)
        return interaction

    async def answer_of(self, interaction: Interaction, timeout: float = 5.0) -> dict[str, Any]:
        """The bot's answer to a slash command (its first message to the person)."""
        await asyncio.wait_for(interaction.answered.wait(), timeout)
        if interaction.followups:
            return interaction.followups[0]
        return next(r["data"] for r in interaction.responses if r["type"] == 4)

    # -- disturbances ------------------------------------------------------------------------------------
    def fail(
        self,
        method: str,
        path: str,
        status: int,
        *,
        times: int = 1,
        delay: float = 0.0,
        retry_after: float = 0.05,
    ) -> Failure:
        """The next ``times`` requests ``method path`` (a regular expression over the path after
        ``/api/v10``) are answered with ``status`` (429: rate limited, with Via and ``retry_after``;
        0: the connection reset without an answer), ``delay`` real seconds late."""
        f = Failure(method.upper(), re.compile(path), status, times, retry_after, delay)
        self.failures.append(f)
        return f

    def slow(self, method: str, path: str, seconds: float, *, times: int = 1) -> Failure:
        """The next ``times`` requests ``method path`` are answered as usual, ``seconds`` late."""
        return self.fail(method, path, -1, times=times, delay=seconds)

    # -- payloads ---------------------------------------------------------------------------------
    def gateway_message(self, s: Session, channel: Channel, m: dict[str, Any]) -> dict[str, Any] | None:
        """A message as a gateway session gets it: with guild and member; its content only with
        the message content intent (or when the bot wrote it)."""
        if channel.guild_id is not None and not s.intents & GUILD_MESSAGES:
            return None
        out = self.visible(m, content=bool(s.intents & MESSAGE_CONTENT))
        if channel.guild_id is not None:
            out["guild_id"] = channel.guild_id
            member = self.guilds[channel.guild_id].members.get(m["author"]["id"])
            if member is not None:
                out["member"] = member.json(with_user=False)
        return out

    def visible(self, m: dict[str, Any], *, content: bool) -> dict[str, Any]:
        out = {k: v for k, v in m.items() if k != "reactions"}
        out["reactions"] = [
            {
                **{k: v for k, v in r.items() if k != "_by"},
                "me": self.bot.id in r["_by"],
                "count_details": {"burst": 0, "normal": r["count"]},
                "burst_colors": [],
                "me_burst": False,
            }
            for r in m["reactions"]
        ]
        if not content and m["author"]["id"] != self.bot.id:
            out |= {"content": "", "embeds": [], "attachments": [], "components": []}
        return out

    def event_dispatch(self, name: str, event: dict[str, Any]) -> None:
        self.gateway.broadcast(name, lambda s: event if s.intents & GUILD_SCHEDULED_EVENTS else None)

    def thread_dispatch(self, thread: Channel) -> None:
        d = {**thread.json(), "newly_created": True}
        self.gateway.broadcast("THREAD_CREATE", lambda s: d if s.intents & GUILDS else None)

    def _get(self, message_id: str) -> tuple[Channel, dict[str, Any]]:
        found = self.find_message(message_id)
        if found is None:
            raise LookupError(f"no message {message_id}")
        return found

    def ephemeral(self, body: dict[str, Any]) -> bool:
        return bool(int(body.get("flags") or 0) & EPHEMERAL)
