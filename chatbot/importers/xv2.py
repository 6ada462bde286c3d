"""X API v2: a saved ``GET /2/tweets/search/recent`` page, a JSON list of pages, or twarc2 JSON Lines.

Only ``data`` becomes messages; ``includes.tweets`` (or ``includes.posts``) are referenced posts, not
results. Both the "tweet" and the newer "post" field names are accepted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

from chatbot.core.model import Attachment, Author
from chatbot.importers._common import (
    Collector,
    as_int,
    attachment,
    id_str,
    links_in,
    tweet_url,
    unescape_x,
    unique,
    x_mentions_in,
)
from chatbot.importers.jsonl import json_units

_REPOST = {"retweeted", "reposted"}


def hashtag_of(twarc: object) -> str | None:
    """The first hashtag of the search query twarc recorded (``query=%23brexit`` -> ``#brexit``)."""
    if not isinstance(twarc, dict) or not isinstance(twarc.get("url"), str):
        return None
    for query in parse_qs(urlparse(twarc["url"]).query).get("query", []):
        for word in query.split():
            if word.startswith("#") and len(word) > 1:
                return word
    return None


def _media(t: dict[str, Any], media: dict[str, dict[str, Any]]) -> tuple[Attachment, ...]:
    """The post's photos, videos and GIFs: ``attachments.media_keys`` looked up in ``includes.media``
    (or the media objects twarc2 flattened into the post). A video is known by its preview image."""
    found = (t.get("attachments") or {}) if isinstance(t.get("attachments"), dict) else {}
    items = [media.get(str(k)) for k in found.get("media_keys") or []]
    items += [x for x in found.get("media") or [] if isinstance(x, dict)]
    out = []
    for x in items:
        url = str((x or {}).get("url") or (x or {}).get("preview_image_url") or "")
        if x and url:
            out.append(attachment(url))
    return tuple(out)


def _post(
    t: dict[str, Any],
    users: dict[str, dict[str, Any]],
    line: int | None,
    c: Collector,
    media: dict[str, dict[str, Any]] | None = None,
) -> None:
    tid = id_str(t.get("id"))
    if not tid:
        c.skip(line, "post without an id; skipped")
        return
    author_id = id_str(t.get("author_id")) or id_str((t.get("author") or {}).get("id"))
    if not author_id:
        c.skip(line, f"post {tid} has no author_id; skipped")
        return
    try:
        ts = datetime.fromisoformat(str(t.get("created_at")))
    except ValueError:
        c.skip(line, f"post {tid} has no valid created_at (request tweet.fields=created_at); skipped")
        return
    user = users.get(author_id) or (t.get("author") if isinstance(t.get("author"), dict) else None)
    if user and user.get("username"):
        author = Author(id=author_id, handle="@" + str(user["username"]), name=str(user.get("name") or ""))
    else:
        c.warn_once(
            "nouser",
            line,
            f"post {tid}: author {author_id} is not in includes.users; "
            "the user id stands in for the handle (and so for other such posts)",
        )
        author = Author(id=author_id, handle=author_id)
    note = t.get("note_tweet") or t.get("note_post")
    note = note if isinstance(note, dict) and note.get("text") else None
    text = unescape_x(str((note or t).get("text") or ""))
    kinds: dict[str, str] = {}
    for ref in t.get("referenced_tweets") or t.get("referenced_posts") or []:
        if isinstance(ref, dict) and id_str(ref.get("id")):
            kinds.setdefault(str(ref.get("type")), str(ref["id"]))
    entities = (note or {}).get("entities") or t.get("entities") or {}
    mentions = ["@" + str(m["username"]) for m in entities.get("mentions") or [] if m.get("username")]
    urls = [str(u.get("expanded_url") or u.get("url") or "") for u in entities.get("urls") or []]
    c.add(
        line,
        id=tid,
        platform="x",
        ts=ts,
        author=author,
        text=text,
        reply_to=kinds.get("replied_to"),
        quote_of=kinds.get("quoted"),
        is_repost=bool(_REPOST & kinds.keys()) or text.startswith("RT @"),
        likes=as_int((t.get("public_metrics") or {}).get("like_count")),
        url=tweet_url(author.handle if author.handle.startswith("@") else "", tid),
        mentions=unique(mentions or x_mentions_in(text)),
        links=unique(urls or links_in(text)),
        attachments=_media(t, media or {}),
    )


def _page(page: dict[str, Any], line: int | None, c: Collector) -> None:
    if c.result.hints.hashtag is None:
        c.result.hints.hashtag = hashtag_of(page.get("__twarc"))
    if "data" not in page and "id" in page:  # a twarc2-flattened post
        c.guard(line, _post, page, {}, line, c)
        return
    includes = page.get("includes") or {}
    users = {str(u.get("id")): u for u in includes.get("users") or [] if isinstance(u, dict)}
    media = {str(m.get("media_key")): m for m in includes.get("media") or [] if isinstance(m, dict)}
    data = page.get("data") or []
    for t in [data] if isinstance(data, dict) else data:
        if isinstance(t, dict):
            c.guard(line, _post, t, users, line, c, media)
        else:
            c.skip(line, "an item of data is not a JSON object; skipped")


def parse(text: str, c: Collector) -> None:
    """Every post in every page; pages or posts that cannot be read are skipped with a warning."""
    for line, unit in json_units(text, c):
        for page in unit if isinstance(unit, list) else [unit]:
            if isinstance(page, dict):
                c.guard(line, _page, page, line, c)
            else:
                c.skip(line, "not a JSON object (an X API v2 page); skipped")
