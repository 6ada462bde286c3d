"""One session on Discord, as a ``Platform``: its text channel, or the thread the bot opens there
at the start ("#localgovchat 2026-11-24"), with the session's scheduled event beside it.

The adapters of one config share one bot connection per token (``settings.Hub``,
``bot.SharedBot``); each hears what happens in its own channel and thread. ``events()`` yields
messages (the bot's own included), edits, deletions, reactions (the vote emoji is a vote) and
slash commands (``CommandGiven``, answered to the member alone through ``post(text, to=member,
reply_to=reply_token)``: the deferred interaction's ephemeral follow-up). ``history`` reads the
channel and the thread after a cursor: Discord ids are instants, so any snowflake is a cursor,
a deleted message's too. When the gateway had to start a new session (events were lost),
``events()`` raises ``GatewayGap`` and the runner catches up from the history. After a restart
``recount`` reads the reactions of the messages named again (the pending questions: votes given
while the bot was down) and ``events()`` yields their counts as ``Tallied``.

discord.py is imported where the adapter connects: the registry loads this module without it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Collection
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from chatbot.clock import Clock, SystemClock
from chatbot.core import conventions
from chatbot.core.events import CommandGiven, Event, Tallied
from chatbot.core.model import Author, Message
from chatbot.core.textfit import Limits, utf16_length
from chatbot.platforms.base import Adapter, Description, PlatformError, UnknownCursor
from chatbot.platforms.discord_.settings import KEYS, DiscordSettings, Place, load_settings

if TYPE_CHECKING:
    import discord

    from chatbot.config import Config, SessionConfig
    from chatbot.platforms.discord_.bot import HostBot, SharedBot
    from chatbot.platforms.discord_.events import EventMirror

log = logging.getLogger("chatbot.platforms.discord")

DESCRIPTION = Description("discord", "Discord", Limits(2000, utf16_length))
_GAP = object()
KNOWN = 5000  # where recent message ids were said (replies go to the same channel or thread)
RECOUNT = 500  # messages read back per channel at most for their reactions after a restart


class GatewayGap(PlatformError):
    """The gateway started a new session: what was said meanwhile is only in the history."""


class DiscordPlatform:
    """One session's channel (and thread) on Discord."""

    name = DESCRIPTION.name
    post_limits = DESCRIPTION.post_limits
    max_length = DESCRIPTION.post_limits.max_length
    supports_threads = True  # a long post continues as replies to itself
    supports_reactions = True
    supports_edits = True
    supports_deletions = True
    supports_ephemeral = True  # answers to slash commands (else a direct message)
    supports_commands = True
    echoes_own_posts = True

    def __init__(
        self,
        settings: DiscordSettings,
        session: SessionConfig,
        place: Place,
        token: str,
        *,
        clock: Clock | None,
    ) -> None:
        self.settings = settings
        self.spec = session.spec
        self.place = place
        self.token = token
        self.clock: Clock = clock or SystemClock()
        self.vote_emoji = settings.vote_emoji
        self.history_budget = settings.history_budget
        local = self.spec.start.astimezone(ZoneInfo(self.spec.timezone))
        self.thread_name = f"{self.spec.hashtag} {local:%Y-%m-%d}"
        self.thread_id: int | None = None
        self.mirror: EventMirror | None = None
        self.shared: SharedBot | None = None
        self.me: Author | None = None
        self._client: HostBot | None = None
        self._queue: asyncio.Queue[object] = asyncio.Queue()
        self._pending: dict[str, discord.Interaction] = {}
        self._where: OrderedDict[str, int] = OrderedDict()  # message id -> channel id
        self._live = False
        self._started = self._stopped = self._ready = False

    @property
    def channel_ids(self) -> set[int]:
        return {self.place.channel} | ({self.thread_id} if self.thread_id else set())

    @property
    def connected(self) -> bool:
        """Started (connected, its place found) and not stopped."""
        return self._ready and not self._stopped

    @property
    def content_intent(self) -> bool:
        """Whether plain messages arrive with their text (the Message Content intent)."""
        return self.shared is not None and self.shared.content_intent

    # -- Platform --------------------------------------------------------------------------------
    async def start(self) -> None:
        if self._stopped:
            raise PlatformError("discord: cannot start again after stop")
        if self._started:
            return
        self.shared = self.settings.hub.bot(self.settings, self.token)
        client = self._client = await self.shared.attach(self)
        self._started = True
        try:
            await self._find_place(client)
        except Exception:
            await self.stop()
            raise
        self._ready = True

    async def _find_place(self, client: HostBot) -> None:
        import discord

        from chatbot.platforms.discord_ import convert
        from chatbot.platforms.discord_.events import EventMirror

        assert client.user is not None
        self.me = Author(
            str(client.user.id), convert.handle(client.user), client.user.display_name, is_bot=True
        )
        guild = client.get_guild(self.place.guild)
        channel = client.get_channel(self.place.channel)
        if guild is None or not isinstance(channel, discord.TextChannel) or channel.guild != guild:
            raise PlatformError(
                f"discord: no text channel {self.place.channel} in guild {self.place.guild} for "
                f"{self.spec.hashtag} (check platforms.discord: guild and channel)"
            )
        if self.place.thread:
            threads = [t for t in channel.threads if t.name == self.thread_name]
            if not threads:
                threads = [
                    t
                    for t in await guild.active_threads()
                    if t.parent_id == channel.id and t.name == self.thread_name
                ]
            if threads:
                self.thread_id = threads[0].id
        if self.settings.scheduled_events:
            self.mirror = EventMirror(guild, self.spec, channel.jump_url, self.clock)
            await self.mirror.start()

    async def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self.mirror is not None:
            await self.mirror.close()
        self._queue.put_nowait(None)
        for interaction in self._pending.values():  # nobody will answer these now
            await _quietly(interaction.followup.send("The chat has stopped.", ephemeral=True))
        self._pending.clear()
        if self.shared is not None and self._started:
            await self.shared.detach(self)

    async def events(self) -> AsyncIterator[Event]:
        if not self._started:
            raise PlatformError("discord: not started")
        while True:
            item = await self._queue.get()
            if item is None:
                self._queue.put_nowait(None)  # a later iterator ends too
                return
            if item is _GAP:
                raise GatewayGap("discord: the gateway started a new session; reading the history")
            yield item  # type: ignore[misc]

    async def post(self, text: str, *, reply_to: str | None = None, to: Author | None = None) -> str:
        import discord

        client = self._connected()
        if not text.strip():
            raise PlatformError("discord: refusing an empty post")
        if to is not None:
            return await self._whisper(client, text, to, reply_to)
        if not self.post_limits.fits(text):
            raise PlatformError(f"discord: a message is at most {self.max_length} characters")
        channel = await self._channel(client, self._where.get(reply_to or "", self._here()))
        embeds = self._embeds(text, reply_to)
        content = "" if self.settings.embeds and self._is_prompt(text) else text
        ref = None
        if reply_to is not None and reply_to.isdigit():
            ref = discord.MessageReference(
                message_id=int(reply_to), channel_id=channel.id, fail_if_not_exists=False
            )
        try:
            sent = await channel.send(
                content or None, embeds=embeds, reference=ref, allowed_mentions=discord.AllowedMentions.none()
            )
        except discord.HTTPException as e:
            raise PlatformError(f"discord: posting failed ({e.status}): {e.text}") from e
        self._note(str(sent.id), channel.id)
        if (
            self.place.thread
            and self.thread_id is None
            and (self._live or self.clock.now() >= self.spec.start)
        ):
            await self._open_thread(sent)
        return str(sent.id)

    async def history(self, *, after: str | None = None, limit: int = 100) -> list[Message]:
        import discord

        from chatbot.platforms.discord_ import convert

        if limit <= 0:
            return []
        if after is not None and not after.isdigit():
            raise UnknownCursor(self.name, after)
        client = self._connected()
        since = discord.Object(int(after)) if after is not None else None
        found: list[Message] = []
        for cid in sorted(self.channel_ids):
            channel = await self._channel(client, cid)
            kept = 0
            try:
                # page on until ``limit`` are kept: a page short of it means the history ended
                # (read_history stops there), so messages left out (the bot's own) must not count
                async for m in channel.history(limit=None, after=since, oldest_first=True):
                    converted = convert.message(m, self.settings.host_roles, me=self.me)
                    if converted is not None and self._ours(cid, m.id):
                        self._note(converted.id, cid)
                        found.append(converted)
                        kept += 1
                        if kept >= limit:
                            break
            except discord.HTTPException as e:
                raise PlatformError(f"discord: reading the history failed ({e.status}): {e.text}") from e
        found.sort(key=lambda m: int(m.id))
        return found[:limit]

    async def recount(self, message_ids: Collection[str]) -> None:
        """The reactions of ``message_ids`` as Discord shows them now, read from the channel's and
        the thread's latest messages (back to the oldest named, ``RECOUNT`` at most each): a
        ``Tallied`` per emoji into ``events()``, after what was heard before the read, and the
        vote emoji's count 0 where nobody holds it. Messages not found keep their stored counts."""
        import discord

        wanted = {int(i) for i in message_ids if i.isdigit()}
        if not wanted:
            return
        client = self._connected()
        oldest, found = min(wanted), 0
        for cid in sorted(self.channel_ids):
            channel = await self._channel(client, cid)
            try:
                async for m in channel.history(limit=min(RECOUNT, self.history_budget)):  # newest first
                    if m.id in wanted:
                        found += 1
                        self._tally(m)
                    if m.id <= oldest:
                        break
            except discord.HTTPException as e:
                raise PlatformError(f"discord: reading the reactions failed ({e.status}): {e.text}") from e
        log.info("event=discord_recount session=%s asked=%d found=%d", self.spec.id, len(wanted), found)

    def _tally(self, m: discord.Message) -> None:
        now = self.clock.now()
        counts = {str(r.emoji): r.count for r in m.reactions if r.count > 0}
        if self.vote_emoji:
            counts.setdefault(self.vote_emoji, 0)
        for emoji, count in counts.items():
            self._queue.put_nowait(Tallied(self.name, str(m.id), emoji, count, now))

    async def identity(self) -> Author:
        if self.me is None:
            raise PlatformError("discord: not started")
        return self.me

    # -- the session, as the runner tells it ---------------------------------------------------
    def follow_session(self, status: str, starts_at: datetime, ends_at: datetime) -> None:
        """The session's status and times changed: the scheduled event follows; once live, the
        next post opens the thread (in thread mode)."""
        self._live = status in ("live", "paused", "ended")
        if self.mirror is not None:
            self.mirror.follow(status, starts_at, ends_at)

    # -- what the shared bot hears for this channel ---------------------------------------------
    def heard_message(self, m: discord.Message) -> None:
        from chatbot.platforms.discord_ import convert

        converted = convert.message(m, self.settings.host_roles, me=self.me)
        if converted is not None and self._ours(m.channel.id, m.id):
            self._note(converted.id, m.channel.id)
            self._queue.put_nowait(converted)

    def heard_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        from chatbot.platforms.discord_ import convert

        edited = convert.edited(payload, self.settings.host_roles)
        if edited is not None:
            self._queue.put_nowait(edited)

    def heard_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        from chatbot.platforms.discord_ import convert

        self._queue.put_nowait(convert.deleted(payload, self.clock.now()))

    def heard_reaction(self, payload: discord.RawReactionActionEvent) -> None:
        from chatbot.platforms.discord_ import convert

        member = payload.member
        if member is None and self._client is not None and payload.guild_id is not None:
            guild = self._client.get_guild(payload.guild_id)
            member = guild.get_member(payload.user_id) if guild is not None else None
        who = (
            convert.author(member, self.settings.host_roles)
            if member is not None
            else Author(str(payload.user_id), str(payload.user_id))
        )
        self._queue.put_nowait(convert.reacted(payload, who, self.clock.now()))

    def gap(self) -> None:
        self._queue.put_nowait(_GAP)

    async def command(self, interaction: discord.Interaction, name: str, args: tuple[str, ...]) -> None:
        """A slash command: acknowledged at once (only the member sees it), answered when the
        runner has carried it out."""
        from chatbot.platforms.discord_ import convert

        await interaction.response.defer(ephemeral=True, thinking=True)
        token = str(interaction.id)
        self._pending[token] = interaction
        actor = convert.author(interaction.user, self.settings.host_roles, interaction.permissions)
        self._queue.put_nowait(CommandGiven(self.name, name, args, actor, interaction.created_at, token))

    # -- inside -----------------------------------------------------------------------------------
    def _connected(self) -> HostBot:
        if self._client is None or self._stopped or self._client.is_closed():
            raise PlatformError("discord: not connected")
        return self._client

    def _ours(self, channel_id: int, message_id: int) -> bool:
        """Whether a message in one of our channels is the session's: once the thread is open,
        the channel's later messages are its everyday talk, not the chat."""
        return self.thread_id is None or channel_id != self.place.channel or message_id <= self.thread_id

    def _here(self) -> int:
        return self.thread_id or self.place.channel

    def _note(self, message_id: str, channel_id: int) -> None:
        self._where[message_id] = channel_id
        while len(self._where) > KNOWN:
            self._where.popitem(last=False)

    async def _channel(self, client: HostBot, channel_id: int) -> Any:
        found = client.get_channel(channel_id)
        if found is None:
            found = await client.fetch_channel(channel_id)
        return found

    async def _open_thread(self, starter: discord.Message) -> None:
        import discord

        try:
            thread = await starter.create_thread(name=self.thread_name[:100], auto_archive_duration=1440)
        except discord.HTTPException as e:
            log.warning(
                "event=discord_thread_failed session=%s error=%r action=stay_in_channel", self.spec.id, e
            )
            return
        self.thread_id = thread.id
        log.info(
            "event=discord_thread_opened session=%s thread=%s name=%r", self.spec.id, thread.id, thread.name
        )

    def _is_prompt(self, text: str) -> bool:
        parsed = conventions.parse(text, style=self.spec.style)
        return parsed.prompt is not None or parsed.topic is not None

    def _embeds(self, text: str, reply_to: str | None) -> list[discord.Embed]:
        import discord

        embeds = []
        if self.settings.embeds and self._is_prompt(text):
            embeds.append(discord.Embed(description=text))
        mirror = self.mirror
        if (
            reply_to is None
            and mirror is not None
            and mirror.url
            and mirror.status == "scheduled"
            and not self._live
        ):
            about = "Mark yourself Interested to get Discord's reminder when the chat starts."
            embeds.append(discord.Embed(title=self.spec.title[:256], url=mirror.url, description=about))
        return embeds

    async def _whisper(self, client: HostBot, text: str, to: Author, reply_to: str | None) -> str:
        """Only ``to`` sees it: the answer to their slash command, or a direct message."""
        import discord

        if not self.post_limits.fits(text):
            text = text[: self.max_length - 1] + "\u2026"
        interaction = self._pending.pop(reply_to, None) if reply_to else None
        try:
            if interaction is not None:
                sent = await interaction.followup.send(text, ephemeral=True, wait=True)
                return str(sent.id)
            dm = await client.create_dm(discord.Object(int(to.id)))
            return str((await dm.send(text)).id)
        except (discord.HTTPException, ValueError) as e:
            raise PlatformError(f"discord: cannot answer {to.handle} alone: {e}") from e


async def _quietly(coro: Any) -> None:
    try:
        await coro
    except Exception as e:
        log.debug("event=discord_ignored error=%r", e)


def make_platform(
    settings: DiscordSettings, config: Config, session: SessionConfig, *, clock: Clock | None
) -> DiscordPlatform:
    """A session's adapter; PlatformError when the config does not say where or with which token."""
    if not settings.token:
        raise PlatformError(
            "discord: no bot token: set DISCORD_TOKEN (the developer portal's Bot -> Reset Token), "
            "or name another variable with platforms.discord.token_env"
        )
    place = settings.place_for(session.spec.hashtag)
    if place is None:
        raise PlatformError(
            f"discord: no channel for {session.spec.hashtag}: give platforms.discord.guild and channel, "
            "or a [[platforms.discord.chat]] with its hashtag"
        )
    return DiscordPlatform(settings, session, place, settings.token, clock=clock)


ADAPTER = Adapter(DESCRIPTION, KEYS, load_settings, make_platform)
"""Discord, as the registry knows it."""
