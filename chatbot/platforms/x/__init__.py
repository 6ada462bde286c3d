"""Hosting on X: the adapter on tweepy's ``AsyncClient`` (API v2), registered as ``x``.

``settings`` checks ``[platforms.x]`` (credentials from the environment), ``limits`` holds the one
table of endpoints with their limits and prices and counts what a session spends, ``client`` wraps
tweepy with those limits, retries and the spend (``spendbook`` keeps it in the archive), ``parse``
turns X's answers into messages, ``reading`` reads search within the budget, ``stream`` hears
through the filtered stream where asked, and ``adapter`` is the ``Platform`` a session runs on.
tweepy is imported only when a session connects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatbot.core.textfit import Limits, x_weighted_length
from chatbot.platforms.base import Adapter, Description
from chatbot.platforms.x.settings import KEYS, XSettings, load_settings

if TYPE_CHECKING:
    from chatbot.clock import Clock
    from chatbot.config import Config, SessionConfig
    from chatbot.platforms.x.adapter import XPlatform

DESCRIPTION = Description("x", "X", Limits(280, x_weighted_length, tag_every_part=True))


def make_platform(
    settings: XSettings, config: Config, session: SessionConfig, *, clock: Clock | None
) -> XPlatform:
    """A session's X adapter: MissingCredentials (a PlatformError) when it could not post."""
    from datetime import timedelta

    from chatbot.clock import SystemClock
    from chatbot.platforms.x.adapter import XPlatform
    from chatbot.platforms.x.client import XApi
    from chatbot.platforms.x.limits import endpoints
    from chatbot.platforms.x.spendbook import book_for

    settings.credentials.check(stream=settings.stream)
    clock = clock or SystemClock()
    spec = session.spec
    api = XApi(settings, endpoints(settings.limits, settings.prices), clock, book_for(config.db, spec.id))
    end = spec.start + timedelta(minutes=spec.duration_minutes)
    return XPlatform(
        api,
        settings,
        hashtag=spec.hashtag,
        hosts=spec.hosts,
        live=(spec.start, end),
        clock=clock,
        session_id=spec.id,
    )


ADAPTER = Adapter(DESCRIPTION, KEYS, load_settings, make_platform)
