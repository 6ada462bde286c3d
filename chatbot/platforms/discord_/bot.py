"""One bot connection shared by every session's adapter that uses its token.

``SharedBot`` owns the ``commands.Bot`` (discord.py's client with its app command tree): it logs
in, registers the slash commands with ``tree.sync()`` in every configured guild, connects to the
gateway, and hands each event to the adapters whose channel or thread it happened in. The first
adapter to attach connects it, the last to detach closes it. It asks for the Message Content
intent; when the developer portal has not switched it on (the gateway closes with 4014) it says
so once and connects without it: slash commands still work, plain messages arrive without text.
A new gateway session (not a resume: what was said meanwhile is lost to the gateway) tells each
adapter, whose events then raise so the runner catches up from the history.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from chatbot.platforms.base import PlatformError
from chatbot.platforms.discord_ import slash
from chatbot.platforms.discord_.settings import DiscordSettings

if TYPE_CHECKING:
    from chatbot.platforms.discord_.adapter import DiscordPlatform

log = logging.getLogger("chatbot.platforms.discord")

INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    embed_links=True,
    read_message_history=True,
    add_reactions=True,
    manage_events=True,
    create_events=True,
    use_application_commands=True,
)
PORTAL = "https://discord.com/developers/applications"
NO_CONTENT = (
    "the Message Content intent is off for this bot (developer portal: your application -> Bot -> "
    "Privileged Gateway Intents -> Message Content Intent): plain messages arrive without their text, "
    "so A1: answers and the question tag in messages are not heard; slash commands (/ask, /chat, "
    "/question) work"
)


class LoginRefused(PlatformError):
    """Discord refused the bot token."""


def invite_url(application_id: int) -> str:
    """The address that adds the bot to a server with what hosting needs."""
    return (
        f"https://discord.com/oauth2/authorize?client_id={application_id}"
        f"&scope=bot+applications.commands&permissions={INVITE_PERMISSIONS.value}"
    )


class HostBot(commands.Bot):
    """discord.py's bot, forwarding what it hears to its ``SharedBot``."""

    reidentify_seconds = 5.0  # Discord allows one IDENTIFY per 5 s: wait before identifying again

    def __init__(self, shared: SharedBot, intents: discord.Intents) -> None:
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False  # a text bot: no voice
        super().__init__(command_prefix=commands.when_mentioned, intents=intents, help_command=None)
        self.shared = shared

    async def setup_hook(self) -> None:
        await self.shared.register_commands(self)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        if not initial:
            await asyncio.sleep(self.reidentify_seconds)

    async def on_connect(self) -> None:
        self.shared.connected(self)

    async def on_guild_available(self, guild: discord.Guild) -> None:
        self.shared.guild_seen(self)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        self.shared.guild_seen(self)

    async def on_message(self, message: discord.Message) -> None:
        for a in self.shared.route(message.channel.id):
            a.heard_message(message)

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        for a in self.shared.route(payload.channel_id):
            a.heard_edit(payload)

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        for a in self.shared.route(payload.channel_id):
            a.heard_delete(payload)

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        for a in self.shared.route(payload.channel_id):
            a.heard_reaction(payload)

    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        for a in self.shared.route(payload.channel_id):
            a.heard_reaction(payload)


