"""A fake X API v2 for the adapter's tests: the real tweepy client talks to it on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from tests.platforms.xfake.app import Credentials, Fault, Logged, XFake
from tests.platforms.xfake.model import Post, User, snowflake_at, time_of

__all__ = ["Credentials", "Fault", "Logged", "Post", "User", "XFake", "serve", "snowflake_at", "time_of"]


@asynccontextmanager
async def serve(fake: XFake) -> AsyncIterator[str]:
    """The fake listening on a free loopback port; yields its base URL."""
    # a client that goes away ends its request's handler (the stream frees its one connection)
    runner = web.AppRunner(fake.app(), handle_signals=False, access_log=None, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()
