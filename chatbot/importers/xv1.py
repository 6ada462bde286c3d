"""X API v1.1 "original format" tweets: one JSON object per line (also a list, or ``{"statuses": [...]}``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chatbot.core.model import Author
from chatbot.importers._common import (
    Collector,
    as_int,
    id_str,
    links_in,
    shown,
    tweet_url,
    unescape_x,
    unique,
    x_mentions_in,
)
from chatbot.importers.jsonl import json_units

_CREATED = "%a %b %d %H:%M:%S %z %Y"  # Tue Jul 18 23:25:04 +0000 2017


def _tweet(t: dict[str, Any], line: int | None, c: Collector) -> None:
    if "id_str" not in t and "id" not in t and ("delete" in t or "limit" in t or "scrub_geo" in t):
        return  # stream notices, not tweets
    tid = id_str(t.get("id_str")) or id_str(t.get("id"))
    if not tid:
        c.skip(line, "tweet without an id; skipped")
        return
    user = t.get("user")
    if not isinstance(user, dict) or not (id_str(user.get("id_str")) or id_str(user.get("id"))):
        c.skip(line, f"tweet {tid} has no user; skipped")
        return
    user_id = id_str(user.get("id_str")) or str(user.get("id"))
    screen = str(user.get("screen_name") or "")
    author = Author(id=user_id, handle="@" + screen if screen else user_id, name=str(user.get("name") or ""))
    try:
        ts = datetime.strptime(str(t.get("created_at")), _CREATED)
    except ValueError:
        c.skip(line, f"tweet {tid}: created_at {shown(t.get('created_at'))} is not a v1.1 date; skipped")
        return
    ext = t.get("extended_tweet") if isinstance(t.get("extended_tweet"), dict) else None
    text = unescape_x(str((ext or {}).get("full_text") or t.get("full_text") or t.get("text") or ""))
    entities = (ext or {}).get("entities") or t.get("entities") or {}
    mentioned = entities.get("user_mentions") or []
    mentions = ["@" + str(m["screen_name"]) for m in mentioned if m.get("screen_name")]
    urls = [str(u.get("expanded_url") or u.get("url") or "") for u in entities.get("urls") or []]
    quoted: dict[str, Any] = t["quoted_status"] if isinstance(t.get("quoted_status"), dict) else {}
    c.add(
        line,
        id=tid,
        platform="x",
        ts=ts,
        author=author,
        text=text,
        reply_to=id_str(t.get("in_reply_to_status_id_str")) or id_str(t.get("in_reply_to_status_id")),
        quote_of=id_str(t.get("quoted_status_id_str")) or id_str(quoted.get("id_str")),
        is_repost=bool(t.get("retweeted_status")) or text.startswith("RT @"),
        likes=as_int(t.get("favorite_count")),
        url=tweet_url(screen, tid),
        mentions=unique(mentions or x_mentions_in(text)),
        links=unique(urls or links_in(text)),
    )


def parse(text: str, c: Collector) -> None:
    """Every tweet; one that cannot be read is skipped with a warning."""
    for line, unit in json_units(text, c):
        if isinstance(unit, dict) and isinstance(unit.get("statuses"), list):
            unit = unit["statuses"]
        for tweet in unit if isinstance(unit, list) else [unit]:
            if isinstance(tweet, dict):
                c.guard(line, _tweet, tweet, line, c)
            else:
                c.skip(line, "not a JSON object (a v1.1 tweet); skipped")
