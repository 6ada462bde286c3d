"""X API v2 answers as plain messages, and what a post id says about its time.

X's ids are snowflakes: the high bits are milliseconds since X's epoch, so an id orders posts by
time and tells how old a cursor is (recent search keeps seven days). Post text comes HTML-escaped
with links rewritten to t.co; the message keeps the text as written (escapes undone, each t.co
link shown as its address). Both the older "tweet" and the newer "post" field names are read.

A post keeps what the importer of saved X API v2 pages (``chatbot.importers.xv2``) keeps of it: its
photos, videos and GIFs (``attachments.media_keys`` looked up in ``includes.media``; a video by its
preview image) and links, and the card X made of a link (``entities.urls[]`` with a ``title`` or
``description``) as an embed whose address is where the link leads (``unwound_url``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from chatbot.core.model import Attachment, Author, Embed, Message
from chatbot.importers._common import attachment, tweet_url, unescape_x, unique, x_mentions_in

X_EPOCH_MS = 1288834974657
FIELDS = [
    "created_at",
    "author_id",
    "conversation_id",
    "referenced_tweets",
    "entities",
    "public_metrics",
    "note_tweet",
    "attachments",
]
EXPANSIONS = ["author_id", "attachments.media_keys"]
MEDIA_FIELDS = ["type", "url", "preview_image_url"]
USER_FIELDS = ["username", "name"]
_HTTP = ("http:", "https:")


def is_post_id(value: str) -> bool:
    return value.isdigit() and 0 < len(value) <= 19


def time_of(post_id: str) -> datetime:
    """When the post with this id was made (X's snowflake)."""
    return datetime.fromtimestamp(((int(post_id) >> 22) + X_EPOCH_MS) / 1000, UTC)


def id_at(when: datetime) -> str:
    """An id just older than any post made at ``when`` (a ``since_id`` for "from this time on")."""
    return str(max((max(int(when.timestamp() * 1000) - X_EPOCH_MS, 0) << 22) - 1, 1))


def iso_z(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def messages(
    body: Mapping[str, Any], *, channel: str, author_of: Callable[[str, Mapping[str, Any] | None], Author]
) -> list[Message]:
    """The posts of one search or lookup answer, oldest first. ``author_of(user_id, user)``
    makes the author (the adapter knows the bot and the hosts by id)."""
    includes = body.get("includes") or {}
    users = {str(u.get("id")): u for u in includes.get("users") or []}
    media = {str(x.get("media_key")): x for x in includes.get("media") or [] if isinstance(x, dict)}
    data = body.get("data") or []
    posts = data if isinstance(data, list) else [data]
    found = [_message(p, users, media, channel, author_of) for p in posts]
    return sorted((m for m in found if m is not None), key=lambda m: int(m.id))


def _message(
    p: Mapping[str, Any],
    users: Mapping[str, Mapping[str, Any]],
    media: Mapping[str, Mapping[str, Any]],
    channel: str,
    author_of: Callable[[str, Mapping[str, Any] | None], Author],
) -> Message | None:
    pid = str(p.get("id") or "")
    if not is_post_id(pid):
        return None
    author = author_of(str(p.get("author_id") or ""), users.get(str(p.get("author_id"))))
    try:
        ts = datetime.fromisoformat(str(p.get("created_at")).replace("Z", "+00:00"))
    except ValueError:
        ts = time_of(pid)
    note = p.get("note_tweet") or p.get("note_post")
    source = note if isinstance(note, dict) and note.get("text") else p
    entities = source.get("entities") or p.get("entities") or {}
    text = unescape_x(str(source.get("text") or ""))
    links, cards = [], []
    for u in entities.get("urls") or []:
        short, full = str(u.get("url") or ""), str(u.get("expanded_url") or u.get("url") or "")
        if short and full and short != full:
            text = text.replace(short, full, 1)
        links.append(full)
        cards.append(_card(u, full))
    refs: dict[str, str] = {}
    for ref in p.get("referenced_tweets") or p.get("referenced_posts") or []:
        refs.setdefault(str(ref.get("type")), str(ref.get("id")))
    mentions = ["@" + str(m["username"]) for m in entities.get("mentions") or [] if m.get("username")]
    return Message(
        id=pid,
        platform="x",
        ts=ts,
        author=author,
        text=text,
        reply_to=refs.get("replied_to"),
        quote_of=refs.get("quoted"),
        is_repost="retweeted" in refs or "reposted" in refs,
        likes=int((p.get("public_metrics") or {}).get("like_count") or 0),
        url=tweet_url(author.handle, pid),
        channel=channel,
        mentions=unique(mentions or x_mentions_in(text)),
        links=unique(links),
        attachments=_media(p, media),
        embeds=tuple(dict.fromkeys(c for c in cards if c is not None)),
    )


def _card(u: Mapping[str, Any], full: str) -> Embed | None:
    """The card X made of a link (its page's title and description), None for a link without one."""
    title, description = str(u.get("title") or "").strip(), str(u.get("description") or "").strip()
    if not (title or description):
        return None
    address = str(u.get("unwound_url") or full)
    return Embed(address if address.startswith(_HTTP) else "", title, description)


def _media(p: Mapping[str, Any], media: Mapping[str, Mapping[str, Any]]) -> tuple[Attachment, ...]:
    """The post's photos, videos and GIFs, as the importer has them (a video by its preview image)."""
    keys = (p.get("attachments") or {}).get("media_keys") or []
    found = [media.get(str(k)) or {} for k in keys]
    urls = [str(x.get("url") or x.get("preview_image_url") or "") for x in found]
    return tuple(attachment(url) for url in urls if url)


def like_counts(body: Mapping[str, Any]) -> dict[str, int]:
    """Post id -> its like count, from a ``GET /2/tweets`` answer with ``public_metrics``."""
    data = body.get("data") or []
    return {
        str(p["id"]): int((p.get("public_metrics") or {}).get("like_count") or 0)
        for p in (data if isinstance(data, list) else [data])
        if p.get("id")
    }
