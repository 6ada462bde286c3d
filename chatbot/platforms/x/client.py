"""tweepy's ``AsyncClient`` with the adapter's rules around every request.

Every request waits for room under its endpoint's limit (our own count over 15 minutes and X's
``x-rate-limit-*`` headers), is counted in the session's ``Spend`` (and written to the archive as
it happens), and fails only after our own capped retries: a 429 waits for X's reset (at most one
window; tweepy's ``wait_on_rate_limit`` would loop forever), a 5xx, an HTML error page, a timeout
or a dropped connection is retried with capped exponential backoff and jitter on the session's
clock. A post is never retried after a server error (it may have gone out: the ledger looks it
up first). tweepy is imported in ``open``: knowing the platforms loads no SDK.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any, Protocol

from chatbot.clock import Clock
from chatbot.platforms.base import PlatformError, PostTooLong
from chatbot.platforms.x.limits import Endpoint, Spend, Tally, Window, backoff
from chatbot.platforms.x.settings import API_URL, OAUTH1, USER_TOKEN, XSettings

log = logging.getLogger("chatbot.platforms.x")

RETRIES = 5  # attempts after a server error or a dropped connection, for a read
RATE_LIMITED = 3  # 429s in a row before giving up on one request
MAX_WAIT = timedelta(minutes=15, seconds=5)  # the longest a 429's reset is waited for


class CredentialsRejected(PlatformError):
    """X refused the credentials (401), or the kind of credentials for this endpoint (403)."""


class RateLimited(PlatformError):
    """X kept answering 429 after waiting for its reset."""


class Unavailable(PlatformError):
    """X kept failing (5xx, error pages, timeouts, dropped connections) after our retries."""


class Refused(PlatformError):
    """X refused the request (a 4xx other than 401 and 429); the text is X's reason."""


class SpendBook(Protocol):
    """Where a session's spend is kept across restarts (the archive; or memory only)."""

    def spent(self) -> Mapping[str, Tally]: ...

    def add(self, endpoint: str, unit: str, step: Tally) -> None: ...

    def close(self) -> None: ...


class MemoryBook:
    """A spend book that forgets (an in-memory archive, tests of the adapter alone)."""

    def spent(self) -> Mapping[str, Tally]:
        return {}

    def add(self, endpoint: str, unit: str, step: Tally) -> None:
        return None

    def close(self) -> None:
        return None


Send = Callable[[], Awaitable[Any]]


