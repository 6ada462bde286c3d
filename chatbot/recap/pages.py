"""A long channel record in pages, as DiscordChatExporter splits a long export.

A channel record (``session.kind`` ``channel``) of more than ``PAGE_SIZE`` messages is written as
separate pages: the first at the record's usual address (``<slug>.html``, with the stats, people
and the first ``PAGE_SIZE`` messages), the others as ``<slug>/page-2.html``, ``<slug>/page-3.html``...
(the header and their messages). Each links to the others. ``<slug>/pages.json`` says where each
page starts (the first message's time in UTC and archive key), so that a link to any message (the
web search's) can name its page. Hosted chats and meetings keep one page.
"""

from __future__ import annotations

import bisect
import json
from datetime import UTC, datetime
from pathlib import Path

from chatbot.recap import check_slug
from chatbot.recap.viewtypes import PagerView

#: Messages on each page of a long channel record.
PAGE_SIZE = 1000
PAGE_MAP = "pages.json"


def page_count(kind: object, messages: int) -> int:
    """How many pages a record of ``messages`` messages takes (1 unless a long channel record)."""
    return -(-messages // PAGE_SIZE) if kind == "channel" and messages > PAGE_SIZE else 1


def page_of(index: int) -> int:
    """The page (1, 2...) of the ``index``-th message (from 0) of a paged transcript."""
    return index // PAGE_SIZE + 1


def page_file(slug: str, page: int) -> str:
    """A page's file, from the recaps folder."""
    return f"{slug}.html" if page == 1 else f"{slug}/page-{page}.html"


def page_link(slug: str, page: int, here: int) -> str:
    """The relative link to ``page`` from the page ``here`` ("" when they are the same page)."""
    if page == here:
        return ""
    if here == 1:
        return page_file(slug, page)
    return f"../{slug}.html" if page == 1 else f"page-{page}.html"


def root(here: int) -> str:
    """The way from a page back to the recaps folder."""
    return "" if here == 1 else "../"


def utc_key(ts: str, platform: str, message_id: str) -> list[str]:
    """A message's place in the archive's order: its time as stored (UTC) and its key."""
    try:
        moment = datetime.fromisoformat(ts).astimezone(UTC).isoformat(timespec="milliseconds")
    except ValueError:
        moment = ""
    return [moment, f"{platform}:{message_id}"]


def page_map(starts: list[list[str]]) -> str:
    """``pages.json``'s text: where pages 2, 3... start (``utc_key`` of their first messages)."""
    return json.dumps({"page_size": PAGE_SIZE, "starts": starts}) + "\n"


def message_page(out: Path, slug: str, ts: str, uid: str) -> str:
    """The page file (from the recaps folder) that holds the message stored with time ``ts`` (UTC,
    as the archive keeps it) and key ``uid``: ``<slug>.html`` unless the record is paged."""
    check_slug(slug)
    try:
        starts = json.loads((out / slug / PAGE_MAP).read_text(encoding="utf-8"))["starts"]
    except (OSError, ValueError, KeyError, TypeError):
        return page_file(slug, 1)
    keys = [(str(s[0]), str(s[1])) for s in starts if isinstance(s, list) and len(s) == 2]
    return page_file(slug, bisect.bisect_right(keys, (ts, uid)) + 1)


def pager(slug: str, page: int, count: int, total: int) -> PagerView:
    """The page list of page ``page`` of ``count`` (``total`` messages in all)."""
    links = []
    for n in range(1, count + 1):
        first, last = (n - 1) * PAGE_SIZE + 1, min(n * PAGE_SIZE, total)
        links.append((n, page_link(slug, n, page), f"{first:,}–{last:,}"))
    return {
        "page": page,
        "count": count,
        "first": (page - 1) * PAGE_SIZE + 1,
        "last": min(page * PAGE_SIZE, total),
        "total": total,
        "links": links,
        "prev": page_link(slug, page - 1, page) if page > 1 else "",
        "next": page_link(slug, page + 1, page) if page < count else "",
    }
