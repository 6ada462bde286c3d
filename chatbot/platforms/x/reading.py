"""What a session reads on X, and how much: recent search after a cursor, page after page, for the
poller and for history; the pages history serves from what it read; the queued questions' likes;
the read budget that stops all of it. The adapter (``chatbot.platforms.x.adapter``) holds the one
lock every reading takes."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from chatbot.clock import Clock
from chatbot.core.events import Tallied
from chatbot.core.model import Author, Message
from chatbot.platforms.base import PlatformError
from chatbot.platforms.x.client import XApi
from chatbot.platforms.x.parse import (
    EXPANSIONS,
    FIELDS,
    MEDIA_FIELDS,
    USER_FIELDS,
    id_at,
    iso_z,
    like_counts,
    messages,
)
from chatbot.platforms.x.settings import XSettings

log = logging.getLogger("chatbot.platforms.x")

LIKE = "like"  # the vote on X
KEEP = 5000  # posts kept in memory for history pages


class ReadBudgetReached(PlatformError):
    """The session read as many posts as its ``read_budget`` allows."""


class Reader:
    """One session's reading (see the module docstring)."""

    def __init__(
        self, api: XApi, settings: XSettings, *, hashtag: str, clock: Clock, session_id: str
    ) -> None:
        self.api = api
        self.settings = settings
        self.hashtag = hashtag
        self.clock = clock
        self.session_id = session_id
        self.me: Author | None = None  # the bot, once connected
        self.hosts: set[str] = set()  # the hosts' X user ids
        self.since: str | None = None  # the newest post id read: the poller goes on after it
        self.origin = clock.now()  # a session's history starts here
        self.watched: set[str] = set()  # the pending questions whose likes are read
        self.next_likes = clock.now()
        self.out_of_budget = False
        self._likes: dict[str, int] = {}
        self._cache: list[Message] = []  # what history read, oldest first, with no gaps...
        self._cache_after = ""  # ...after this cursor

    def query(self) -> str:
        """The chat's posts, the bot's own and the replies to it (a reply to a prompt answers it,
        with or without the tag)."""
        bot = f" OR from:{self.me.id} OR to:{self.me.id}" if self.me is not None else ""
        return f"({self.hashtag}{bot})" + ("" if self.settings.retweets else " -is:retweet")

    def author_of(self, user_id: str, user: Mapping[str, Any] | None) -> Author:
        """The author as X says today (people rename themselves; their id stays), the bot as
        itself, and a host vouched for by id (``is_host``: still a host after a rename)."""
        if self.me is not None and user_id == self.me.id:
            return self.me
        handle = "@" + str(user["username"]) if user and user.get("username") else user_id
        name = str(user.get("name") or "") if user else ""
        return Author(user_id, handle, name, is_host=user_id in self.hosts)

    # -- the budget ---------------------------------------------------------------------------------
    def left(self) -> int:
        return self.settings.read_budget - self.api.spend.reads

    def room(self, wanted: int) -> int:
        """How many of ``wanted`` posts the read budget still allows (ReadBudgetReached when not
        even a page of 10, the least X serves)."""
        left = self.left()
        if left < min(wanted, 10):
            raise ReadBudgetReached(f"x: {self.api.spend.reads} of {self.settings.read_budget} posts read")
        return min(wanted, left)

    def budget_spent(self) -> None:
        """The read budget is spent: no more reading this session (posting goes on)."""
        if not self.out_of_budget:
            self.out_of_budget = True
            log.error(
                "event=x_read_budget_reached session=%s read_budget=%d %s action=stop_reading",
                self.session_id,
                self.settings.read_budget,
                self.api.spend.summary(),
            )

    # -- reading ------------------------------------------------------------------------------------
    async def read_after(
        self, since: str, cap: int, *, until: datetime | None = None
    ) -> tuple[list[Message], bool, str | None]:
        """Posts of the chat newer than ``since`` (and older than ``until``): newest first, page
        after page, at most ``cap``; returned oldest first, with whether the pages reached
        ``since``, and the newest id."""
        params: dict[str, Any] = {
            "query": self.query(),
            "since_id": since,
            "tweet_fields": FIELDS,
            "expansions": EXPANSIONS,
            "media_fields": MEDIA_FIELDS,
            "user_fields": USER_FIELDS,
        }
        if until is not None:
            params["end_time"] = iso_z(until)
        found: list[Message] = []
        newest: str | None = None
        token: str | None = None
        while len(found) < cap:
            try:
                size = self.room(min(self.settings.page_size, max(cap - len(found), 10)))
            except ReadBudgetReached:
                if not found:
                    raise
                break  # what was read is kept: the budget stops the next reading
            body = await self.api.search({**params, "max_results": size, "next_token": token})
            meta = body.get("meta") or {}
            newest = newest or meta.get("newest_id")
            found.extend(messages(body, channel=self.hashtag, author_of=self.author_of))
            token = meta.get("next_token")
            if not token:
                return sorted(found, key=lambda m: int(m.id)), True, newest
        return sorted(found, key=lambda m: int(m.id)), False, newest

    async def poll(self) -> list[Message]:
        """What was said since the last poll, as far as X has had time to index it (a post it
        shows late would otherwise fall behind ``since_id``)."""
        since = self.since or id_at(self.origin)
        cap = self.settings.page_size * self.settings.max_pages
        settled = self.clock.now() - timedelta(seconds=self.settings.settle_seconds)
        found, complete, newest = await self.read_after(since, cap, until=settled)
        if newest:
            self.since = newest
        if not complete and self.left() < 10:
            self.budget_spent()
        elif not complete:
            log.warning(
                "event=x_burst_cut session=%s read=%d max_pages=%d: older posts of the burst are not read",
                self.session_id,
                len(found),
                self.settings.max_pages,
            )
        return found

    async def catch_up(self, cap: int) -> list[Message]:
        """Everything since the newest post read (or the session's start), up to now."""
        found, _, _ = await self.read_after(self.since or id_at(self.origin), cap)
        self.heard(found)
        return found

    def heard(self, posts: list[Message]) -> None:
        """Posts read another way (the stream): the newest is where reading goes on."""
        for m in posts:
            self.since = max(self.since or m.id, m.id, key=int)

    async def likes(self) -> list[Tallied]:
        """The watched questions' like counts that changed, when they are due."""
        now = self.clock.now()
        if not self.settings.likes_seconds or not self.watched or now < self.next_likes:
            return []
        self.next_likes = now + timedelta(seconds=self.settings.likes_seconds)
        ids = sorted(self.watched, key=int)
        out: list[Tallied] = []
        for i in range(0, len(ids), 100):
            batch = ids[i : i + 100]
            batch = batch[: self.room(len(batch))]
            counts = like_counts(await self.api.lookup(batch, ["public_metrics"]))
            for pid, count in counts.items():
                if self._likes.get(pid) != count:
                    self._likes[pid] = count
                    out.append(Tallied("x", pid, LIKE, count, now))
        return out

    # -- history pages --------------------------------------------------------------------------------
    async def page_after(self, cursor: str, limit: int, budget: int) -> list[Message]:
        """Up to ``limit`` posts after ``cursor``, oldest first, from what was read after it
        (reading what it does not cover: at most ``budget`` posts a time)."""
        start = self._in_cache(cursor)
        newest: str | None = None
        if start is None:
            found, complete, newest = await self.read_after(cursor, budget)
            self._cache, self._cache_after = found, cursor
            if not complete:
                log.warning(
                    "event=history_budget_reached session=%s platform=x read=%d during=history",
                    self.session_id,
                    len(found),
                )
            self._settled(cursor, found, complete)
        elif len(self._cache) - start < limit:  # read what came after the cache, if anything
            last = self._cache[-1].id if self._cache else self._cache_after
            more, complete, newest = await self.read_after(last, budget)
            self._cache.extend(more)
            self._settled(last, more, complete)
        if self.since is None and newest:  # after a restart: the poller goes on from here
            self.since = newest
        del self._cache[: max(0, len(self._cache) - KEEP)]
        start = self._in_cache(cursor) or 0
        return self._cache[start : start + limit]

    def _settled(self, after: str, found: list[Message], complete: bool) -> None:
        """History read everything after ``after`` (``complete``), from no later than where the
        poller stands: the posts it read that X has surely indexed (``settle_seconds`` old, and so
        is every post before them) are where the poller goes on, so that it reads none twice (the
        session's last read, after the closing, reads the chat's last posts this way)."""
        if not complete or self.since is None or int(after) > int(self.since):
            return
        line = self.clock.now() - timedelta(seconds=self.settings.settle_seconds)
        self.heard([m for m in found if m.ts <= line])

    def _in_cache(self, cursor: str) -> int | None:
        """Where the posts after ``cursor`` start in the cache; None when it does not cover it."""
        if cursor == self._cache_after:
            return 0
        for i, m in enumerate(self._cache):
            if m.id == cursor:
                return i + 1
        return None