class XApi:
    """The requests the adapter makes, each within limits, counted and retried as above."""

    def __init__(
        self,
        settings: XSettings,
        table: Mapping[str, Endpoint],
        clock: Clock,
        book: SpendBook,
        *,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.book = book
        self.rng = rng or random.Random()
        self.spend = Spend(table)
        self.windows = {k: Window(e.limit) for k, e in table.items()}
        self._session: Any = None
        self._redirect: Any = None
        self._reader: Any = None
        self._writer: Any = None
        self._read_as_user = False
        self._write_as_user = False

    # -- lifetime ------------------------------------------------------------------------------
    async def open(self) -> None:
        import aiohttp
        from tweepy.asynchronous import AsyncClient  # type: ignore[import-untyped]
        from yarl import URL

        creds = self.settings.credentials
        creds.check()
        self.spend.restore(self.book.spent())  # what earlier runs of the session spent
        base = self.settings.api_url

        async def redirect(
            req: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
        ) -> aiohttp.ClientResponse:
            if base != API_URL:  # tweepy always calls api.twitter.com: send it where api_url says
                target = URL(base)
                req.url = (
                    req.url.with_scheme(target.scheme).with_host(target.host or "").with_port(target.port)
                )
            return await handler(req)

        self._redirect = redirect
        timeout = aiohttp.ClientTimeout(total=self.settings.timeout_seconds)
        self._session = aiohttp.ClientSession(timeout=timeout, middlewares=(redirect,))
        kinds = dict(return_type=aiohttp.ClientResponse)
        oauth1 = AsyncClient(*(None, *creds.oauth1), **kinds) if creds.oauth1 else None
        token = creds.bearer or creds.user_token
        self._reader = AsyncClient(bearer_token=token, **kinds) if token else oauth1
        self._read_as_user = token is None
        self._writer = oauth1 or AsyncClient(bearer_token=creds.user_token, **kinds)
        self._write_as_user = oauth1 is not None
        for client in {id(c): c for c in (self._reader, self._writer)}.values():
            client.session = self._session

    def new_session(self, *, sock_read: float) -> Any:
        """A session of its own (the filtered stream's: tweepy closes it when the stream ends)."""
        import aiohttp

        timeout = aiohttp.ClientTimeout(sock_read=sock_read)
        return aiohttp.ClientSession(timeout=timeout, middlewares=(self._redirect,))

    @property
    def session(self) -> Any:
        return self._session

    async def call(self, key: str, send: Send) -> dict[str, Any]:
        """Any request through tweepy, within ``key``'s limits, counted and retried."""
        return await self._call(key, send)

    async def reserve(self, key: str) -> None:
        """Room under ``key``'s limit for a request made outside ``call`` (a stream's connection),
        and the request counted."""
        window = self.windows[key]
        await self._room(key, window)
        window.note_sent(self.clock.now())
        self._spent(key, requests=1)

    def count(self, key: str, units: int) -> None:
        """Units that came outside ``call`` (posts on the stream)."""
        self._spent(key, units=units)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        self.book.close()

    # -- the endpoints -----------------------------------------------------------------------------
    async def me(self) -> dict[str, Any]:
        return await self._call("me", lambda: self._writer.get_me(user_auth=self._write_as_user))

    async def users_by(self, usernames: list[str]) -> dict[str, Any]:
        return await self._call(
            "users",
            lambda: self._reader.get_users(usernames=usernames, user_auth=self._read_as_user),
        )

    async def search(self, params: dict[str, Any]) -> dict[str, Any]:
        query = params.pop("query")
        return await self._call(
            "search",
            lambda: self._reader.search_recent_tweets(query, user_auth=self._read_as_user, **params),
        )

    async def lookup(self, ids: list[str], fields: list[str]) -> dict[str, Any]:
        return await self._call(
            "lookup",
            lambda: self._reader.get_tweets(ids, tweet_fields=fields, user_auth=self._read_as_user),
        )

    async def create(self, text: str, reply_to: str | None) -> dict[str, Any]:
        return await self._call(
            "post",
            lambda: self._writer.create_tweet(
                text=text, in_reply_to_tweet_id=reply_to, user_auth=self._write_as_user
            ),
            retry_server_errors=False,
        )

    # -- the rules around each request ---------------------------------------------------------------
    async def _call(self, key: str, send: Send, *, retry_server_errors: bool = True) -> dict[str, Any]:
        import aiohttp
        import tweepy  # type: ignore[import-untyped]

        window = self.windows[key]
        failures = limited = 0
        while True:
            await self._room(key, window)
            window.note_sent(self.clock.now())
            self._spent(key, requests=1)  # counted as it goes: even one cancelled on the way is paid
            try:
                response = await send()
                body: dict[str, Any] = await response.json()
            except tweepy.TooManyRequests as e:
                self._count(key, 0, e.response)
                limited += 1
                if limited > RATE_LIMITED:
                    raise RateLimited(f"x: {key}: still rate limited after {RATE_LIMITED} waits") from e
                await self._wait_reset(key, e.reset_time)
                continue
            except tweepy.Unauthorized as e:
                self._count(key, 0, e.response)
                raise CredentialsRejected(self._rejected(key, e)) from e
            except tweepy.TwitterServerError as e:
                self._count(key, 0, e.response)
                failures = await self._retry(key, failures, retry_server_errors, e)
                continue
            except tweepy.HTTPException as e:
                self._count(key, 0, e.response)
                raise self._refusal(key, e) from e
            except (TimeoutError, aiohttp.ClientError) as e:
                status = getattr(e, "status", 0) or 0
                self._count(key, 0, None)
                if 400 <= status < 500:
                    raise Refused(f"x: {key}: {status} (not JSON)") from e
                failures = await self._retry(key, failures, retry_server_errors, e)
                continue
            self._count(key, _units(key, body), response)
            return body

    async def _room(self, key: str, window: Window) -> None:
        now = self.clock.now()
        free = window.free_at(now)
        if free > now:
            log.warning(
                "event=x_limit_wait endpoint=%s limit=%d wait_s=%.0f",
                key,
                window.limit,
                (free - now).total_seconds(),
            )
            await self.clock.sleep_until(free)

    async def _wait_reset(self, key: str, reset_time: int | None) -> None:
        now = self.clock.now()
        window = self.windows[key]
        if reset_time is not None:
            window.note_headers("0", str(reset_time), now)
        until = window.reset + timedelta(seconds=1) if window.reset and window.reset > now else None
        if until is None:
            until = now + timedelta(seconds=backoff(0, self.rng, first=15.0, cap=60.0))
        until = min(until, now + MAX_WAIT)
        log.warning("event=x_rate_limited endpoint=%s retry_in_s=%.0f", key, (until - now).total_seconds())
        await self.clock.sleep_until(until)

    async def _retry(self, key: str, failures: int, allowed: bool, error: Exception) -> int:
        what = _describe(error)
        if not allowed:
            raise Unavailable(f"x: {key} failed ({what}); not retried: it may have gone through") from error
        if failures >= RETRIES:
            raise Unavailable(f"x: {key} failed {failures + 1} times in a row ({what})") from error
        delay = backoff(failures, self.rng)
        log.warning(
            "event=x_retry endpoint=%s attempt=%d retry_in_s=%.1f error=%s", key, failures + 1, delay, what
        )
        await self.clock.sleep_until(self.clock.now() + timedelta(seconds=delay))
        return failures + 1

    def _count(self, key: str, units: int, response: Any) -> None:
        """An answer: X's word on the limit, and what it returned."""
        if response is not None and getattr(response, "headers", None) is not None:
            h = response.headers
            self.windows[key].note_headers(
                h.get("x-rate-limit-remaining"), h.get("x-rate-limit-reset"), self.clock.now()
            )
        if units:
            self._spent(key, units=units)

    def _spent(self, key: str, *, requests: int = 0, units: int = 0) -> None:
        step = self.spend.add(key, requests=requests, units=units)
        self.book.add(key, self.spend.table[key].unit, step)

    def _rejected(self, key: str, e: Exception) -> str:
        creds = self.settings.credentials
        user = key in ("post", "me") or self._read_as_user
        names = (
            f"{', '.join(OAUTH1)}" if (creds.oauth1 and user) else USER_TOKEN if user else "X_BEARER_TOKEN"
        )
        return f"x: X rejected the credentials (401 Unauthorized) for {key}: check {names}"

    def _refusal(self, key: str, e: Any) -> PlatformError:
        status = getattr(e.response, "status", 0)
        reason = " ".join(str(m) for m in getattr(e, "api_messages", []) or []) or str(e)
        if key == "post" and "too long" in reason.casefold():
            return PostTooLong(f"x: X says the post is too long ({status}): {reason}")
        if status == 403 and "authenticat" in reason.casefold():
            return CredentialsRejected(f"x: {key}: these credentials may not do this ({reason})")
        return Refused(f"x: {key} refused ({status}): {reason}")


def _units(key: str, body: dict[str, Any]) -> int:
    """What a successful answer counts as: the posts (or users) it carried, or the post made."""
    data = body.get("data")
    if key == "post":
        return 1
    if isinstance(data, list):
        return len(data)
    return 1 if isinstance(data, dict) else 0


def _describe(e: Exception) -> str:
    status = getattr(getattr(e, "response", None), "status", None) or getattr(e, "status", None)
    name = type(e).__name__
    return f"{name} {status}" if status else name
