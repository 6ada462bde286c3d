"""The one start-up path: ``chatbot run``, the demo, ``chatbot serve`` and the tests all start here.

``started(config)`` checks every session of the config before anything opens (templates,
timeline, platforms: a ``ConfigError`` naming the key, and no database file is created), opens
the archive, asks the platform registry for each session's adapters, builds one
``SessionRunner`` per session under a ``Host``, and serves the web app (rooms, live views,
dashboards, readers' pages) when a session's platform is reached through it or when asked to.
It yields a ``Started``; leaving it stops the web app and closes the archive. While another
program holds the archive locked, hosting waits for it (``chatbot.preflight.Waiting``) until the
chat's end, so that the runners' first writes find it free. The caller runs
``started.host.run()`` (what ``run_config`` does), or waits for a signal (``serve``).

This module is the composition root: it is the one place that knows both ``chatbot.hosting``
and ``chatbot.web``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chatbot.clock import Clock
from chatbot.config import Config, ConfigError
from chatbot.core.sessions import slug_for
from chatbot.hosting.host import Host, PlatformsFactory, default_platforms
from chatbot.hosting.plan import session_plan
from chatbot.hosting.recaps import Recaps
from chatbot.hosting.session import SessionRunner
from chatbot.platforms.base import Platform
from chatbot.preflight import ArchiveLocked, Waiting, ends_of, open_archive
from chatbot.store import Store

if TYPE_CHECKING:
    from chatbot.web.context import WebContext

log = logging.getLogger("chatbot.hosting")

Say = Callable[[str], None]


@dataclass
class Started:
    """What is up: the sessions under their host, the archive, the web app (None when not served)."""

    config: Config
    host: Host
    store: Store
    recaps: Recaps
    web: WebContext | None  # the web app is imported only when it is served

    @property
    def base_url(self) -> str:
        return self.web.base_url if self.web is not None else ""


def check_sessions(config: Config, recaps: Recaps) -> None:
    """Every session plannable as written; ConfigError naming the key otherwise."""
    for i, sc in enumerate(config.sessions):
        try:
            session_plan(sc, recap_url=recaps.url_for(slug_for(sc.spec)))
        except ValueError as e:
            sep = "." if str(e).startswith(("messages", "timeline")) else ": "
            raise ConfigError(f"{config.path}: session[{i}]{sep}{e}") from None


def serves_web(config: Config) -> bool:
    """Whether a session of ``config`` is on a platform its people reach through our web app."""
    names = {name for sc in config.sessions for name in sc.spec.platforms}
    return any(
        name in config.registry.hostable and config.registry.adapter(name).served_by_web_app for name in names
    )


@contextlib.asynccontextmanager
async def started(
    config: Config,
    *,
    clock: Clock | None = None,
    platforms_factory: PlatformsFactory | None = None,
    web: bool | None = None,
    say: Say | None = print,
) -> AsyncIterator[Started]:
    """``config``'s sessions ready to run, and the web app serving them when ``web`` (None: when
    a session's platform is the web room). ``say`` gets the addresses to print (None: nothing)."""
    recaps = Recaps(config.transcripts, public_url=config.public_url)
    check_sessions(config, recaps)
    made = [
        platforms_factory(config, sc) if platforms_factory else default_platforms(config, sc, clock=clock)
        for sc in config.sessions
    ]
    store = await open_store(config)
    try:
        if not (serves_web(config) if web is None else web):
            yield Started(config, _host(config, store, made, recaps, clock), store, recaps, None)
            return
        from chatbot.web.serve import add_session, addresses, hosting

        # The web app has its own connection (its reads never wait on the runners' writes),
        # except for an in-memory archive, which only one connection can see.
        web_store = store if store.path == ":memory:" else Store(config.db)
        try:
            async with hosting(
                config.web.host,
                config.web.port,
                web_store,
                config.transcripts,
                [],
                host_token=config.web.host_token,
                say=None,
                settings=config.web,
            ) as ctx:
                if not recaps.public_url:  # links in posts and recaps: where the app really listens
                    recaps.public_url = ctx.base_url
                host = _host(config, store, made, recaps, clock)
                for live in host.sessions.values():
                    add_session(ctx, live)
                if say is not None:
                    for line in addresses(ctx):
                        say(line)
                yield Started(config, host, store, recaps, ctx)
        finally:
            if web_store is not store:
                web_store.close()
    finally:
        store.close()


async def open_store(config: Config) -> Store:
    """The archive of ``config``; when it has sessions to host, checked writable, waiting while
    another program holds it locked (until the chat's end: then one ArchiveError line)."""
    if str(config.db) == ":memory:" or not config.sessions:
        return Store(config.db)
    waiting = Waiting(config.db, ends_of(config))
    while True:
        try:
            return open_archive(config.db)
        except ArchiveLocked:
            await asyncio.sleep(waiting.locked())


def _host(
    config: Config,
    store: Store,
    made: list[Sequence[Platform]],
    recaps: Recaps,
    clock: Clock | None,
) -> Host:
    runners = [
        SessionRunner(sc, store, platforms, clock=clock, recaps=recaps)
        for sc, platforms in zip(config.sessions, made, strict=True)
    ]
    host = Host(runners)
    if runners:
        log.info("event=hosting sessions=%s db=%s", ",".join(host.sessions), config.db)
    return host


async def run_config(
    config: Config,
    *,
    clock: Clock | None = None,
    platforms_factory: PlatformsFactory | None = None,
    handle_signals: bool = True,
    say: Say | None = print,
) -> int:
    """``chatbot run``: host every session of ``config`` until all have ended; the exit code
    (0 ok, 1 a session failed). ConfigError, before anything starts, when a session cannot be
    hosted as written."""
    if not config.sessions:
        raise ConfigError(f"{config.path}: no [[session]] to host")
    async with started(config, clock=clock, platforms_factory=platforms_factory, say=say) as up:
        return await up.host.run(handle_signals=handle_signals)
