"""The X adapter on the fake X API: settings, credentials and a session's adapter for tests."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from chatbot.clock import Clock
from chatbot.platforms.settings import Section
from chatbot.platforms.x.adapter import XPlatform
from chatbot.platforms.x.client import MemoryBook, SpendBook, XApi
from chatbot.platforms.x.limits import endpoints
from chatbot.platforms.x.settings import KEYS, XSettings, load_settings
from tests.platforms.xfake import Credentials

TAG = "#localgovchat"
HEADER = """
[bot]
db = "{db}"
transcripts = "{out}"

[platforms.x]
api_url = "{url}"
"""
"""The top of a chat.toml hosting on the fake X API at ``url`` (``str.format`` it)."""


def env(creds: Credentials | None = None, *, oauth1: bool = True, bearer: bool = True) -> dict[str, str]:
    """The environment a host sets: the app's bearer token and the bot's OAuth 1.0a keys (or an
    OAuth 2 user token with ``oauth1=False``)."""
    c = creds or Credentials()
    out = {"X_BEARER_TOKEN": c.app_bearer} if bearer else {}
    if oauth1:
        out |= {
            "X_CONSUMER_KEY": c.consumer_key,
            "X_CONSUMER_SECRET": c.consumer_secret,
            "X_ACCESS_TOKEN": c.access_token,
            "X_ACCESS_TOKEN_SECRET": c.access_token_secret,
        }
    else:
        out["X_OAUTH2_USER_TOKEN"] = c.user_token
    return out


def settings(url: str, environ: Mapping[str, str] | None = None, **table: Any) -> XSettings:
    return load_settings(
        Section("platforms.x", {"api_url": url, **table}, KEYS), env() if environ is None else environ
    )


def platform(
    url: str,
    clock: Clock,
    *,
    start: datetime | None = None,
    minutes: float = 60,
    hosts: tuple[str, ...] = (),
    book: SpendBook | None = None,
    environ: Mapping[str, str] | None = None,
    **table: Any,
) -> XPlatform:
    """A session's adapter (the chat starting at ``start``, by default now) on the fake at ``url``."""
    s = settings(url, environ, **table)
    begin = start or clock.now()
    api = XApi(s, endpoints(s.limits, s.prices), clock, book or MemoryBook())
    return XPlatform(
        api,
        s,
        hashtag=TAG,
        hosts=hosts,
        live=(begin, begin + timedelta(minutes=minutes)),
        clock=clock,
        session_id="test",
    )
