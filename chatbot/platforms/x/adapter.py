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
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from chatbot.clock import Clock
from chatbot.core.engine import handle_key
from chatbot.core.events import Event, Tallied
from chatbot.core.model import Author, Message
from chatbot.platforms.base import EphemeralUnsupported, PlatformError, UnknownCursor
from chatbot.platforms.x.client import Refused, XApi
from chatbot.platforms.x.limits import WINDOW
from chatbot.platforms.x.parse import id_at, is_post_id, time_of
from chatbot.platforms.x.reading import LIKE, ReadBudgetReached, Reader
from chatbot.platforms.x.settings import XSettings
from chatbot.platforms.x.stream import Stream, stream_events

log = logging.getLogger("chatbot.platforms.x")

RECENT = timedelta(days=7, minutes=-5)  # how far back recent search reaches (with a margin)
LIVE_BEFORE = timedelta(minutes=10)  # polling goes fast this long before the start...
LIVE_AFTER = timedelta(minutes=30)  # ...and stays fast this long after the planned end

__all__ = ["LIKE", "ReadBudgetReached", "XPlatform"]
R = TypeVar("R")


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
        self.reader = Reader(api, settings, hashtag=hashtag, clock=clock, session_id=session_id)
        # the hosts' X user ids: named so in the config (id:783214), or found by handle at start
        self.reader.hosts = {h[3:].strip() for h in hosts if h.casefold().startswith("id:")}
        self._host_handles = [h for h in hosts if not h.casefold().startswith("id:")]
        self._reading = asyncio.Lock()  # one reading at a time: the poller's, history's, the stream's
        self._stopped = asyncio.Event()
        self._started = False
        self._rng = random.Random()
        self.stream = Stream(api, session_id=session_id) if settings.stream else None

    @property
    def me(self) -> Author | None:
        return self.reader.me

    @property
    def settle_seconds(self) -> float:
        """How old a post must be for search to read it (``ReadsLate``): the session's last read
        waits this long after the chat's window."""
        return float(self.settings.settle_seconds)

    # -- lifetime ------------------------------------------------------------------------------
    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        now = self.clock.now()  # a first start before the chat reads nothing older; a late one, the chat
        self.reader.origin = max(min(now, self.live[0]), now - RECENT)
        await self.api.open()
        try:
            await self._connect()
        except BaseException:  # credentials refused, X down: nothing is left open
            await self.api.close()
            raise

    async def _connect(self) -> None:
        """Who the bot is on X, and the ids of the hosts the config names by handle."""
        data = (await self.api.me())["data"]
        me = Author(str(data["id"]), "@" + str(data["username"]), str(data.get("name") or ""), is_bot=True)
        self.reader.me = me
        if self._host_handles:
            names = [h.lstrip("@") for h in self._host_handles]
            found = (await self.api.users_by(names)).get("data") or []
            self.reader.hosts |= {str(u["id"]) for u in found}
            missing = {handle_key(h) for h in names} - {handle_key(u["username"]) for u in found}
            if missing:
                log.warning(
                    "event=x_hosts_not_found session=%s handles=%s",
                    self.session_id,
                    ",".join(sorted(missing)),
                )
        if self.stream is not None:
            await self.stream.set_rule(self.reader.query())
        log.info(
            "event=x_connected session=%s account=%s hosts_known_by_id=%d %s",
            self.session_id,
            me.handle,
            len(self.reader.hosts),
            self.api.spend.summary(),
        )

    async def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        await self.api.close()
        log.info("event=x_spend session=%s %s", self.session_id, self.api.spend.summary())

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

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
            if self.reader.out_of_budget:
                continue
            try:
                async with self._reading:
                    heard = await self.reader.poll()
                    tallies = await self.reader.likes()
            except ReadBudgetReached:
                self.reader.budget_spent()
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
        self.reader.watched = {i for i in message_ids if is_post_id(i)}

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

    # -- what the stream asks of the adapter (chatbot.platforms.x.stream) ----------------------------
    async def catch_up(self) -> list[Message]:
        """What was said since the newest post heard (or the session's start), all of it up to
        now: the stream then goes on from its connection."""
        return await self._guarded(lambda: self.reader.catch_up(self.history_budget), [])

    async def read_likes(self) -> list[Tallied]:
        return await self._guarded(self.reader.likes, [])

    def heard_on_stream(self, heard: list[Message]) -> None:
        """Posts the stream carried: counted (and against the read budget), the newest kept."""
        self.api.count("stream", len(heard))
        self.reader.heard(heard)
        if self.reader.left() <= 0:
            self.reader.budget_spent()

    async def next_of(self, queue: asyncio.Queue[Any]) -> tuple[str, Any]:
        """The stream's next item; ("likes", None) when the likes are due first; ("stop", None)
        when the adapter stops or the read budget is spent."""
        if self.stopped or self.reader.out_of_budget:
            return ("stop", None)
        waits: dict[asyncio.Future[Any], str] = {
            asyncio.ensure_future(queue.get()): "item",
            asyncio.ensure_future(self._stopped.wait()): "stop",
        }
        if self.settings.likes_seconds and self.reader.watched:
            waits[asyncio.ensure_future(self.clock.sleep_until(self.reader.next_likes))] = "likes"
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

    def author_of(self, user_id: str, user: Mapping[str, Any] | None) -> Author:
        return self.reader.author_of(user_id, user)

    async def _guarded(self, read: Callable[[], Awaitable[list[R]]], none: list[R]) -> list[R]:
        """One reading under the lock; nothing once the read budget is spent."""
        if self.reader.out_of_budget:
            return none
        async with self._reading:
            try:
                return await read()
            except ReadBudgetReached:
                self.reader.budget_spent()
                return none

    # -- history ----------------------------------------------------------------------------------
    async def history(self, *, after: str | None = None, limit: int = 100) -> list[Message]:
        cursor = after if after is not None else id_at(self.reader.origin)
        if not is_post_id(cursor) or time_of(cursor) < self.clock.now() - RECENT:
            raise UnknownCursor(self.name, cursor)
        if limit <= 0:
            return []
        async with self._reading:
            return await self.reader.page_after(cursor, limit, self.history_budget)

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
