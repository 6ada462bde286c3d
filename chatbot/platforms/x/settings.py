"""``[platforms.x]``: how the bot listens and posts on X, what it may spend, and its credentials.

Secrets come from the environment only: ``X_BEARER_TOKEN`` (the app's token: reads), and for
posting either the OAuth 1.0a four (``X_CONSUMER_KEY``, ``X_CONSUMER_SECRET``, ``X_ACCESS_TOKEN``,
``X_ACCESS_TOKEN_SECRET``) or an OAuth 2 user token (``X_OAUTH2_USER_TOKEN``). Settings are checked
here with errors naming the key; credentials are checked when a session on X is made (a config
that never hosts on X needs none).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from chatbot.platforms.base import PlatformError
from chatbot.platforms.settings import Section
from chatbot.platforms.x.limits import ENDPOINTS

API_URL = "https://api.twitter.com"  # what tweepy calls; api_url points it elsewhere (a proxy, a test)
OAUTH1 = ("X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET")
USER_TOKEN = "X_OAUTH2_USER_TOKEN"
BEARER = "X_BEARER_TOKEN"

KEYS = frozenset(
    {
        "poll_seconds",
        "idle_poll_seconds",
        "page_size",
        "max_pages",
        "settle_seconds",
        "stream",
        "retweets",
        "read_budget",
        "history_budget",
        "likes_seconds",
        "timeout_seconds",
        "api_url",
        "limits",
        "prices",
    }
)


class MissingCredentials(PlatformError):
    """Hosting on X without the credentials to post: the text names the environment variables."""


@dataclass(frozen=True)
class Credentials:
    """What the environment held (never printed: ``repr`` shows which are set, not their values)."""

    bearer: str | None = field(default=None, repr=False)
    oauth1: tuple[str, str, str, str] | None = field(default=None, repr=False)
    user_token: str | None = field(default=None, repr=False)
    unset: tuple[str, ...] = ()  # OAuth 1.0a keys missing when some of the four are set

    def check(self, *, stream: bool = False) -> None:
        """MissingCredentials unless the bot can post (OAuth 1.0a or an OAuth 2 user token), and
        read the filtered stream where asked (it takes the app's bearer token only)."""
        if stream and not self.bearer:
            raise MissingCredentials(f"x: stream = true needs the app's bearer token in {BEARER}")
        if self.unset:
            raise MissingCredentials(f"x: OAuth 1.0a needs all four keys; {', '.join(self.unset)} not set")
        if self.oauth1 is None and self.user_token is None:
            raise MissingCredentials(
                "x: no credentials to post with: set "
                f"{', '.join(OAUTH1[:-1])} and {OAUTH1[-1]} (OAuth 1.0a), or {USER_TOKEN} "
                "(an OAuth 2 user token), in the environment"
            )

    def __repr__(self) -> str:
        have = [
            n
            for n, v in (("bearer", self.bearer), ("oauth1", self.oauth1), ("user_token", self.user_token))
            if v
        ]
        return f"Credentials(set={have})"


@dataclass(frozen=True)
class XSettings:
    """The checked ``[platforms.x]`` table; ``limits`` and ``prices`` override ``ENDPOINTS``."""

    poll_seconds: float = 15.0  # between searches while the chat is on
    idle_poll_seconds: float = 300.0  # before the chat (and after it)
    page_size: int = 100  # posts per search page (X allows 10-100)
    max_pages: int = 10  # pages per search: a burst of up to page_size * max_pages is heard whole
    settle_seconds: int = 10  # a search reads posts at least this old: X has indexed them (0-60)
    retweets: bool = False  # hear retweets too (they are kept apart; they never answer or ask)
    stream: bool = False  # hear through the filtered stream (needs X_BEARER_TOKEN) instead of polling
    read_budget: int = 5000  # posts read per session, at most (every read is paid)
    history_budget: int = 500  # posts read per catch-up after a restart, or per lookup of a post
    likes_seconds: float = 60.0  # between reads of the queued questions' likes (0: never)
    timeout_seconds: float = 30.0  # for one request
    api_url: str = API_URL
    limits: Mapping[str, int] = field(default_factory=dict)
    prices: Mapping[str, float] = field(default_factory=dict)
    credentials: Credentials = field(default_factory=Credentials)


def credentials_from(env: Mapping[str, str]) -> Credentials:
    four = tuple(env.get(k) or "" for k in OAUTH1)
    unset = tuple(k for k, v in zip(OAUTH1, four, strict=True) if not v)
    return Credentials(
        env.get(BEARER) or None,
        (four[0], four[1], four[2], four[3]) if not unset else None,
        env.get(USER_TOKEN) or None,
        unset if len(unset) < len(OAUTH1) else (),
    )


def load_settings(section: Section, env: Mapping[str, str]) -> XSettings:
    def positive(key: str, default: float, *, least: float = 1) -> float:
        value = section.get(key, float, default)
        if value < least:
            section.fail(key, f"must be at least {least:g}, not {value:g}")
        return float(value)

    def count(key: str, default: int, lo: int, hi: int) -> int:
        value = section.get(key, int, default)
        if not lo <= value <= hi:
            section.fail(key, f"must be {lo}-{hi}, not {value}")
        return int(value)

    def table(key: str, kind: type) -> dict[str, float]:
        raw = section.get(key, dict, {})
        out: dict[str, float] = {}
        for name, value in raw.items():
            if name not in ENDPOINTS:
                section.fail(f"{key}.{name}", f"unknown endpoint (expected one of: {', '.join(ENDPOINTS)})")
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not ok or (kind is int and not isinstance(value, int)) or value < (1 if kind is int else 0):
                what = "a whole number of requests, at least 1" if kind is int else "a price of 0 or more"
                section.fail(f"{key}.{name}", f"must be {what}, not {value!r}")
            out[name] = value
        return out

    likes = section.get("likes_seconds", float, 60.0)
    if likes and likes < 10:
        section.fail("likes_seconds", f"must be 0 (never) or at least 10, not {likes:g}")
    url = section.get("api_url", str, API_URL).rstrip("/")
    if not url.startswith(("http://", "https://")):
        section.fail("api_url", f"must be an http(s) address, not {url!r}")
    return XSettings(
        poll_seconds=positive("poll_seconds", 15.0, least=5),
        idle_poll_seconds=positive("idle_poll_seconds", 300.0, least=5),
        page_size=count("page_size", 100, 10, 100),
        max_pages=count("max_pages", 10, 1, 100),
        settle_seconds=count("settle_seconds", 10, 0, 60),
        retweets=section.get("retweets", bool, False),
        stream=section.get("stream", bool, False),
        read_budget=count("read_budget", 5000, 10, 10_000_000),
        history_budget=count("history_budget", 500, 10, 1_000_000),
        likes_seconds=float(likes),
        timeout_seconds=positive("timeout_seconds", 30.0, least=0.1),
        api_url=url,
        limits={k: int(v) for k, v in table("limits", int).items()},
        prices=table("prices", float),
        credentials=credentials_from(env),
    )
