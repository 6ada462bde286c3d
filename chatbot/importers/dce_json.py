"""DiscordChatExporter JSON (``guild``, ``channel``, ``messages``).

The top-level object is read key by key and ``messages`` one message at a time, so a truncated or
damaged export still yields every message before the damage (and after it, when the export is
indented and the next message can be found again).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime
from typing import Any

from chatbot.core.model import Attachment, Author, Embed, Reaction
from chatbot.importers._common import (
    Collector,
    as_int,
    attachment,
    discord_handle,
    id_str,
    is_upvote,
    links_in,
    optional_time,
    raw_decode,
    reaction,
    shown,
    unique,
)
from chatbot.importers.media import local_file

KEEP = frozenset({"Default", "Reply", "ChatInputCommand", "ContextMenuCommand", "ApplicationCommand"})
SYSTEM = frozenset(
    {
        "GuildMemberJoin",
        "ChannelNameChange",
        "ChannelIconChange",
        "ThreadCreated",
        "Call",
        "ChannelPinnedMessage",
        "RecipientAdd",
        "RecipientRemove",
        "ThreadStarterMessage",
        "GuildBoost",
        "GuildBoostTier1",
        "GuildBoostTier2",
        "GuildBoostTier3",
        "ChannelFollowAdd",
    }
)
_HTTP = ("http:", "https:")
_WS = re.compile(r"[ \t\r\n]*")


class _Broken(ValueError):
    def __init__(self, msg: str, pos: int):
        super().__init__(msg)
        self.msg, self.pos = msg, pos


class _Lines:
    """Line numbers of character offsets, counted incrementally."""

    def __init__(self, text: str):
        self.text, self.pos, self.line = text, 0, 1

    def __call__(self, pos: int) -> int:
        if pos < self.pos:
            self.pos, self.line = 0, 1
        self.line += self.text.count("\n", self.pos, pos)
        self.pos = pos
        return self.line


def _ws(text: str, pos: int) -> int:
    m = _WS.match(text, pos)
    return m.end() if m else pos


def _expect(text: str, pos: int, char: str) -> int:
    if not text.startswith(char, pos):
        found = repr(text[pos]) if pos < len(text) else "the end of the file"
        raise _Broken(f"expected {char!r}, found {found}", pos)
    return pos + 1


def _messages(text: str, pos: int, out: list[tuple[int, Any]], c: Collector, line: _Lines) -> int:
    dec = json.JSONDecoder()
    resync: re.Pattern[str] | None = None
    while True:
        pos = _ws(text, pos)
        if text.startswith("]", pos):
            return pos + 1
        start = pos
        if resync is None:
            indent = text[text.rfind("\n", 0, start) + 1 : start]
            resync = re.compile(r"\n" + re.escape(indent) + r"\{") if indent and not indent.strip() else None
        try:
            obj, pos = raw_decode(dec, text, start)
            out.append((start, obj))
            pos = _ws(text, pos)
            if text.startswith(",", pos):
                pos += 1
                continue
            return _expect(text, pos, "]")
        except (json.JSONDecodeError, _Broken) as e:
            nxt = resync.search(text, start + 1) if resync else None
            if nxt is None:
                raise
            resumed = line(nxt.end())
            c.skip(line(start), f"not valid JSON ({e.msg}); skipped to the next message at line {resumed}")
            pos = nxt.end() - 1


def scan(text: str, c: Collector) -> tuple[dict[str, Any], list[tuple[int, Any]]]:
    """The top-level values other than ``messages``, and ``(offset, message)`` pairs."""
    dec = json.JSONDecoder()
    header: dict[str, Any] = {}
    messages: list[tuple[int, Any]] = []
    line = _Lines(text)
    pos = 0
    try:
        pos = _expect(text, _ws(text, 0), "{")
        while not text.startswith("}", _ws(text, pos)):
            key, pos = raw_decode(dec, text, _ws(text, pos))
            pos = _ws(text, _expect(text, _ws(text, pos), ":"))
            if key == "messages" and text.startswith("[", pos):
                pos = _messages(text, pos + 1, messages, c, line)
            else:
                header[str(key)], pos = raw_decode(dec, text, pos)
            pos = _ws(text, pos)
            if not text.startswith(",", pos):
                _expect(text, pos, "}")
                break
            pos += 1
    except (json.JSONDecodeError, _Broken) as e:
        where = e.pos if e.pos is not None else pos
        c.skip(line(where), f"not valid JSON ({e.msg}); the rest of the file was skipped (truncated?)")
    return header, messages


def parse(text: str, c: Collector) -> None:
    """Chat messages (types Default and Reply, and app-command replies); system messages skipped."""
    header, messages = scan(text, c)
    guild = _dict(header.get("guild"))
    channel = _dict(header.get("channel"))
    gid, cid = id_str(guild.get("id")), id_str(channel.get("id"))
    cname, gname = str(channel.get("name") or ""), str(guild.get("name") or "")
    c.result.hints.channel = cname or None
    c.result.hints.topic = str(channel.get("topic") or "").strip() or None
    c.result.hints.title = " - ".join(x for x in (gname, cname) if x) or None
    where = f"{gid if gid and gid != '0' else '@me'}/{cid}"
    line = _Lines(text)
    for pos, m in messages:
        at = line(pos)
        c.guard(at, _message, at, m, cname, f"https://discord.com/channels/{where}/" if cid else "", c)


def _message(at: int, m: object, cname: str, url_base: str, c: Collector) -> None:
    """One exported message, if it is chat."""
    if not isinstance(m, dict):
        c.skip(at, "a message that is not a JSON object; skipped")
        return
    kind = str(m.get("type") or "Default")
    if kind not in KEEP:
        if kind not in SYSTEM:
            c.result.skipped += 1
            c.warn_once(f"type:{kind}", at, f"message type {shown(kind)} is not chat; skipped (and others)")
        return
    mid = id_str(m.get("id"))
    a = m.get("author")
    if not mid:
        c.skip(at, "message without an id; skipped")
        return
    if not isinstance(a, dict) or not id_str(a.get("id")):
        c.skip(at, f"message {mid} has no author; skipped")
        return
    name = str(a.get("name") or a.get("id"))
    author = Author(
        id=str(a["id"]),
        handle=discord_handle(name, a.get("discriminator")),
        name=str(a.get("nickname") or name),
        is_bot=bool(a.get("isBot", False)),
    )
    try:
        ts = c.localize(datetime.fromisoformat(str(m.get("timestamp"))), at, tell=True)
    except ValueError:
        c.skip(at, f"message {mid}: timestamp {shown(m.get('timestamp'))} is not ISO 8601; skipped")
        return
    content = str(m.get("content") or "")
    reference = _dict(m.get("reference"))
    attachments = _local(_attachments(m.get("attachments")) + _stickers(m.get("stickers")), c)
    embeds = _embeds(m.get("embeds"))
    edited = optional_time(c, m.get("timestampEdited"), at, f"message {mid}: timestampEdited")
    c.add(
        at,
        id=mid,
        platform="discord",
        ts=ts,
        author=author,
        text=content,
        reply_to=id_str(reference.get("messageId")),
        likes=_likes(m.get("reactions")),
        channel=cname,
        url=url_base + mid if url_base else None,
        mentions=unique(
            discord_handle(str(u.get("name") or u.get("id")), u.get("discriminator"))
            for u in m.get("mentions") or []
            if isinstance(u, dict)
        ),
        links=unique(
            [
                *links_in(content),
                *(a.url for a in attachments if a.url.startswith(_HTTP)),
                *(e.url for e in embeds if e.url),
            ]
        ),
        attachments=attachments,
        embeds=embeds,
        reactions=_reactions(m.get("reactions")),
        edited_at=edited,
    )


def _stickers(items: object) -> tuple[Attachment, ...]:
    """``stickers[]`` as the images they are (content type ``image/<format>; sticker``)."""
    return tuple(
        attachment(
            x.get("sourceUrl"), x.get("name"), None, f"image/{str(x.get('format') or 'png').lower()}; sticker"
        )
        for x in (items if isinstance(items, list) else [])
        if isinstance(x, dict) and (x.get("name") or x.get("sourceUrl"))
    )


def _format(sticker: dict[str, Any]) -> str:
    return str(sticker.get("format") or "png").lower()


def _embeds(items: object) -> tuple[Embed, ...]:
    """``embeds[]``: each page preview or card with its address (http(s) only), title and description."""
    out = []
    for x in items if isinstance(items, list) else []:
        if not isinstance(x, dict):
            continue
        url = str(x.get("url") or "")
        made = Embed(
            url if url.startswith(_HTTP) else "",
            str(x.get("title") or "").strip(),
            str(x.get("description") or "").strip(),
        )
        if made.url or made.title or made.description:
            out.append(made)
    return tuple(out)


def _local(files: tuple[Attachment, ...], c: Collector) -> tuple[Attachment, ...]:
    """Each file with the export's own copy of it, where the export kept one beside itself."""
    return tuple(
        replace(a, local=found)
        if a.url and not a.url.startswith(_HTTP) and (found := local_file(c.path, a.url))
        else a
        for a in files
    )


