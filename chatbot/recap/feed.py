"""Archive-wide files, built from every recap's index entry (slug, session, stats):
the Atom feed ``feed.xml``, the index page ``index.html`` and the static search index
``search-index.js`` (messages of all recaps, for searching from the file system).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from chatbot.recap import (
    chat_zone,
    check_slug,
    clean_text,
    environment,
    message_anchors,
    page_assets,
    parse_ts,
    plural,
    when_label,
    write_atomic,
)
from chatbot.recap.types import Export, ExportStats
from chatbot.recap.viewtypes import FeedEntry, FeedView, IndexEntry, IndexRow, SearchRecord

FEED_LIMIT = 50
SEARCH_PREFIX = "window.CHATBOT_SEARCH = "
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def index_entry(export: Export) -> IndexEntry:
    """What the index, the feed and the manifest keep of an export: slug, session and stats."""
    return {
        "slug": check_slug(export["session"]["slug"]),
        "session": export["session"].copy(),
        "stats": export["stats"].copy(),
    }


def _started(entry: IndexEntry) -> datetime:
    return parse_ts(entry["session"].get("started_at"), chat_zone(entry["session"])) or _EPOCH


def _counts(stats: ExportStats) -> list[str]:
    """``39 messages``, ``6 participants`` and, when there were any, prompts and questions."""
    counts = [
        plural(int(stats.get("messages") or 0), "message"),
        plural(int(stats.get("participants") or 0), "participant"),
    ]
    counts += [
        plural(int(n), word)
        for word, n in (("prompt", stats.get("prompts")), ("question", stats.get("questions")))
        if n
    ]
    return counts


def index_view(entries: Iterable[IndexEntry]) -> list[IndexRow]:
    """The index rows, newest first."""
    rows: list[IndexRow] = []
    for entry in sorted(entries, key=_started, reverse=True):
        session = entry["session"]
        slug = check_slug(entry.get("slug") or session["slug"])
        rows.append(
            {
                "slug": slug,
                "href": f"{slug}.html",
                "title": clean_text(session.get("title")) or clean_text(session.get("hashtag")) or slug,
                "hashtag": clean_text(session.get("hashtag")),
                "when": when_label(session),
                "start_iso": _started(entry).isoformat(),
                "hosts": [clean_text(h) for h in session.get("hosts") or ()],
                "counts": _counts(entry["stats"]),
            }
        )
    return rows


def render_index_page(entries: Iterable[IndexEntry], *, title: str = "Chat recaps") -> str:
    """The archive index page: every recap newest first, a search form and the feed link."""
    assets = page_assets("index.js", script_src=" 'self' file:", form_action="'self'")
    return environment().get_template("index.html").render(rows=index_view(entries), title=title, **assets)


def render_index(entries: Iterable[IndexEntry], out_dir: Path, *, title: str = "Chat recaps") -> Path:
    """Write ``index.html`` into ``out_dir``."""
    return write_atomic(Path(out_dir) / "index.html", render_index_page(entries, title=title))


# -- static search --------------------------------------------------------------------------


def search_records(export: Export) -> list[SearchRecord]:
    """One export's rows of the static search index; removed messages are left out."""
    session = export["session"]
    slug, tz = check_slug(session["slug"]), chat_zone(session)
    anchors = message_anchors(export)
    rows: list[SearchRecord] = []
    for m in export.get("messages") or ():
        if m.get("removed") or not m.get("text"):
            continue
        moment = parse_ts(m.get("ts"), tz)
        rows.append(
            {
                "slug": slug,
                "id": str(m.get("id")),
                "anchor": anchors[str(m.get("id"))],
                "author": clean_text(m.get("author")),
                "name": clean_text(m.get("name")),
                "ts": moment.isoformat() if moment else "",
                "when": f"{moment:%Y-%m-%d %H:%M} {moment.tzname() or ''}".strip() if moment else "",
                "text": clean_text(m.get("text")),
            }
        )
    return rows


def write_search_index(records: Sequence[Mapping[str, object]], out_dir: Path) -> Path:
    """Write ``search-index.js``: ``window.CHATBOT_SEARCH = [...]`` (loadable from file://)."""
    text = environment().get_template("search-index.js").render(records=list(records))
    return write_atomic(Path(out_dir) / "search-index.js", text)


def read_search_index(out_dir: Path) -> list[dict[str, object]]:
    """The records of an existing ``search-index.js`` (empty when missing or unreadable; as written,
    perhaps by an older version, so read with care)."""
    try:
        text = (Path(out_dir) / "search-index.js").read_text(encoding="utf-8")
        start = text.index(SEARCH_PREFIX) + len(SEARCH_PREFIX)
        records = json.loads(text[start:].strip().rstrip(";"))
    except (OSError, ValueError):
        return []
    return [r for r in records if isinstance(r, dict)] if isinstance(records, list) else []


# -- Atom -----------------------------------------------------------------------------------


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def feed_view(
    entries: Iterable[IndexEntry],
    *,
    base_url: str | None = None,
    title: str = "Chat recaps",
    feed_id: str | None = None,
) -> FeedView:
    """What ``feed.xml`` shows: the newest recaps, with ids that stay stable across renders."""
    base = (base_url.rstrip("/") + "/") if base_url else ""
    items: list[FeedEntry] = []
    for entry in sorted(entries, key=_started, reverse=True)[:FEED_LIMIT]:
        session, stats = entry["session"], entry["stats"]
        slug = check_slug(entry.get("slug") or session["slug"])
        tz = chat_zone(session)
        started = _started(entry)
        updated = parse_ts(session.get("ended_at"), tz) or started
        hashtag = clean_text(session.get("hashtag"))
        answered = int(stats.get("questions_answered") or 0)
        items.append(
            {
                "id": uuid.uuid5(uuid.NAMESPACE_URL, f"chatbot:session:{session.get('id') or slug}").urn,
                "title": clean_text(session.get("title")) or hashtag or slug,
                "updated": _rfc3339(updated),
                "published": _rfc3339(started),
                "sort": updated,
                "authors": [clean_text(h) for h in session.get("hosts") or ()],
                "href": f"{base}{slug}.html",
                "json_href": f"{base}{slug}.json" if base else "",
                "hashtag": hashtag,
                "summary": f"{hashtag} chat, {when_label(session)}: {', '.join(_counts(stats))} "
                f"({answered} answered).",
            }
        )
    newest = max((item["sort"] for item in items), default=_EPOCH)
    return {
        "feed": {
            "id": feed_id or uuid.uuid5(uuid.NAMESPACE_URL, f"chatbot:recaps:{base}").urn,
            "title": title,
            "updated": _rfc3339(newest),
            "author": "chatbot",
            "self": f"{base}feed.xml",
            "home": f"{base}index.html",
        },
        "entries": items,
    }


def render_feed(
    entries: Iterable[IndexEntry],
    *,
    base_url: str | None = None,
    title: str = "Chat recaps",
    feed_id: str | None = None,
) -> str:
    """The Atom feed of recaps. Links are relative unless ``base_url`` is given."""
    view = feed_view(entries, base_url=base_url, title=title, feed_id=feed_id)
    return environment().get_template("feed.xml").render(**view)


def write_feed(
    entries: Iterable[IndexEntry],
    out_dir: Path,
    *,
    base_url: str | None = None,
    title: str = "Chat recaps",
) -> Path:
    """Write ``feed.xml`` into ``out_dir``."""
    return write_atomic(Path(out_dir) / "feed.xml", render_feed(entries, base_url=base_url, title=title))
