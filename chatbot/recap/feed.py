"""Archive-wide files, built from every recap's index entry (slug, session, stats):
the Atom feed ``feed.xml``, the index page ``index.html`` and the static search index for
searching from the file system: one file of messages per recap (``search/<slug>.js``), written
when its recap is, and ``search-index.js`` listing them, so that re-rendering one recap rewrites
one small file instead of the whole archive's messages.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path

from chatbot.recap import (
    Anchors,
    chat_zone,
    check_slug,
    clean_text,
    environment,
    html_id,
    page_assets,
    parse_ts,
    plural,
    when_label,
    write_atomic,
)
from chatbot.recap.jsonout import encode_line
from chatbot.recap.pages import page_count, page_of
from chatbot.recap.source import Recap
from chatbot.recap.types import Export, ExportMessage, ExportSession, ExportStats
from chatbot.recap.viewtypes import FeedEntry, FeedView, IndexEntry, IndexRow, SearchRecord

FEED_LIMIT = 50
SEARCH_DIR = "search"
SEARCH_PREFIX = "window.CHATBOT_SEARCH = "  # the one-file index of earlier versions
FILES_PREFIX = "window.CHATBOT_SEARCH_FILES = "
PART_PREFIX = "(window.CHATBOT_SEARCH_PARTS = window.CHATBOT_SEARCH_PARTS || []).push("
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


def _counts(stats: ExportStats, kind: object = "chat") -> list[str]:
    """``39 messages``, ``6 participants`` and, when there were any, prompts (a meeting's topics)
    and questions."""
    counts = [
        plural(int(stats.get("messages") or 0), "message"),
        plural(int(stats.get("participants") or 0), "participant"),
    ]
    prompt = "topic" if kind == "meeting" else "prompt"
    counts += [
        plural(int(n), word)
        for word, n in ((prompt, stats.get("prompts")), ("question", stats.get("questions")))
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
                # a meeting or a channel's record is known by its channel, a chat by its hashtag
                "hashtag": clean_text(
                    session.get("channel") if session.get("kind") in ("meeting", "channel") else None
                )
                or clean_text(session.get("hashtag")),
                "when": when_label(session),
                "start_iso": _started(entry).isoformat(),
                "hosts": [clean_text(h) for h in session.get("hosts") or ()],
                "counts": _counts(entry["stats"], session.get("kind")),
            }
        )
    return rows


def render_index_page(entries: Iterable[IndexEntry], *, title: str = "Chat recaps", outside: str = "") -> str:
    """The archive index page: every recap newest first, a search form and the feed link."""
    assets = page_assets("index.js", script_src=" 'self' file:", form_action="'self'")
    return (
        environment()
        .get_template("index.html")
        .render(rows=index_view(entries), title=title, outside=outside, **assets)
    )


def render_index(
    entries: Iterable[IndexEntry], out_dir: Path, *, title: str = "Chat recaps", outside: str = ""
) -> Path:
    """Write ``index.html`` into ``out_dir`` (``outside``: what of the archive no recap holds)."""
    return write_atomic(
        Path(out_dir) / "index.html", render_index_page(entries, title=title, outside=outside)
    )


# -- static search --------------------------------------------------------------------------


def search_records(export: Export) -> list[SearchRecord]:
    """One export's rows of the static search index; removed messages are left out."""
    return list(recap_search_records(Recap.of(export)))


def recap_search_records(recap: Recap) -> Iterator[SearchRecord]:
    """``search_records`` of a ``Recap``, read as they are written."""
    session = recap.head["session"]
    paged = page_count(session.get("kind"), recap.message_count) > 1
    records = SearchRecords(session, paged, repeats=recap.linked.repeats)
    for i, m in enumerate(recap.messages()):
        record = records(m, i)
        if record is not None:
            yield record


class SearchRecords:
    """A recap's search records, made a message at a time in transcript order (``paged``: the
    record is in pages, ``chatbot.recap.pages``; ``repeats``: some message id is had by more than
    one message, so anchors are numbered as they come, ``Anchors``)."""

    def __init__(
        self,
        session: ExportSession,
        paged: bool,
        read_time: Callable[[object], datetime | None] | None = None,
        *,
        repeats: bool = True,
    ) -> None:
        self.slug, self.tz, self.paged = check_slug(session["slug"]), chat_zone(session), paged
        self.read_time = read_time or (lambda value: parse_ts(value, self.tz))  # a time in the chat's zone
        self.anchor_of: Callable[[str], str] = Anchors() if repeats else lambda mid: html_id(mid, "m-")
        self.minutes: dict[tuple[int, ...], tuple[str, str, str]] = {}  # when, ISO start and offset
        self.people: dict[tuple[object, object], tuple[str, str]] = {}

    def __call__(self, m: ExportMessage, index: int, text: str | None = None) -> SearchRecord | None:
        """The record of the ``index``-th message (from 0); None for one removed or without text
        (``text``: its text cleaned already, ``clean_text``)."""
        mid = str(m.get("id"))
        anchor = self.anchor_of(mid)
        if m.get("removed") or not m.get("text"):
            return None
        who = (m.get("author"), m.get("name"))
        person = self.people.get(who)
        if person is None:
            person = self.people[who] = (clean_text(who[0]), clean_text(who[1]))
        moment = self.read_time(m.get("ts"))
        when = ts = ""
        if moment is not None:
            key = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.fold)
            minute = self.minutes.get(key)
            if minute is None:
                iso = moment.isoformat(timespec="seconds")
                when = f"{moment:%Y-%m-%d} {moment.hour:02d}:{moment.minute:02d} {moment.tzname() or ''}"
                minute = self.minutes[key] = (when.strip(), iso[:17], iso[19:])
            micro = moment.microsecond
            when, ts = (
                minute[0],
                f"{minute[1]}{moment.second:02d}{f'.{micro:06d}' if micro else ''}{minute[2]}",
            )
        return {
            "slug": self.slug,
            "id": mid,
            "anchor": anchor,
            "page": page_of(index) if self.paged else 1,
            "author": person[0],
            "name": person[1],
            "ts": ts,
            "when": when,
            "text": clean_text(m.get("text")) if text is None else text,
        }

    def line(self, m: ExportMessage, index: int, text: str | None = None) -> bytes | None:
        """The record as the search file has it (``search_line``)."""
        record = self(m, index, text)
        return None if record is None else search_line(record)


