"""Spreadsheet tweet archives: "Twitter Archiver" CSV and the classic TAGS sheet export.

Twitter Archiver: an optional query row (``Twitter Query: #PSTweetChat lang:en``), then a header
row (Date, Screen Name, Full Name, Tweet Text, Tweet ID, Link(s), Media, ..., Favorites, ...).
Its dates are local times without an offset, so the chat's zone applies. It has no user ids:
an author's id is the screen name in lower case (without ``@``).

TAGS: header ``id_str,from_user,text,created_at,time,...,status_url,entities_str``; ``created_at``
carries an offset, the local ``time`` column is only a fallback.
"""

from __future__ import annotations

from datetime import datetime

from chatbot.core.model import Author
from chatbot.importers._common import (
    Collector,
    as_int,
    attachments_at,
    csv_rows,
    id_str,
    links_in,
    loads,
    parse_datetime,
    shown,
    stable_id,
    tweet_url,
    unescape_x,
    unique,
    x_mentions_in,
)

_LOCAL = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S")
_V1_DATE = "%a %b %d %H:%M:%S %z %Y"


def _local(value: str) -> datetime | None:
    return parse_datetime(value, _LOCAL)


def _entities(raw: str) -> tuple[list[str], list[str]]:
    """Mentions and expanded links from TAGS' ``entities_str`` (v1.1 entities as JSON)."""
    try:
        ent = loads(raw) if raw.strip() else {}
    except ValueError:
        return [], []
    if not isinstance(ent, dict):
        return [], []
    mentions = ["@" + str(m["screen_name"]) for m in ent.get("user_mentions") or [] if m.get("screen_name")]
    links = [str(u.get("expanded_url") or u.get("url") or "") for u in ent.get("urls") or []]
    return mentions, links


def parse(text: str, c: Collector) -> None:
    """One message per tweet row, oldest first (by time, then tweet id)."""
    table = csv_rows(text, c)
    at = next((i for i, (_, row) in enumerate(table[:10]) if "Tweet ID" in row or "id_str" in row), None)
    if at is None:
        c.warn(1, "no header row (with 'Tweet ID' or 'id_str') in the first 10 rows; nothing read")
        return
    for _, row in table[:at]:
        for cell in row:
            if "Twitter Query:" in cell and c.result.hints.hashtag is None:
                query = cell.split("Twitter Query:", 1)[1].split()
                c.result.hints.hashtag = next((w for w in query if w.startswith("#") and len(w) > 1), None)
    header = [h.strip() for h in table[at][1]]
    classic = "id_str" in header
    for line, row in table[at + 1 :]:
        if any(cell.strip() for cell in row):
            rec = {h: row[i] if i < len(row) else "" for i, h in enumerate(header) if h}
            c.guard(line, _classic if classic else _archiver, rec, line, c)
    c.result.messages.sort(key=lambda m: (m.ts, len(m.id), m.id))


def _tweet_id(raw: str, line: int, c: Collector, *parts: str) -> str:
    raw = raw.strip()
    if raw.isdigit():
        return raw
    c.warn_once(
        "badid",
        line,
        f"tweet id {shown(raw)} is not a tweet id (rounded by a spreadsheet?); "
        "a stable id was made from the row instead (and for later such rows)",
    )
    return stable_id("tags", *parts)


def _archiver(rec: dict[str, str], line: int, c: Collector) -> None:
    screen = rec.get("Screen Name", "").strip().lstrip("@")
    if not screen:
        c.skip(line, "row without a screen name (no author); skipped")
        return
    ts = _local(rec.get("Date", ""))
    if ts is None:
        c.skip(line, f"date {shown(rec.get('Date', ''))} not understood; row skipped")
        return
    body = unescape_x(rec.get("Tweet Text", ""))
    tid = _tweet_id(rec.get("Tweet ID", ""), line, c, screen, rec.get("Date", ""), body)
    given = [*rec.get("Link(s)", "").split(), *rec.get("Media", "").split()]
    c.add(
        line,
        id=tid,
        platform="x",
        ts=c.localize(ts, line),
        text=body,
        author=Author(id=screen.lower(), handle="@" + screen, name=rec.get("Full Name", "").strip()),
        is_repost=body.startswith("RT @"),
        likes=as_int(rec.get("Favorites")),
        url=tweet_url(screen, tid) if tid.isdigit() else None,
        mentions=unique(x_mentions_in(body)),
        links=unique([*links_in(body), *(u for u in given if u.startswith(("http:", "https:")))]),
        attachments=attachments_at(rec.get("Media", "").split()),
    )


def _classic(rec: dict[str, str], line: int, c: Collector) -> None:
    screen = rec.get("from_user", "").strip().lstrip("@")
    if not screen:
        c.skip(line, "row without from_user (no author); skipped")
        return
    try:
        ts: datetime | None = datetime.strptime(rec.get("created_at", "").strip(), _V1_DATE)
    except ValueError:
        ts = _local(rec.get("time", ""))
    if ts is None:
        c.skip(line, f"created_at {shown(rec.get('created_at', ''))} not understood; row skipped")
        return
    body = unescape_x(rec.get("text", ""))
    tid = _tweet_id(rec.get("id_str", ""), line, c, screen, rec.get("created_at", ""), body)
    mentions, links = _entities(rec.get("entities_str", ""))
    c.add(
        line,
        id=tid,
        platform="x",
        ts=c.localize(ts, line),
        text=body,
        author=Author(
            id=id_str(rec.get("from_user_id_str")) or screen.lower(),
            handle="@" + screen,
            name=rec.get("from_user_name", rec.get("user_name", "")).strip(),
        ),
        reply_to=id_str(rec.get("in_reply_to_status_id_str")),
        is_repost=body.startswith("RT @"),
        likes=as_int(rec.get("favorite_count")),
        url=id_str(rec.get("status_url")) or (tweet_url(screen, tid) if tid.isdigit() else None),
        mentions=unique(mentions or x_mentions_in(body)),
        links=unique(links or links_in(body)),
    )
