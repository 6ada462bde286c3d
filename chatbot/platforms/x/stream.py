"""Hearing a session through X's filtered stream (``stream = true``) instead of polling search.

At start the session's rule is set (its query, tagged ``chatbot:<session>``; an older rule of the
session with another value is replaced). Each listening opens one connection through tweepy's
``AsyncStreamingClient`` with no retries of its own (its retry loop sleeps on the real clock and
reconnects forever): when X closes the stream, refuses it (429: one connection per app) or the
network drops it, the adapter waits a capped backoff on the session's clock, reads what it missed
through recent search (since the newest post heard) and connects again; after five drops in a row
it gives up and the runner's reader restarts it. Every connection and every post is counted.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from chatbot.core.events import Event
from chatbot.platforms.base import PlatformError
from chatbot.platforms.x.limits import backoff
from chatbot.platforms.x.parse import EXPANSIONS, FIELDS, MEDIA_FIELDS, USER_FIELDS, messages

if TYPE_CHECKING:
    from chatbot.platforms.x.adapter import XPlatform
    from chatbot.platforms.x.client import XApi

log = logging.getLogger("chatbot.platforms.x")

DROPS = 5  # drops in a row before the adapter gives up (the runner restarts it)
KEEP_ALIVE = 60.0  # seconds without a byte before a connection counts as dropped (X sends one every 20)
Item = tuple[str, Any]  # ("data", raw line) | ("end", (reason, status))


class StreamDropped(PlatformError):
    """The filtered stream kept dropping."""


def _feed_class() -> Any:
    from tweepy.asynchronous import AsyncStreamingClient  # type: ignore[import-untyped]

    class Feed(AsyncStreamingClient):  # type: ignore[misc]
        """One connection: what it carries into a queue; its end, whatever the cause, too."""

        def __init__(self, token: str, queue: asyncio.Queue[Item]) -> None:
            super().__init__(token, max_retries=0)
            self.queue = queue

        async def on_data(self, raw_data: bytes) -> None:
            self.queue.put_nowait(("data", raw_data))

        async def on_closed(self, resp: Any) -> None:
            self._end("closed by X", 200)

        async def on_request_error(self, status_code: int) -> None:
            self._end(f"refused ({status_code})", status_code)

        async def on_connection_error(self) -> None:
            self._end("connection lost", 0)

        async def on_exception(self, exception: Exception) -> None:
            self.queue.put_nowait(("end", (repr(exception), 0)))

        def _end(self, reason: str, status: int) -> None:
            self.queue.put_nowait(("end", (reason, status)))
            self.max_retries = -1  # no reconnecting of its own (not even once): the adapter decides,
            self.disconnect()  # on its clock; and no waiting on the real one after a refusal

    return Feed


class Stream:
    """The session's rule, and its one connection at a time."""

    def __init__(self, api: XApi, *, session_id: str) -> None:
        self.api = api
        self.tag = f"chatbot:{session_id}"
        self._feed: Any = None

    async def set_rule(self, value: str) -> None:
        """The session's rule is ``value``: kept when it is, replaced when it is not."""
        import aiohttp
        from tweepy import StreamRule  # type: ignore[import-untyped]
        from tweepy.asynchronous import AsyncStreamingClient

        rules = AsyncStreamingClient(self._token(), return_type=aiohttp.ClientResponse)
        rules.session = self.api.session
        have = (await self.api.call("rules", rules.get_rules)).get("data") or []
        ours = [r for r in have if r.get("tag") == self.tag]
        if [r["value"] for r in ours] == [value]:
            return
        if ours:
            await self.api.call("rules", lambda: rules.delete_rules([r["id"] for r in ours]))
        await self.api.call("rules", lambda: rules.add_rules(StreamRule(value=value, tag=self.tag)))
        log.info("event=x_stream_rule tag=%s value=%r replaced=%d", self.tag, value, len(ours))

    async def connect(self) -> asyncio.Queue[Item]:
        """A new connection (counted, within the limit of connects); what it carries comes
        through the queue."""
        await self.api.reserve("stream")
        queue: asyncio.Queue[Item] = asyncio.Queue()
        self._feed = _feed_class()(self._token(), queue)
        self._feed.session = self.api.new_session(sock_read=KEEP_ALIVE)
        self._feed.filter(
            tweet_fields=FIELDS, expansions=EXPANSIONS, media_fields=MEDIA_FIELDS, user_fields=USER_FIELDS
        )
        return queue

    def disconnect(self) -> None:
        if self._feed is not None:
            self._feed.disconnect()
            self._feed = None

    def _token(self) -> str:
        token = self.api.settings.credentials.bearer
        if not token:
            raise PlatformError("x: the filtered stream needs the app's bearer token (X_BEARER_TOKEN)")
        return token


async def stream_events(p: XPlatform, stream: Stream, rng: random.Random) -> AsyncIterator[Event]:
    """``p``'s events heard through the stream: posts as they come, what a drop missed read
    through search, the queued questions' likes on their timer."""
    import json

    drops = 0
    while not p.stopped:
        queue = await stream.connect()
        try:
            for m in await p.catch_up():  # what was said since the newest post heard
                yield m
            while True:
                kind, value = await p.next_of(queue)
                if kind == "stop":
                    return
                if kind == "likes":
                    for t in await p.read_likes():
                        yield t
                    continue
                if kind == "end":
                    reason, status = value
                    break
                body = json.loads(value)
                if stream.tag not in {r.get("tag") for r in body.get("matching_rules") or []}:
                    continue
                heard = messages(body, channel=p.hashtag, author_of=p.author_of)
                p.heard_on_stream(heard)
                drops = 0
                for m in heard:
                    yield m
        finally:
            stream.disconnect()
        drops += 1
        if drops > DROPS:
            raise StreamDropped(f"x: the filtered stream dropped {drops} times in a row ({reason})")
        delay = backoff(drops - 1, rng, first=60.0 if status == 429 else 1.0, cap=300.0)
        log.warning(
            "event=x_stream_dropped session=%s reason=%s drops=%d retry_in_s=%.1f",
            p.session_id,
            reason,
            drops,
            delay,
        )
        if not await p.pause_until(p.clock.now() + timedelta(seconds=delay)):
            return