def search_line(record: Mapping[str, object]) -> bytes:
    """A search record as compact JSON safe inside a script (no ``<``, ``>``, ``&`` or ``'``)."""
    return (
        encode_line(record)
        .replace(b"<", b"\\u003c")
        .replace(b">", b"\\u003e")
        .replace(b"&", b"\\u0026")
        .replace(b"'", b"\\u0027")
    )


def search_shard(slug: str) -> str:
    """Where a recap's messages are for the static search, relative to the recaps folder."""
    return f"{SEARCH_DIR}/{check_slug(slug)}.js"


def write_search_shard(records: Iterable[Mapping[str, object]], slug: str, out_dir: Path) -> Path:
    """Write one recap's messages (``search_records``) to ``search/<slug>.js``, a record at a time."""
    lines = (b"," + search_line(r) if i else search_line(r) for i, r in enumerate(records))
    return write_search_lines(lines, slug, out_dir)


def write_search_lines(lines: Iterable[bytes], slug: str, out_dir: Path) -> Path:
    """``write_search_shard`` of records already made into lines (``search_line``, joined by commas)."""
    head = f"/* Static search records of one recap (generated; do not edit). */\n{PART_PREFIX}["
    return write_atomic(Path(out_dir) / search_shard(slug), itertools.chain([head], lines, ["]);\n"]))


def write_search_index(slugs: Iterable[str], out_dir: Path) -> Path:
    """Write ``search-index.js``: the files of the recaps' messages (loadable from file://)."""
    text = environment().get_template("search-index.js").render(files=[search_shard(s) for s in slugs])
    return write_atomic(Path(out_dir) / "search-index.js", text)


def _json_after(text: str, prefix: str) -> object:
    start = text.index(prefix) + len(prefix)
    return json.loads(text[start:].strip().rstrip(";").rstrip(")"))


def search_files(out_dir: Path) -> list[str] | None:
    """The message files ``search-index.js`` lists (None when it is missing or of the old kind)."""
    try:
        text = (Path(out_dir) / "search-index.js").read_text(encoding="utf-8")
        files = _json_after(text, FILES_PREFIX)
    except (OSError, ValueError):
        return None
    return [f for f in files if isinstance(f, str)] if isinstance(files, list) else None


def read_search_shard(out_dir: Path, slug: str) -> list[dict[str, object]]:
    """One recap's search records as written (empty when missing or unreadable)."""
    try:
        records = _json_after((Path(out_dir) / search_shard(slug)).read_text(encoding="utf-8"), PART_PREFIX)
    except (OSError, ValueError):
        return []
    return [r for r in records if isinstance(r, dict)] if isinstance(records, list) else []


def split_search_index(out_dir: Path, slugs: Collection[str]) -> None:
    """A one-file ``search-index.js`` of an earlier version, split into a file per recap (those of
    ``slugs`` not written yet), so recaps that are not rendered again stay searchable."""
    if search_files(out_dir) is not None or not (Path(out_dir) / "search-index.js").is_file():
        return
    by_slug: dict[str, list[dict[str, object]]] = {}
    for record in read_search_index(out_dir):
        by_slug.setdefault(str(record.get("slug")), []).append(record)
    for slug, records in by_slug.items():
        if slug in slugs and not (Path(out_dir) / search_shard(slug)).is_file():
            write_search_shard(records, slug, out_dir)


def read_search_index(out_dir: Path) -> list[dict[str, object]]:
    """Every record of the static search (empty when missing or unreadable; as written, perhaps
    by an older version as one file, so read with care)."""
    files = search_files(out_dir)
    if files is not None:
        slugs = [f.removeprefix(f"{SEARCH_DIR}/").removesuffix(".js") for f in files]
        return [r for slug in slugs for r in read_search_shard(out_dir, slug)]
    try:
        records = _json_after((Path(out_dir) / "search-index.js").read_text(encoding="utf-8"), SEARCH_PREFIX)
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
