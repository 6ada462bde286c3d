"""discord.py's objects as our plain data: members as authors (with their hosting role), messages,
edits, deletions and reactions. Nothing discord.py made leaves this module's callers.

A member hosts when they have one of the configured host roles (by name or id) or the Manage
Events permission (or Administrator): ``Author.is_host``. Handles are Discord usernames (with
``#1234`` for the few accounts that still have a discriminator); names are display names.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

import discord

from chatbot.core.events import Deleted, Edited, Reacted
from chatbot.core.model import Attachment, Author, Message, Reaction

PLATFORM = "discord"
CHAT_TYPES = (discord.MessageType.default, discord.MessageType.reply)


def handle(user: discord.abc.User) -> str:
    disc = getattr(user, "discriminator", "0")
    return user.name if disc in ("0", "", None) else f"{user.name}#{disc}"


def hosts(
    member: discord.Member, host_roles: Collection[str], perms: discord.Permissions | None = None
) -> bool:
    """Whether ``member`` hosts: a host role (name or id, any case) or Manage Events."""
    wanted = {r.casefold() for r in host_roles}
    if any(r.name.casefold() in wanted or str(r.id) in wanted for r in member.roles):
        return True
    p = perms if perms is not None else member.guild_permissions
    return p.manage_events or p.administrator


def author(
    user: discord.abc.User, host_roles: Collection[str], perms: discord.Permissions | None = None
) -> Author:
    host = isinstance(user, discord.Member) and not user.bot and hosts(user, host_roles, perms)
    return Author(str(user.id), handle(user), user.display_name, is_bot=user.bot, is_host=host)


def text_of(m: discord.Message) -> str:
    """A message's text: its content, or (a bot's embed) the first embed's description."""
    if m.content or not m.embeds:
        return m.content
    return m.embeds[0].description or m.embeds[0].title or ""


def message(m: discord.Message, host_roles: Collection[str], *, me: Author | None = None) -> Message | None:
    """A chat message as ours (None for system messages: joins, pins, thread notices)."""
    if m.type not in CHAT_TYPES:
        return None
    who = me if me is not None and str(m.author.id) == me.id else author(m.author, host_roles)
    ref = m.reference
    reply_to = str(ref.message_id) if ref is not None and ref.message_id and m.type is CHAT_TYPES[1] else None
    name = getattr(m.channel, "name", None)
    return Message(
        id=str(m.id),
        platform=PLATFORM,
        ts=m.created_at,
        author=who,
        text=text_of(m),
        reply_to=reply_to,
        url=m.jump_url,
        channel=f"#{name}" if name else "",
        mentions=tuple(handle(u) for u in m.mentions),
        attachments=tuple(Attachment(a.filename, a.url, a.size, a.content_type or "") for a in m.attachments),
        reactions=tuple(Reaction(str(r.emoji), r.count) for r in m.reactions if r.count > 0),
        edited_at=m.edited_at,
    )


def edited(payload: discord.RawMessageUpdateEvent, host_roles: Collection[str]) -> Edited | None:
    """An edit of the text (None for updates that change no text: embeds unfurled, pins)."""
    data = payload.data
    if "content" not in data or data.get("edited_timestamp") is None:
        return None
    at = datetime.fromisoformat(str(data["edited_timestamp"]))
    by = author(payload.message.author, host_roles) if payload.message is not None else None
    return Edited(PLATFORM, str(payload.message_id), text_of(payload.message), at, by)


def deleted(payload: discord.RawMessageDeleteEvent, at: datetime) -> Deleted:
    """Discord does not say who deleted a message; an author deleting their own is by far the
    common case (a moderator's deletion shows only in the audit log)."""
    return Deleted(PLATFORM, str(payload.message_id), at, by_author=True)


def reacted(payload: discord.RawReactionActionEvent, who: Author, at: datetime | None = None) -> Reacted:
    return Reacted(
        PLATFORM,
        str(payload.message_id),
        str(payload.emoji),
        who,
        at or datetime.now(UTC),
        added=payload.event_type == "REACTION_ADD",
    )
