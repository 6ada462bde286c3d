"""Anonymous readers' fair share: a token bucket per client address over every read route.

Reading needs no account, so nothing but the address (``client_address``) tells readers apart.
Each read costs tokens from its address's bucket (``COSTS``: a whole export costs more than a
page); an empty bucket gets 429 with ``Retry-After`` and a one-line error, JSON under ``/api/``
and a short page elsewhere. ``guard`` (the app's middleware) does this for the routes in
``COSTS`` only (the rooms, the live view and the dashboard have limits of their own), and turns
what the archive could not answer (``ReadsBusy``, ``ArchiveUnavailable``) into a 503 the same way.
"""

from __future__ import annotations

import logging
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware
from markupsafe import escape

from chatbot.web.readpool import ArchiveUnavailable, ReadsBusy
from chatbot.web.security import TokenBucket, client_address

log = logging.getLogger(__name__)

#: What a read costs, by route (aiohttp's canonical path); routes not named here are not counted.
COSTS = {
    "/": 1,
    "/search": 2,
    "/feed.xml": 1,
    "/recaps": 1,
    "/recaps/{path}": 1,
    "/transcripts/{path}": 1,
    "/api/sessions": 1,
    "/api/sessions/{session}": 4,
    "/api/sessions/{session}/queue": 2,
    "/api/sessions/{session}/messages": 1,
}


class ReadThrottle:
    """Per-address buckets of ``burst`` tokens, refilled over ``per_seconds``; the least recently
    seen addresses are forgotten past ``max_addresses`` (a full bucket is all they lose)."""

    def __init__(
        self,
        burst: int = 120,
        per_seconds: float = 60.0,
        *,
        max_addresses: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst = burst
        self.per_seconds = per_seconds
        self.max_addresses = max_addresses
        self.clock = clock
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def take(self, address: str, cost: int = 1) -> float:
        """0 when ``address`` may read now (its tokens are spent), else seconds to wait."""
        bucket = self._buckets.get(address)
        if bucket is None:
            bucket = self._buckets[address] = TokenBucket(self.burst, self.per_seconds, self.clock)
            while len(self._buckets) > self.max_addresses:
                self._buckets.popitem(last=False)
        self._buckets.move_to_end(address)
        cost = min(cost, self.burst)
        for spent in range(cost):
            if not bucket.take():
                bucket.tokens += spent  # all or nothing
                return max((cost - bucket.tokens) * self.per_seconds / self.burst, 0.001)
        return 0.0


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def refusal(
    request: web.Request, status: int, text: str, *, retry_after: float | None = None
) -> web.Response:
    """A one-line error: ``{"error": text}`` under ``/api/``, else a minimal HTML page."""
    headers = {"Retry-After": str(max(1, math.ceil(retry_after)))} if retry_after is not None else {}
    if request.path.startswith("/api/"):
        return web.json_response({"error": text}, status=status, headers=headers)
    page = f"<!doctype html><title>{status}</title><p>{escape(text)}</p>\n"
    return web.Response(text=page, status=status, content_type="text/html", headers=headers)


def guard(throttle: Callable[[], ReadThrottle]) -> Middleware:
    """The app's middleware: the read routes' rate limit (``throttle()``'s buckets), and a 503
    for a read the archive could not answer."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        route = request.match_info.route.resource
        cost = COSTS.get(route.canonical) if route is not None else None
        if cost is None:
            return await handler(request)
        wait = throttle().take(client_address(request), cost)
        if wait:
            text = f"too many requests: try again in {math.ceil(wait)} s"
            return refusal(request, 429, text, retry_after=wait)
        return await answered(request, handler)

    return middleware


async def answered(request: web.Request, handler: Handler) -> web.StreamResponse:
    """``handler``'s answer, or a 503 when the archive could not give it."""
    try:
        return await handler(request)
    except ReadsBusy:
        return refusal(request, 503, "the archive is busy: try again in a moment", retry_after=1)
    except ArchiveUnavailable as e:
        return refusal(request, 503, str(e), retry_after=5)
