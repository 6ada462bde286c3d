"""What the fake X API keeps: users, posts with snowflake ids, and recent search's query language.

Posts are kept in id order. Ids are snowflakes as X makes them (milliseconds since X's epoch in
the high bits), so an id tells its time and ``since_id`` means "newer than". Recent search sees the
last seven days. The query language is the part a hashtag chat uses: words, ``#tags``, ``"phrases"``,
``from:``, ``to:``, ``is:retweet|reply|quote``, ``-`` negation, ``OR`` and parentheses, AND by juxtaposition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from chatbot.clock import Clock

X_EPOCH_MS = 1288834974657
RECENT = timedelta(days=7)
_TAG = re.compile(r"(?<![\w#&])[#＃](\w+)")
_MENTION = re.compile(r"(?<![\w@])@(\w{1,15})")
_LINK = re.compile(r"https?://\S+")
_WORD = re.compile(r"[\w#@]+")


def snowflake_at(when: datetime, seq: int = 0) -> int:
    return (int(when.timestamp() * 1000) - X_EPOCH_MS) << 22 | (seq & 0x3FFFFF)


def time_of(snowflake: int) -> datetime:
    return datetime.fromtimestamp(((snowflake >> 22) + X_EPOCH_MS) / 1000, UTC)


def iso_z(when: datetime) -> str:
    """X's time format: ``2026-11-24T21:05:00.000Z``."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


@dataclass
class User:
    id: str
    username: str
    name: str


@dataclass
class Post:
    id: int
    author: User
    text: str
    created_at: datetime
    reply_to: int | None = None
    quote_of: int | None = None
    retweet_of: int | None = None
    likes: int = 0
    deleted: bool = False
    reply_to_user: User | None = None
    shown_at: datetime | None = None  # when search shows it (X indexes with a delay)
    media: list[dict[str, str]] = field(default_factory=list)  # X media objects: media_key, type, url...

    @property
    def tags(self) -> set[str]:
        return {t.casefold() for t in _TAG.findall(self.text)}

    @property
    def words(self) -> set[str]:
        return {w.casefold() for w in _WORD.findall(self.text)}

    def mentions(self) -> list[tuple[int, int, str]]:
        return [(m.start(), m.end(), m.group(1)) for m in _MENTION.finditer(self.text)]

    def links(self) -> list[tuple[int, int, str]]:
        return [(m.start(), m.end(), m.group()) for m in _LINK.finditer(self.text)]


@dataclass
class Timeline:
    """Every post, in id order, with the clock that stamps new ones."""

    clock: Clock
    users: dict[str, User] = field(default_factory=dict)
    posts: list[Post] = field(default_factory=list)
    _last: int = 0

    def user(self, username: str, name: str = "", *, id: str | None = None) -> User:
        uid = id or str(1_000_000 + len(self.users) + 1)
        u = User(uid, username.lstrip("@"), name or username.lstrip("@").title())
        self.users[uid] = u
        return u

    def by_username(self, username: str) -> User | None:
        key = username.lstrip("@").casefold()
        return next((u for u in self.users.values() if u.username.casefold() == key), None)

    def add(self, author: User, text: str, **refs: int | None) -> Post:
        now = self.clock.now()
        pid = max(snowflake_at(now), self._last + 1)
        self._last = pid
        post = Post(pid, author, text, now, **refs)  # type: ignore[arg-type]
        parent = self.get(post.reply_to) if post.reply_to else None
        post.reply_to_user = parent.author if parent else None
        self.posts.append(post)
        return post

    def get(self, pid: int) -> Post | None:
        return next((p for p in self.posts if p.id == pid and not p.deleted), None)

    def recent(self) -> list[Post]:
        """What recent search can see: the last seven days, indexed, not deleted, newest first."""
        now = self.clock.now()
        return [
            p
            for p in reversed(self.posts)
            if not p.deleted and p.created_at >= now - RECENT and (p.shown_at or p.created_at) <= now
        ]


# -- the query language ------------------------------------------------------------------------
class QueryError(ValueError):
    """A query recent search would refuse."""


def parse_query(query: str) -> Node:
    tokens = re.findall(r'"[^"]*"|\(|\)|-?[^\s()"]+', query)
    node, rest = _or(tokens)
    if rest:
        raise QueryError(f"unexpected {rest[0]!r}")
    return node


Node = tuple[str, object]


def _or(tokens: list[str]) -> tuple[Node, list[str]]:
    left, tokens = _and(tokens)
    options = [left]
    while tokens and tokens[0] == "OR":
        right, tokens = _and(tokens[1:])
        options.append(right)
    return (("or", options) if len(options) > 1 else left), tokens


def _and(tokens: list[str]) -> tuple[Node, list[str]]:
    terms: list[Node] = []
    while tokens and tokens[0] not in (")", "OR"):
        tok, tokens = tokens[0], tokens[1:]
        if tok in ("(", "-("):
            inner, tokens = _or(tokens)
            if not tokens or tokens[0] != ")":
                raise QueryError("unbalanced parentheses")
            tokens = tokens[1:]
            terms.append(("not", inner) if tok == "-(" else inner)
        elif tok.startswith("-"):
            terms.append(("not", ("term", tok[1:])))
        else:
            terms.append(("term", tok))
    if not terms:
        raise QueryError("empty query or group")
    return (("and", terms) if len(terms) > 1 else terms[0]), tokens


def matches(node: Node, post: Post) -> bool:
    kind, value = node
    if kind == "and":
        return all(matches(n, post) for n in value)  # type: ignore[attr-defined]
    if kind == "or":
        return any(matches(n, post) for n in value)  # type: ignore[attr-defined]
    if kind == "not":
        return not matches(value, post)  # type: ignore[arg-type]
    term = str(value)
    low = term.casefold()
    if low.startswith("#"):
        return low[1:] in post.tags
    if low.startswith("from:"):
        who = low[5:].lstrip("@")
        return who in (post.author.username.casefold(), post.author.id)
    if low.startswith("to:"):
        return post.reply_to_user is not None and low[3:].lstrip("@") in (
            post.reply_to_user.username.casefold(),
            post.reply_to_user.id,
        )
    if low == "is:retweet":
        return post.retweet_of is not None
    if low == "is:reply":
        return post.reply_to is not None
    if low == "is:quote":
        return post.quote_of is not None
    if low.startswith('"'):
        return low.strip('"') in post.text.casefold()
    return low in post.words
