"""The session's X account as a ``Platform``: recent search for hearing, posts for speaking.

Hearing: every ``poll_seconds`` while the chat is on (every ``idle_poll_seconds`` before and after
it) recent search asks for the hashtag's posts (and the bot's own) newer than the newest heard and
older than ``settle_seconds`` (what X has indexed: a post shown late would fall behind the cursor),
following ``next_token`` pages so that a burst after a prompt is heard whole (up to ``max_pages``),
and yields them oldest first. The queued questions' likes are read in batches of 100
(``GET /2/tweets`` with ``public_metrics``) every ``likes_seconds`` and yielded as ``Tallied``.

History (the runner's catch-up after a restart, the ledger's lookup of a post) reads recent search
after the cursor, newest first, at most ``history_budget`` posts per reading, and serves the
runner's oldest-first pages from what it read. A cursor that is not an X id, or older than the
seven days recent search keeps, is ``UnknownCursor``. After a restart the first catch-up also
tells the poller where to go on from, so nothing is read twice.

Every read counts against the session's ``read_budget`` (kept in the archive across restarts);
when it is spent the bot stops reading and says so in the logs, and goes on posting.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from chatbot.clock import Clock
from chatbot.core.engine import handle_key
from chatbot.core.events import Event, Tallied
from chatbot.core.model import Author, Message
from chatbot.platforms.base import EphemeralUnsupported, PlatformError, UnknownCursor
from chatbot.platforms.x.client import Refused, XApi
from chatbot.platforms.x.limits import WINDOW
from chatbot.platforms.x.parse import FIELDS, id_at, is_post_id, iso_z, like_counts, messages, time_of
from chatbot.platforms.x.settings import XSettings
from chatbot.platforms.x.stream import Stream, stream_events

log = logging.getLogger("chatbot.platforms.x")

LIKE = "like"  # the vote on X
RECENT = timedelta(days=7, minutes=-5)  # how far back recent search reaches (with a margin)
LIVE_BEFORE = timedelta(minutes=10)  # polling goes fast this long before the start...
LIVE_AFTER = timedelta(minutes=30)  # ...and stays fast this long after the planned end
KEEP = 5000  # posts kept in memory for history pages


class ReadBudgetReached(PlatformError):
    """The session read as many posts as its ``read_budget`` allows."""


class XPlatform:
    """One session on X (``chatbot.platforms.base.Platform``, and ``CountsVotes``)."""

    name = "x"
    supports_threads = True
    supports_reactions = False  # likes come as counts (Tallied), not as who liked
    supports_edits = False
    supports_deletions = False
    supports_ephemeral = False
    supports_commands = False
    echoes_own_posts = True  # the bot's posts come back in search
    vote_emoji = LIKE

    def __init__(
        self,
        api: XApi,
        settings: XSettings,
        *,
        hashtag: str,
        hosts: Sequence[str] = (),
        live: tuple[datetime, datetime],
        clock: Clock,
        session_id: str = "",
    ) -> None:
        from chatbot.platforms.x import DESCRIPTION

        self.post_limits = DESCRIPTION.post_limits
        self.max_length = self.post_limits.max_length
        self.history_budget = settings.history_budget
        self.api = api
        self.settings = settings
        self.hashtag = hashtag
        self.clock = clock
        self.session_id = session_id
        self.live = (live[0] - LIVE_BEFORE, live[1] + LIVE_AFTER)
        self.me: Author | None = None
        self._host_handles = [h for h in hosts if not h.casefold().startswith("id:")]
        # the hosts' X user ids: named so in the config (id:783214), or found by handle at start
        self._hosts = {h[3:].strip() for h in hosts if h.casefold().startswith("id:")}
        self._since: str | None = None  # the newest post id read: the poller goes on after it
        self._origin = clock.now()  # a session's history starts here (see start)
        self._reading = asyncio.Lock()
        self._stopped = asyncio.Event()
        self._started = False
        self._cache: list[Message] = []  # what history read, oldest first, with no gaps...
        self._cache_after = ""  # ...after this cursor
        self._watched: set[str] = set()
        self._likes: dict[str, int] = {}
        self._next_likes = clock.now()
        self._out_of_budget = False
        self._rng = random.Random()
        self.stream = Stream(api, session_id=session_id) if settings.stream else None

    # -- lifetime ------------------------------------------------------------------------------
    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        now = self.clock.now()  # a first start before the chat reads nothing older; a late one, the chat
        self._origin = max(min(now, self.live[0]), now - RECENT)
        await self.api.open()
        try:
            await self._connect()
        except BaseException:  # credentials refused, X down: nothing is left open
            await self.api.close()
            raise

    async def _connect(self) -> None:
        """Who the bot is on X, and the ids of the hosts the config names by handle."""
        data = (await self.api.me())["data"]
        self.me = Author(
            str(data["id"]), "@" + str(data["username"]), str(data.get("name") or ""), is_bot=True
        )
        if self._host_handles:
            names = [h.lstrip("@") for h in self._host_handles]
            found = await self.api.users_by(names)
            self._hosts |= {str(u["id"]) for u in found.get("data") or []}
            missing = {handle_key(h) for h in names} - {
                handle_key(u["username"]) for u in found.get("data") or []
            }
            if missing:
                log.warning(
                    "event=x_hosts_not_found session=%s handles=%s",
                    self.session_id,
                    ",".join(sorted(missing)),
                )
        if self.stream is not None:
            await self.stream.set_rule(self.query())
        log.info(
            "event=x_connected session=%s account=%s hosts_known_by_id=%d %s",
            self.session_id,
            self.me.handle,
            len(self._hosts),
            self.api.spend.summary(),
        )

    async def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        await self.api.close()
        log.info("event=x_spend session=%s %s", self.session_id, self.api.spend.summary())

    async def identity(self) -> Author:
        if self.me is None:
            raise PlatformError("x: not started")
        return self.me

    # -- hearing -------------------------------------------------------------------------------
    async def events(self) -> AsyncIterator[Event]:
        if self.me is None:
            raise PlatformError("x: not started")
        if self.stream is not None:
            async for ev in stream_events(self, self.stream, self._rng):
                yield ev
            return
        due = self.clock.now()
        while await self.pause_until(due):
            due = self.clock.now() + timedelta(seconds=self.interval())
            if self._out_of_budget:
                continue
            try:
                async with self._reading:
                    heard = await self._poll()
                    tallies = await self._read_likes()
            except ReadBudgetReached:
                self._budget_spent()
                continue
            for m in heard:
                yield m
            for t in tallies:
                yield t

    def interval(self) -> float:
        """Seconds to the next search: fast while the chat is on, slow before and after; never
        faster than the search limit allows over 15 minutes (spread out, not spent and then
        stalled)."""
        now = self.clock.now()
        on = self.live[0] <= now <= self.live[1]
        wanted = self.settings.poll_seconds if on else self.settings.idle_poll_seconds
        return max(wanted, WINDOW.total_seconds() / self.api.windows["search"].limit)

    def watch_votes(self, message_ids: Collection[str]) -> None:
        """The runner's pending questions heard on X: their likes are read from now on."""
        self._watched = {i for i in message_ids if is_post_id(i)}

    # -- what the stream asks of the adapter (chatbot.platforms.x.stream) ----------------------------
    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    async def catch_up(self) -> list[Message]:
        """What was said since the newest post heard (or the session's start), all of it up to
        now: the stream then goes on from its connection."""
        if self._out_of_budget:
            return []
        async with self._reading:
            try:
                found, _, newest = await self._read_after(
                    self._since or id_at(self._origin), self.history_budget
                )
            except ReadBudgetReached:
                self._budget_spent()
                return []
        if newest:
            self._since = max(self._since or newest, newest, key=int)
        return found

    async def read_likes(self) -> list[Tallied]:
        async with self._reading:
            try:
                return await self._read_likes()
            except ReadBudgetReached:
                self._budget_spent()
                return []

    def heard_on_stream(self, heard: list[Message]) -> None:
        """Posts the stream carried: counted (and against the read budget), the newest kept."""
        self.api.count("stream", len(heard))
        for m in heard:
            self._since = max(self._since or m.id, m.id, key=int)
        if self._left() <= 0:
            self._budget_spent()

    async def next_of(self, queue: asyncio.Queue[Any]) -> tuple[str, Any]:
        """The stream's next item; ("likes", None) when the likes are due first; ("stop", None)
        when the adapter stops or the read budget is spent."""
        if self.stopped or self._out_of_budget:
            return ("stop", None)
        waits: dict[asyncio.Future[Any], str] = {
            asyncio.ensure_future(queue.get()): "item",
            asyncio.ensure_future(self._stopped.wait()): "stop",
        }
        if self.settings.likes_seconds and self._watched:
            waits[asyncio.ensure_future(self.clock.sleep_until(self._next_likes))] = "likes"
        try:
            done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for f in waits:
                f.cancel()
            await asyncio.gather(*waits, return_exceptions=True)
        first = min(done, key=lambda f: ("item", "stop", "likes").index(waits[f]))
        what = waits[first]
        if what == "item":
            item: tuple[str, Any] = first.result()
            return item
        return (what, None)

    async def pause_until(self, when: datetime) -> bool:
        """Wait on the clock until ``when``; False when stopped meanwhile."""
        if self._stopped.is_set():
            return False
        sleep = asyncio.ensure_future(self.clock.sleep_until(when))
        stop = asyncio.ensure_future(self._stopped.wait())
        try:
            await asyncio.wait({sleep, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for f in (sleep, stop):
                f.cancel()
            await asyncio.gather(sleep, stop, return_exceptions=True)
        return not self._stopped.is_set()

    async def _poll(self) -> list[Message]:
        since = self._since or id_at(self._origin)
        cap = self.settings.page_size * self.settings.max_pages
        # what X has had time to index: a post it shows late would otherwise fall behind since_id
        settled = self.clock.now() - timedelta(seconds=self.settings.settle_seconds)
        found, complete, newest = await self._read_after(since, cap, until=settled)
        if newest:
            self._since = newest
        if not complete and self._left() < 10:
            self._budget_spent()
        elif not complete:
            log.warning(
                "event=x_burst_cut session=%s read=%d max_pages=%d: older posts of the burst are not read",
                self.session_id,
                len(found),
                self.settings.max_pages,
            )
        return found

    def _budget_spent(self) -> None:
        """The read budget is spent: no more reading this session (posting goes on)."""
        if not self._out_of_budget:
            self._out_of_budget = True
            log.error(
                "event=x_read_budget_reached session=%s read_budget=%d %s action=stop_reading",
                self.session_id,
                self.settings.read_budget,
                self.api.spend.summary(),
            )

    async def _read_likes(self) -> list[Tallied]:
        now = self.clock.now()
        if not self.settings.likes_seconds or not self._watched or now < self._next_likes:
            return []
        self._next_likes = now + timedelta(seconds=self.settings.likes_seconds)
        ids = sorted(self._watched, key=int)
        out: list[Tallied] = []
        for i in range(0, len(ids), 100):
            batch = ids[i : i + 100]
            batch = batch[: self._room(len(batch))]
            counts = like_counts(await self.api.lookup(batch, ["public_metrics"]))
            for pid, count in counts.items():
                if self._likes.get(pid) != count:
                    self._likes[pid] = count
                    out.append(Tallied(self.name, pid, LIKE, count, now))
        return out

    # -- history ----------------------------------------------------------------------------------
    async def history(self, *, after: str | None = None, limit: int = 100) -> list[Message]:
        cursor = after if after is not None else id_at(self._origin)
        if not is_post_id(cursor) or time_of(cursor) < self.clock.now() - RECENT:
            raise UnknownCursor(self.name, cursor)
        if limit <= 0:
            return []
        async with self._reading:
            start = self._in_cache(cursor)
            if start is None:
                found, complete, newest = await self._read_after(cursor, self.history_budget)
                self._cache, self._cache_after, start = found, cursor, 0
                if not complete:
                    log.warning(
                        "event=history_budget_reached session=%s platform=x read=%d during=history",
                        self.session_id,
                        len(found),
                    )
            elif len(self._cache) - start < limit:  # read what came after the cache, if anything
                last = self._cache[-1].id if self._cache else self._cache_after
                more, _, newest = await self._read_after(last, self.history_budget)
                self._cache.extend(more)
            else:
                newest = None
            if self._since is None and newest:  # after a restart: the poller goes on from here
                self._since = newest
            del self._cache[: max(0, len(self._cache) - KEEP)]
            start = self._in_cache(cursor) or 0
            return self._cache[start : start + limit]

    def _in_cache(self, cursor: str) -> int | None:
        """Where the posts after ``cursor`` start in the cache; None when it does not cover it."""
        if cursor == self._cache_after:
            return 0
        for i, m in enumerate(self._cache):
            if m.id == cursor:
                return i + 1
        return None

    async def _read_after(
        self, since: str, cap: int, *, until: datetime | None = None
    ) -> tuple[list[Message], bool, str | None]:
        """Posts of the chat newer than ``since`` (and older than ``until``): newest first, page
        after page, at most ``cap``; returned oldest first, with whether the pages reached
        ``since``, and the newest id."""
        params: dict[str, Any] = {
            "query": self.query(),
            "since_id": since,
            "tweet_fields": FIELDS,
            "expansions": ["author_id"],
            "user_fields": ["username", "name"],
        }
        if until is not None:
            params["end_time"] = iso_z(until)
        found: list[Message] = []
        newest: str | None = None
        token: str | None = None
        while len(found) < cap:
            try:
                size = self._room(min(self.settings.page_size, max(cap - len(found), 10)))
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

    def query(self) -> str:
        """The chat's posts, the bot's own and the replies to it (a reply to a prompt answers it,
        with or without the tag)."""
        bot = f" OR from:{self.me.id} OR to:{self.me.id}" if self.me is not None else ""
        return f"({self.hashtag}{bot})" + ("" if self.settings.retweets else " -is:retweet")

    def _left(self) -> int:
        return self.settings.read_budget - self.api.spend.reads

    def _room(self, wanted: int) -> int:
        """How many of ``wanted`` posts the read budget still allows (ReadBudgetReached when not
        even a page of 10, the least X serves)."""
        left = self._left()
        if left < min(wanted, 10):
            raise ReadBudgetReached(f"x: {self.api.spend.reads} of {self.settings.read_budget} posts read")
        return min(wanted, left)

    def author_of(self, user_id: str, user: Mapping[str, Any] | None) -> Author:
        """The author as X says today (people rename themselves; their id stays), the bot as
        itself, and a host vouched for by id (``is_host``: still a host after a rename)."""
        if self.me is not None and user_id == self.me.id:
            return self.me
        handle = "@" + str(user["username"]) if user and user.get("username") else user_id
        name = str(user.get("name") or "") if user else ""
        return Author(user_id, handle, name, is_host=user_id in self._hosts)

    # -- speaking -----------------------------------------------------------------------------------
    async def post(self, text: str, *, reply_to: str | None = None, to: Author | None = None) -> str:
        if to is not None:
            raise EphemeralUnsupported("x: every post is public (no message for one person only)")
        if not self.post_limits.fits(text):
            n = self.post_limits.count(text)
            raise PlatformError(
                f"x: a post is at most {self.max_length} characters as X counts them, not {n}"
            )
        try:
            body = await self.api.create(text, reply_to)
        except Refused as e:
            if reply_to is None or "deleted or not visible" not in str(e):
                raise
            log.warning(
                "event=x_reply_target_gone session=%s reply_to=%s action=post_alone",
                self.session_id,
                reply_to,
            )
            body = await self.api.create(text, None)
        return str(body["data"]["id"])
