"""discord.py's objects as our plain data: members as authors (with their hosting role), messages,
edits, deletions and reactions. Nothing discord.py made leaves this module's callers.

A message keeps what an export of the channel (DiscordChatExporter, ``chatbot.importers.dce_json``)
keeps of it: attachments, stickers (as the images they are), embeds (link previews, a bot's rich
embeds: address, title, description), reactions, the message it replies to, links and its edit
time. Discord adds a link's preview in a MESSAGE_UPDATE after the message, without editing it:
that update is an ``Edited`` with the message's embeds and no new text.

A member hosts when they have one of the configured host roles (by name or id) or the Manage
Events permission (or Administrator): ``Author.is_host``. Handles are Discord usernames (with
``#1234`` for the few accounts that still have a discriminator); names are display names.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

import discord

from chatbot.core.events import Deleted, Edited, Reacted
from chatbot.core.model import Attachment, Author, Embed, Message, Reaction
from chatbot.importers._common import links_in, unique

PLATFORM = "discord"
CHAT_TYPES = (discord.MessageType.default, discord.MessageType.reply)
_HTTP = ("http:", "https:")


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


def embeds(m: discord.Message) -> tuple[Embed, ...]:
    """The message's embeds as the importer keeps them: an http(s) address (or none), title and
    description, each without surrounding blanks; an embed with none of the three is left out. An
    embed whose description (or title) became the message's text (a bot's prompt with no content)
    is not kept a second time."""
    out = []
    for e in m.embeds:
        url = e.url or ""
        title, description = (e.title or "").strip(), (e.description or "").strip()
        made = Embed(url if url.startswith(_HTTP) else "", title, description)
        if made.url or made.title or made.description:
            out.append(made)
    text = text_of(m).strip()
    if out and not m.content and text and out[0] in (Embed(description=text), Embed(title=text)):
        del out[0]
    return tuple(out)


def files(m: discord.Message) -> tuple[Attachment, ...]:
    """Attachments (name, address, size, content type), then stickers as the images they are
    (content type ``image/<format>; sticker``, as the importer has them)."""
    attached = [Attachment(a.filename, a.url, a.size, a.content_type or "") for a in m.attachments]
    stickers = [Attachment(s.name, s.url, None, f"image/{s.format.name}; sticker") for s in m.stickers]
    return (*attached, *stickers)


def message(m: discord.Message, host_roles: Collection[str], *, me: Author | None = None) -> Message | None:
    """A chat message as ours (None for system messages: joins, pins, thread notices)."""
    if m.type not in CHAT_TYPES:
        return None
    who = me if me is not None and str(m.author.id) == me.id else author(m.author, host_roles)
    ref = m.reference
    reply_to = str(ref.message_id) if ref is not None and ref.message_id and m.type is CHAT_TYPES[1] else None
    name = getattr(m.channel, "name", None)
    attached, embedded = files(m), embeds(m)
    links = [*links_in(m.content), *(a.url for a in attached if a.url.startswith(_HTTP))]
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
        links=unique([*links, *(e.url for e in embedded)]),
        attachments=attached,
        reactions=tuple(Reaction(str(r.emoji), r.count) for r in m.reactions if r.count > 0),
        edited_at=m.edited_at,
        embeds=embedded,
    )


def edited(
    payload: discord.RawMessageUpdateEvent, host_roles: Collection[str], at: datetime | None = None
) -> Edited | None:
    """An edit of the text and (or) of the embeds: Discord unfurls a link's preview in an update
    after the message, with no edit time. None for updates that change neither (pins, flags).
    ``at`` is when it was heard (the time of an update that edits no text)."""
    data, m = payload.data, payload.message
    text = text_of(m) if "content" in data and data.get("edited_timestamp") is not None else None
    now: tuple[Embed, ...] | None = embeds(m) if "embeds" in data else None
    if now is not None and payload.cached_message is not None and embeds(payload.cached_message) == now:
        now = None  # the embeds as they were: nothing to tell
    if text is None and now is None:
        return None
    when = at or datetime.now(UTC)
    if text is not None:
        when = datetime.fromisoformat(str(data["edited_timestamp"]))
    return Edited(PLATFORM, str(payload.message_id), text, when, author(m.author, host_roles), now)


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
