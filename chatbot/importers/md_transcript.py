"""The PSTweetChat host's Markdown transcripts (``New-PSTweetChatTranscript.ps1``).

Each entry: ``### [@handle](url) \\<Full Name\\>``, ``*YYYY-MM-DD HH:MM:SSZ*`` (UTC), the tweet as
``> [text](https://twitter.com/<handle>/status/<id>)``, then ``+ [link](url)`` and media lines.
Authors' ids are their screen names in lower case, as in the Twitter Archiver CSV.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from chatbot.core.model import Author
from chatbot.importers._common import (
    Collector,
    links_in,
    shown,
    stable_id,
    tweet_url,
    unescape_x,
    unique,
    x_mentions_in,
)

_HEADING = re.compile(r"^### \[@?([^\]]+)\]\([^)]*\)\s*(?:\\?<(.*?)\\?>)?\s*$")
_STAMP = re.compile(r"^\*(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)Z\*\s*$")
_QUOTE = re.compile(r"^\[(.*)\]\((\S+)\)\s*$", re.S)
_STATUS = re.compile(r"/status(?:es)?/([^/?#\s]+)")
_ITEM = re.compile(r"^(?:\+ |!)\[[^\]]*\]\((\S+)\)")


@dataclass
class _Entry:
    line: int
    handle: str
    name: str
    ts: datetime | None = None
    quote: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


def _stamp(day: str, clock: str) -> datetime | None:
    """``*2018-05-01 13:32:00Z*`` as a time; None when it is no real date (month 13), which skips
    its entry with a warning."""
    try:
        return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=UTC)
    except ValueError:
        return None


def _emit(e: _Entry, c: Collector) -> None:
    if e.ts is None:
        c.skip(e.line, f"entry by @{e.handle} without a *YYYY-MM-DD HH:MM:SSZ* time; skipped")
        return
    m = _QUOTE.match("\n".join(e.quote))
    if not m:
        c.skip(e.line, f"entry by @{e.handle} without a '> [text](status url)' quote; skipped")
        return
    text, url = unescape_x(m[1]), m[2]
    status = _STATUS.search(url)
    tid = status[1] if status else ""
    if not tid.isdigit():
        c.warn_once(
            "badid",
            e.line,
            f"status id {shown(tid)} is not a tweet id (rounded by a spreadsheet?); "
            "a stable id was made from the entry instead (and for later such entries)",
        )
        tid, url = stable_id("md", e.handle.lower(), e.ts.isoformat(), text), ""
    c.add(
        e.line,
        id=tid,
        platform="x",
        ts=e.ts,
        text=text,
        author=Author(id=e.handle.lower(), handle="@" + e.handle, name=e.name),
        is_repost=text.startswith("RT @"),
        url=tweet_url(e.handle, tid) if url else None,
        mentions=unique(x_mentions_in(text)),
        links=unique([*links_in(text), *(u for u in e.links if u.startswith(("http:", "https:")))]),
    )


def parse(text: str, c: Collector) -> None:
    """One message per ``###`` entry; a malformed entry is skipped with a warning."""
    entry: _Entry | None = None
    quoting = False
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.rstrip("\r")
        if line.startswith("# ") and c.result.hints.title is None:
            c.result.hints.title = line[2:].strip() or None
        if m := _HEADING.match(line):
            if entry:
                c.guard(entry.line, _emit, entry, c)
            entry, quoting = _Entry(number, m[1].strip().lstrip("@"), (m[2] or "").strip()), False
            continue
        if entry is None:
            continue
        if quoting and not line.strip():
            quoting = False
        elif quoting and not _QUOTE.match("\n".join(entry.quote)):
            entry.quote.append(line[2:] if line.startswith("> ") else line)
        elif (s := _STAMP.match(line)) and entry.ts is None:
            entry.ts = _stamp(s[1], s[2])
        elif line.startswith("> ") and not entry.quote:
            entry.quote.append(line[2:])
            quoting = True
        elif item := _ITEM.match(line):
            entry.links.append(item[1])
    if entry:
        c.guard(entry.line, _emit, entry, c)