def _attachments(items: object) -> tuple[Attachment, ...]:
    """``attachments[]``: file name, address (a URL, or the export's local copy), size in bytes."""
    return tuple(
        attachment(x.get("url"), x.get("fileName"), x.get("fileSizeBytes"))
        for x in (items if isinstance(items, list) else [])
        if isinstance(x, dict) and (x.get("fileName") or x.get("url"))
    )


def _reactions(items: object) -> tuple[Reaction, ...]:
    """``reactions[]`` with their counts: a unicode emoji as itself, a server's own as ``:name:``."""
    out = []
    for r in items if isinstance(items, list) else []:
        emoji = _dict(r.get("emoji")) if isinstance(r, dict) else {}
        name = str(emoji.get("name") or emoji.get("code") or "")
        custom = bool(id_str(emoji.get("id"))) and name
        if made := reaction(f":{name}:" if custom else name, r.get("count") if isinstance(r, dict) else 1):
            out.append(made)
    return tuple(out)


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _likes(reactions: object) -> int:
    """The ⬆ and 👍 reaction counts (the votes of an AMA); other reactions do not count."""
    total = 0
    for r in reactions if isinstance(reactions, list) else []:
        emoji = r.get("emoji") if isinstance(r, dict) else None
        if isinstance(emoji, dict) and any(is_upvote(str(emoji.get(k) or "")) for k in ("name", "code")):
            total += as_int(r.get("count"))
    return total
