"""What X allows and what it costs: the one table of endpoints, and the accounting against it.

``ENDPOINTS`` is the only place the adapter's limits and prices are written (the README shows the
same table; a test checks they agree). X changes both: a host overrides any of them in
``[platforms.x.limits]`` (requests per 15 minutes) and ``[platforms.x.prices]`` (US dollars per
unit). Prices are X's pay-per-use rates as published in 2026; X deduplicates a post read twice in
one UTC day, so the estimate here is an upper bound.

``Window`` keeps one endpoint under its limit (our own count over the last 15 minutes, and what
X's ``x-rate-limit-*`` headers said); ``Spend`` counts every request, what it returned and what it
cost, per endpoint, for the logs, the recap's footer and the per-session read budget.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Endpoint:
    """One X API v2 endpoint the adapter calls: how often (per 15 minutes) and at what price."""

    key: str  # the name in [platforms.x.limits] and [platforms.x.prices]
    method: str
    path: str
    limit: int  # requests per 15 minutes the adapter allows itself
    price: float  # US dollars per unit
    unit: str  # what one unit is
    reads: bool  # its units count against the session's read budget
    what: str  # what the bot uses it for


ENDPOINTS: Mapping[str, Endpoint] = {
    e.key: e
    for e in (
        Endpoint(
            "search", "GET", "/2/tweets/search/recent", 300, 0.005, "post read", True,
            "hearing the chat: the hashtag, newest first, since the last post heard",
        ),
        Endpoint(
            "lookup", "GET", "/2/tweets", 300, 0.005, "post read", True,
            "likes on the queued questions (up to 100 per request)",
        ),
        Endpoint(
            "post", "POST", "/2/tweets", 100, 0.015, "post created", False,
            "the timeline's posts, threads and replies to askers",
        ),
        Endpoint(
            "me", "GET", "/2/users/me", 75, 0.010, "user read", False,
            "the bot's own account, at start",
        ),
        Endpoint(
            "users", "GET", "/2/users/by", 300, 0.010, "user read", False,
            "the hosts named by handle, once at start (so a renamed host stays a host)",
        ),
        Endpoint(
            "stream", "GET", "/2/tweets/search/stream", 50, 0.005, "post read", True,
            "with stream = true: connections (one at a time), the chat's posts as they are made",
        ),
        Endpoint(
            "rules", "POST", "/2/tweets/search/stream/rules", 450, 0.0, "request", False,
            "with stream = true: the session's rule, set at start",
        ),
    )
}  # fmt: skip


def endpoints(limits: Mapping[str, int], prices: Mapping[str, float]) -> dict[str, Endpoint]:
    """The table with a host's overrides applied."""
    return {
        k: replace(e, limit=limits.get(k, e.limit), price=prices.get(k, e.price))
        for k, e in ENDPOINTS.items()
    }


def backoff(failures: int, rng: random.Random, *, first: float = 1.0, cap: float = 60.0) -> float:
    """Seconds before retry number ``failures`` (0-based): doubling up to ``cap``, drawn between
    half and all of it (full jitter would retry at once too often)."""
    ceiling = min(cap, first * 2 ** min(failures, 30))
    return rng.uniform(ceiling / 2, ceiling)


@dataclass
class Window:
    """One endpoint's requests in the last 15 minutes, and X's own word on what is left."""

    limit: int
    sent: deque[datetime] = field(default_factory=deque)
    remaining: int | None = None  # from x-rate-limit-remaining
    reset: datetime | None = None  # from x-rate-limit-reset (or a 429's)

    def free_at(self, now: datetime) -> datetime:
        """When the next request may go without going over the limit (``now`` when it may)."""
        while self.sent and self.sent[0] <= now - WINDOW:
            self.sent.popleft()
        at = now
        if len(self.sent) >= self.limit:
            at = self.sent[len(self.sent) - self.limit] + WINDOW
        if self.remaining == 0 and self.reset is not None and self.reset > now:
            at = max(at, self.reset)
        return at

    def note_sent(self, at: datetime) -> None:
        self.sent.append(at)

    def note_headers(self, remaining: str | None, reset: str | None, now: datetime) -> None:
        if remaining is not None and remaining.isdigit():
            self.remaining = int(remaining)
        if reset is not None and reset.isdigit():
            self.reset = datetime.fromtimestamp(int(reset), now.tzinfo)


@dataclass
class Tally:
    """One endpoint's use in a session."""

    requests: int = 0
    units: int = 0
    cost: float = 0.0


@dataclass
class Spend:
    """Every request the adapter made for a session, per endpoint; ``restore`` takes what earlier
    runs of the session spent (from the archive) so budgets hold across restarts."""

    table: Mapping[str, Endpoint]
    tallies: dict[str, Tally] = field(default_factory=dict)

    def restore(self, saved: Mapping[str, Tally]) -> None:
        for key, t in saved.items():
            mine = self.tallies.setdefault(key, Tally())
            mine.requests += t.requests
            mine.units += t.units
            mine.cost += t.cost

    def add(self, key: str, *, requests: int = 0, units: int = 0) -> Tally:
        """Count a request (and the units it returned); the increment, for the archive."""
        e = self.table[key]
        step = Tally(requests, units, units * e.price)
        t = self.tallies.setdefault(key, Tally())
        t.requests += step.requests
        t.units += step.units
        t.cost += step.cost
        return step

    @property
    def requests(self) -> int:
        return sum(t.requests for t in self.tallies.values())

    @property
    def reads(self) -> int:
        """Posts read (what the read budget counts)."""
        return sum(t.units for k, t in self.tallies.items() if k in self.table and self.table[k].reads)

    @property
    def posts(self) -> int:
        return self.tallies["post"].units if "post" in self.tallies else 0

    @property
    def cost(self) -> float:
        return sum(t.cost for t in self.tallies.values())

    def summary(self) -> str:
        """``requests=12 reads=340 posts=9 cost_usd=1.84`` for the logs."""
        return f"requests={self.requests} reads={self.reads} posts={self.posts} cost_usd={self.cost:.2f}"
