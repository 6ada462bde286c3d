"""What keeps the web room fair under abuse: rate limits kept per address and per participant
(not per connection, so reconnecting resets nothing), and the room's names (look-alikes refused,
a name released some time after its holder left, unless they said something under it).

Both read time from a function returning seconds (the room's clock), never the system's behind its
back, so tests can hold time still.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chatbot.core.names import likenesses


class RoomError(Exception):
    """A participant's request the room refuses; the text is safe to show them."""


class RoomFull(RoomError):
    """No more connections (for the room, or for one address)."""


@dataclass(frozen=True)
class Rate:
    """``count`` actions, refilled evenly over ``seconds`` (a token bucket)."""

    count: int
    seconds: float

    def __str__(self) -> str:
        return f"{self.count} every {self.seconds:g} s"


class Buckets:
    """Token buckets by key (``("address", "203.0.113.5")``, ``("id", "w1f...")``): a key's bucket
    lives as long as it is in use and is forgotten once it would be full again, so memory follows
    the active senders, not everyone who ever came."""

    def __init__(self, now: Callable[[], float], *, prune_every: int = 1000) -> None:
        self.now = now
        self._buckets: dict[tuple[str, str], tuple[float, float, Rate]] = {}  # key -> (tokens, at, rate)
        self._prune_every = prune_every
        self._takes = 0

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, *wants: tuple[tuple[str, str], Rate]) -> float:
        """One action charged to every key, or to none: 0.0 when taken, else the seconds until
        each of the buckets has room again."""
        now = self.now()
        self._takes += 1
        if self._takes % self._prune_every == 0:
            self.prune()
        levels = [(key, rate, self._level(self._buckets.get(key), rate, now)) for key, rate in wants]
        short = [(1 - tokens) * rate.seconds / rate.count for _, rate, tokens in levels if tokens < 1]
        if short:
            return max(short)
        for key, rate, tokens in levels:
            self._buckets[key] = (tokens - 1, now, rate)
        return 0.0

    def prune(self) -> None:
        """Forget the buckets that are full again (nobody used them for long enough)."""
        now = self.now()
        self._buckets = {k: v for k, v in self._buckets.items() if self._level(v, v[2], now) < v[2].count}

    @staticmethod
    def _level(found: tuple[float, float, Rate] | None, rate: Rate, now: float) -> float:
        if found is None:
            return float(rate.count)
        tokens, at, _ = found
        return min(float(rate.count), tokens + max(0.0, now - at) * rate.count / rate.seconds)


@dataclass
class _Holder:
    author_id: str
    display: str
    left_at: float | None = None  # None while one of their browsers is in the room


class NameBook:
    """Who holds which name in a room, by look-alike keys (``chatbot.core.names.likenesses``).

    The hosts' and the bot's names are reserved. A participant holds their name while a browser of
    theirs is in the room and for ``grace`` seconds after the last one left (a quick reconnect
    keeps it); a name they said something under (``kept``) stays theirs until the chat ends."""

    def __init__(self, grace: float, now: Callable[[], float], kept: Callable[[str], bool]) -> None:
        self.grace = grace
        self.now = now
        self.kept = kept
        self._reserved: dict[str, str] = {}  # likeness -> "host" or "bot"
        self._by_key: dict[str, _Holder] = {}
        self._by_author: dict[str, _Holder] = {}

    def reserve(self, name: str, who: str = "host") -> None:
        for key in likenesses(name):
            self._reserved.setdefault(key, who)

    def reserved_for(self, name: str) -> str | None:
        """``"host"`` or ``"bot"`` when ``name`` looks like theirs."""
        return next((self._reserved[k] for k in sorted(likenesses(name)) if k in self._reserved), None)

    def take(self, author_id: str, display: str, *, host: bool = False) -> None:
        """Give ``display`` to ``author_id``, or refuse with the reason (a ``RoomError``)."""
        keys = likenesses(display)
        if not keys:
            raise RoomError("choose a name with at least one letter or digit")
        who = self.reserved_for(display)
        if who is not None and not host:
            role = "the bot's" if who == "bot" else "the host's"
            raise RoomError(f"{display!r} looks like {role} name, which is reserved for the hosts")
        holders = {id(h): h for k in keys if (h := self._by_key.get(k)) is not None}.values()
        for holder in holders:
            if holder.author_id != author_id and self._holds(holder):
                if holder.display.casefold() == display.casefold():
                    raise RoomError(f"someone here already uses the name {display!r}")
                raise RoomError(f"{display!r} looks like the name of someone here ({holder.display!r})")
        mine = self._by_author.get(author_id)
        if mine is not None and not likenesses(mine.display) & keys:
            if self.kept(author_id):
                raise RoomError("you keep the name you first posted with until the chat ends")
            self._drop(mine)
        for holder in list(holders):
            self._drop(holder)  # theirs ran out (or it is this participant's own, taken again)
        if host:
            self._reserved.update(dict.fromkeys(keys, "host"))
            return
        holder = self._by_author[author_id] = _Holder(author_id, display)
        self._by_key.update(dict.fromkeys(keys, holder))

    def restore(self, author_id: str, display: str) -> None:
        """``author_id`` held ``display`` before a restart (and said something under it)."""
        keys = likenesses(display)
        if keys and self.reserved_for(display) is None and not keys & self._by_key.keys():
            holder = self._by_author.setdefault(author_id, _Holder(author_id, display, left_at=self.now()))
            self._by_key.update(dict.fromkeys(keys, holder))

    def arrived(self, author_id: str) -> None:
        holder = self._by_author.get(author_id)
        if holder is not None:
            holder.left_at = None

    def left(self, author_id: str) -> None:
        """The last browser of ``author_id`` left: their name is free ``grace`` seconds from now
        (unless they said something under it)."""
        holder = self._by_author.get(author_id)
        if holder is not None:
            holder.left_at = self.now()
        if len(self._by_author) > 10_000:  # forget the names whose hold ran out
            for gone in [h for h in self._by_author.values() if not self._holds(h)]:
                self._drop(gone)

    def _holds(self, holder: _Holder) -> bool:
        return (
            self.kept(holder.author_id) or holder.left_at is None or self.now() - holder.left_at < self.grace
        )

    def _drop(self, holder: _Holder) -> None:
        for key in likenesses(holder.display):
            if self._by_key.get(key) is holder:
                del self._by_key[key]
        if self._by_author.get(holder.author_id) is holder:
            del self._by_author[holder.author_id]
