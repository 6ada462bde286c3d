"""DiscordChatExporter plain text (``.txt``, the 2019 format and later), so an old AMA gets a recap.

A header between ``====`` rules names the guild, the channel and its topic. Each message starts
with ``[31-Jul-19 07:37 PM] name#1234`` (newer versions: ``[7/31/2019 7:37 PM]``), its text
follows (blank lines included) until the next message, and blocks may follow it:
``{Attachments}`` (one address a line), ``{Embed}`` (the embed's lines: its links are kept),
``{Reactions}`` (``👍 (6) KMD (5)`` on one line). The file has no message or author ids: each
message gets ``dcetxt-`` + a hash of author, date, the first 200 characters and the occurrence
number of that triple, so re-importing the file gives the same ids. Dates are local to the
exporter's machine without an offset: the chat's zone applies (UTC if none).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chatbot.core.model import Author, Reaction
from chatbot.importers._common import (
    Collector,
    attachments_at,
    discord_handle,
    is_upvote,
    links_in,
    reaction,
    shown,
    stable_id,
    unique,
)
from chatbot.importers.dce_csv import parse_local

_STAMP = re.compile(
    r"^\[(?P<date>\d{1,2}-\w{3}-\d{2,4} \d{1,2}:\d\d(?::\d\d)? [AP]M"
    r"|\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d\d(?::\d\d)? [AP]M"
    r"|\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?)\] (?P<who>.+?)\s*$"
)
_RULE = re.compile(r"^={10,}\s*$")
_BLOCKS = {
    "{Attachments}": "attachments",
    "{Embed}": "embed",
    "{Reactions}": "reactions",
    "{Stickers}": "stickers",
}
_COUNT = re.compile(r"^\((\d+)\)$")
_MENTION = re.compile(r"(?<![\w@/.])@([^\s@#:,;!?()<>/]+)")


@dataclass
class _Draft:
    line: int
    date: str
    who: str
    body: list[str] = field(default_factory=list)
    blocks: dict[str, list[str]] = field(default_factory=dict)


def _split(who: str) -> tuple[str, str]:
    name, sep, disc = who.strip().rpartition("#")
    return (name, disc) if sep and disc.isdigit() else (who.strip(), "")


def _header(lines: list[str], c: Collector) -> int:
    """Read the ``====`` header (guild, channel, topic) into the hints; the index after it."""
    if not lines or not _RULE.match(lines[0]):
        return 0
    end = next((i for i in range(1, min(len(lines), 40)) if _RULE.match(lines[i])), 0)
    fields: dict[str, str] = {}
    for raw in lines[1:end]:
        key, sep, value = raw.partition(":")
        if sep:
            fields[key.strip().lower()] = value.strip()
    channel, guild = fields.get("channel", ""), fields.get("guild", "")
    c.result.hints.channel = channel or None
    c.result.hints.topic = fields.get("topic") or None
    c.result.hints.title = " - ".join(x for x in (guild, channel) if x) or None
    return end + 1


def _drafts(lines: list[str], start: int, c: Collector) -> list[_Draft]:
    drafts: list[_Draft] = []
    block: str | None = None
    for i in range(start, len(lines)):
        raw = lines[i]
        stamp = _STAMP.match(raw)
        if stamp:
            who = stamp["who"].removesuffix(" (pinned)")  # DCE marks pinned messages so
            drafts.append(_Draft(i + 1, stamp["date"], who))
            block = None
            continue
        if not drafts:
            if raw.strip():
                c.warn(i + 1, "text before the first message; left out")
            continue
        if raw.strip() in _BLOCKS:
            block = _BLOCKS[raw.strip()]
            drafts[-1].blocks.setdefault(block, [])
            continue
        if block is None:
            drafts[-1].body.append(raw)
        elif raw.strip():
            drafts[-1].blocks[block].append(raw.strip())
    return drafts


def _reactions(lines: list[str]) -> tuple[Reaction, ...]:
    """``👍 (6) KMD (5) 🔥 🙏``: each emoji (or custom emoji name), its count after it in
    parentheses; none written means one."""
    found: list[Reaction] = []
    for ln in lines:
        tokens = ln.split()
        for i, token in enumerate(tokens):
            if _COUNT.match(token):
                continue
            count = _COUNT.match(tokens[i + 1]) if i + 1 < len(tokens) else None
            if r := reaction(token, count.group(1) if count else 1):
                found.append(r)
    return tuple(found)


def parse(text: str, c: Collector) -> None:
    """One message per ``[date] author`` line; a date that cannot be read skips its message."""
    lines = text.replace("\r\n", "\n").split("\n")
    drafts = _drafts(lines, _header(lines, c), c)
    channel = c.result.hints.channel or ""
    handles = {_split(d.who)[0].lower(): discord_handle(*_split(d.who)) for d in drafts}
    seen: dict[tuple[str, str, str], int] = {}

    def one(d: _Draft) -> None:
        ts = parse_local(d.date)
        if ts is None:
            c.skip(d.line, f"date {shown(d.date)} not understood; message skipped")
            return
        content = "\n".join(d.body).strip("\n")
        key = (d.who, d.date, content[:200])
        seen[key] = seen.get(key, 0) + 1
        name, disc = _split(d.who)
        handle = discord_handle(name, disc)
        attachments = d.blocks.get("attachments", [])
        embed_links = [u for ln in d.blocks.get("embed", []) for u in links_in(ln)]
        reactions = _reactions(d.blocks.get("reactions", []))
        named = [n.rstrip(".") for n in _MENTION.findall(content)]
        c.add(
            d.line,
            id=stable_id("dcetxt", *key, str(seen[key])),
            platform="discord",
            ts=c.localize(ts, d.line),
            text=content,
            # no author id in a text export: the handle (name#1234) is what stays the same
            author=Author(id=handle, handle=handle, name=name),
            likes=sum(r.count for r in reactions if is_upvote(r.emoji)),
            mentions=unique(handles.get(m.lower(), m) for m in named),
            links=unique([*links_in(content), *attachments, *embed_links]),
            attachments=attachments_at(attachments),
            reactions=reactions,
            channel=channel,
        )

    for d in drafts:
        c.guard(d.line, one, d)
