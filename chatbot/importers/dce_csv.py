"""DiscordChatExporter CSV (``AuthorID;Author;Date;Content;Attachments;Reactions;``, v2 2019 and later).

The file has no message ids: each gets ``dcecsv-`` + a hash of author id, date, the first 200
characters and the occurrence number of that triple, so re-importing the file gives the same ids.
Dates are local to the exporter's machine without an offset: the chat's zone applies (UTC if none).
"""

from __future__ import annotations

import re
from datetime import datetime

from chatbot.core.model import Author, Reaction
from chatbot.importers._common import (
    Collector,
    as_int,
    attachments_at,
    csv_rows,
    discord_handle,
    is_upvote,
    links_in,
    parse_datetime,
    reaction,
    shown,
    stable_id,
    unique,
)

_FORMATS = (
    "%d-%b-%y %I:%M %p",
    "%d-%b-%y %I:%M:%S %p",
    "%d-%b-%Y %I:%M %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %I:%M:%S %p",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
)
_REACTION = re.compile(r"\s*([^,]+?) \((\d+)\)\s*(?:,|$)")
_MENTION = re.compile(r"(?<![\w@/.])@([^\s@#:,;!?()<>/]+)")
_HTTP = ("http:", "https:")
COLUMNS = ("AuthorID", "Author", "Date", "Content", "Attachments", "Reactions")


def parse_local(value: str) -> datetime | None:
    """A date as DCE wrote it (``31-Jul-19 07:37 PM``, or ISO 8601 in newer versions)."""
    return parse_datetime(value, _FORMATS)


def likes_of(reactions: str) -> int:
    """``⬆ (12),👍 (3),KMD (5)`` -> 15: only ⬆ and 👍 count (the AMA's votes)."""
    return sum(as_int(n) for emoji, n in _REACTION.findall(reactions) if is_upvote(emoji))


def reactions_of(reactions: str) -> tuple[Reaction, ...]:
    """``⬆ (12),👍 (3),KMD (5)`` -> every reaction with its count."""
    return tuple(r for emoji, n in _REACTION.findall(reactions) if (r := reaction(emoji, n)))


def _split(who: str) -> tuple[str, str]:
    """``name#1234`` -> (``name``, ``1234``)."""
    name, sep, disc = who.strip().rpartition("#")
    return (name, disc) if sep and disc.isdigit() else (who.strip(), "")


def _handle(who: str) -> str:
    return discord_handle(*_split(who))


def parse(text: str, c: Collector) -> None:
    """One message per row; rows without an author or a readable date are skipped with a warning."""
    table = csv_rows(text, c)
    header, body = (table[0][1], table[1:]) if table else ([], [])
    col = {name.strip().lower(): i for i, name in enumerate(header)}
    idx = [col.get(name.lower()) for name in COLUMNS]

    def cell(row: list[str], k: int) -> str:
        i = idx[k]
        return row[i] if i is not None and i < len(row) else ""

    handles = {_split(cell(r, 1))[0].lower(): _handle(cell(r, 1)) for _, r in body if cell(r, 1)}
    seen: dict[tuple[str, str, str], int] = {}

    def one(line: int, row: list[str]) -> None:
        if not any(field.strip() for field in row):
            return
        author_id, who, date, content = (cell(row, k) for k in range(4))
        content = content.replace("\r\n", "\n")  # ids must not depend on the file's line endings
        if not (author_id.strip() or who.strip()):
            c.skip(line, "row without an author; skipped")
            return
        ts = parse_local(date)
        if ts is None:
            c.skip(line, f"date {shown(date)} not understood; row skipped")
            return
        key = (author_id, date, content[:200])
        seen[key] = seen.get(key, 0) + 1
        name = _split(who)[0]
        named = [n.rstrip(".") for n in _MENTION.findall(content)]
        attachments = re.split(r"[\s,]+", cell(row, 4))
        c.add(
            line,
            id=stable_id("dcecsv", *key, str(seen[key])),
            platform="discord",
            ts=c.localize(ts, line),
            text=content,
            author=Author(id=author_id.strip() or who, handle=_handle(who) or author_id, name=name),
            likes=likes_of(cell(row, 5)),
            mentions=unique(handles.get(m.lower(), m) for m in named),
            links=unique([*links_in(content), *(a for a in attachments if a.startswith(_HTTP))]),
            attachments=attachments_at(attachments),
            reactions=reactions_of(cell(row, 5)),
        )

    for line, row in body:
        c.guard(line, one, line, row)