class SharedBot:
    """The connection for one token, and the adapters it serves."""

    def __init__(self, settings: DiscordSettings, token: str) -> None:
        self.settings = settings
        self.token = token
        self.adapters: list[DiscordPlatform] = []
        self.client: HostBot | None = None
        self.content_intent = settings.message_content  # whether plain messages carry their text
        self.sessions = 0  # gateway sessions (READY) of the current client
        self._task: asyncio.Task[None] | None = None
        self._refused: LoginRefused | None = None  # a refused token is not tried again
        self._lock = asyncio.Lock()
        self._guilds = asyncio.Event()

    # -- adapters ----------------------------------------------------------------------------------
    async def attach(self, adapter: DiscordPlatform) -> HostBot:
        """Serve ``adapter`` (connecting first if nobody else did); the client."""
        async with self._lock:
            if self._refused is not None:
                raise self._refused
            if self.client is None:
                await self._connect()
            assert self.client is not None
            self.adapters.append(adapter)
            return self.client

    async def detach(self, adapter: DiscordPlatform) -> None:
        """Stop serving ``adapter``; the last one closes the connection."""
        async with self._lock:
            if adapter in self.adapters:
                self.adapters.remove(adapter)
            if not self.adapters:
                await self._close()

    def route(self, channel_id: int) -> list[DiscordPlatform]:
        """The adapters a channel or thread belongs to."""
        return [a for a in self.adapters if channel_id in a.channel_ids]

    # -- connecting ----------------------------------------------------------------------------------
    async def _connect(self) -> None:
        try:
            await self._start(content=self.settings.message_content)
        except discord.PrivilegedIntentsRequired:
            await self._close()
            log.warning("event=discord_intent_missing intent=message_content detail=%r", NO_CONTENT)
            await self._start(content=False)

    async def _start(self, *, content: bool) -> None:
        intents = discord.Intents.none()
        intents.guilds = intents.guild_messages = intents.guild_reactions = True
        intents.guild_scheduled_events = True
        intents.message_content = content
        self.content_intent = content
        self.sessions = 0
        self._guilds = asyncio.Event()
        client = self.client = HostBot(self, intents)
        try:
            await client.login(self.token)
        except discord.LoginFailure:
            await self._close()
            raise self._refuse() from None
        except (discord.HTTPException, OSError) as e:
            await self._close()
            raise PlatformError(f"discord: cannot log in: {e}") from e
        task = self._task = asyncio.create_task(client.connect(reconnect=True), name="discord-gateway")
        waiter = asyncio.ensure_future(self._guilds.wait())
        done, _ = await asyncio.wait(
            {waiter, task}, timeout=self.settings.connect_timeout, return_when="FIRST_COMPLETED"
        )
        waiter.cancel()
        if task in done:
            error = task.exception()
            self._task = None
            if isinstance(error, discord.PrivilegedIntentsRequired):
                raise error
            await self._close()
            raise PlatformError(f"discord: the gateway closed at start: {error!r}")
        if waiter not in done:
            missing = ", ".join(str(g) for g in self.settings.guilds if client.get_guild(g) is None)
            app = client.application_id or 0
            await self._close()
            raise PlatformError(
                f"discord: the bot is not in guild {missing or '(none)'} (or Discord did not answer in "
                f"{self.settings.connect_timeout:g} s): invite it with {invite_url(app)}"
            )
        if not content:
            log.warning("event=discord_slash_commands_only detail=%r", NO_CONTENT)

    def _refuse(self) -> LoginRefused:
        self._refused = LoginRefused(
            "discord: the bot token was refused (401 Unauthorized): put the token from the developer "
            f"portal ({PORTAL} -> your application -> Bot -> Reset Token) in DISCORD_TOKEN"
        )
        return self._refused

    async def _close(self) -> None:
        client, task = self.client, self._task
        self.client, self._task = None, None
        if client is not None:
            await client.close()
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)

    # -- called by the client ----------------------------------------------------------------------
    async def register_commands(self, client: HostBot) -> None:
        """The slash commands, registered in each configured guild (``tree.sync``: at once, where
        global commands take up to an hour to show)."""
        slash.install(client.tree, self.slash)
        for guild_id in self.settings.guilds:
            guild = discord.Object(guild_id)
            client.tree.copy_global_to(guild=guild)
            try:
                synced = await client.tree.sync(guild=guild)
            except discord.HTTPException as e:
                log.warning(
                    "event=discord_commands_not_registered guild=%s error=%r hint=%r",
                    guild_id,
                    e,
                    "invite the bot with the applications.commands scope",
                )
                continue
            log.info("event=discord_commands_registered guild=%s commands=%d", guild_id, len(synced))

    def connected(self, client: HostBot) -> None:
        """A READY: the first of this client, or a new session after one was lost."""
        if client is not self.client:
            return
        self.sessions += 1
        if self.sessions > 1:
            log.warning("event=discord_session_lost sessions=%d action=catch_up_from_history", self.sessions)
            for a in self.adapters:
                a.gap()
        self.guild_seen(client)

    def guild_seen(self, client: HostBot) -> None:
        """Ready once every guild arrived whole: READY lists them as unavailable (no channels yet)
        before each one's GUILD_CREATE, so a guild known but unavailable is not there yet."""
        if client is self.client and all(
            (g := client.get_guild(gid)) is not None and not g.unavailable for gid in self.settings.guilds
        ):
            self._guilds.set()

    async def slash(self, interaction: discord.Interaction, name: str, args: tuple[str, ...]) -> None:
        """A slash command: to the session whose channel or thread it was given in."""
        found = self.route(interaction.channel_id or 0)
        if not found:
            await interaction.response.send_message("No chat is hosted in this channel.", ephemeral=True)
            return
        await found[0].command(interaction, name, args)
