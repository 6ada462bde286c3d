"""Hosting live: several sessions in one process, run together and stopped cleanly.

A ``Host`` runs its ``SessionRunner``s until all have ended or SIGINT/SIGTERM stops them
(everything heard so far is stored). A session that fails is logged and the others go on; the
exit code says whether one failed. ``default_platforms`` asks the platform registry for a
session's adapters. Everything is wired together in one place, ``chatbot.startup``.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Sequence
from contextlib import AsyncExitStack

from chatbot.clock import Clock
from chatbot.config import Config, ConfigError, SessionConfig
from chatbot.hosting.recaps import Recaps
from chatbot.hosting.session import SessionRunner
from chatbot.platforms.base import Platform, PlatformError

__all__ = [
    "Host",
    "PlatformsFactory",
    "Recaps",
    "SessionRunner",
    "default_platforms",
    "run_sessions",
]

log = logging.getLogger("chatbot.hosting")

PlatformsFactory = Callable[[Config, SessionConfig], Sequence[Platform]]
"""Makes a session's own platform adapters (a new set for every session)."""


class Host:
    """Several sessions in one process, run together; ``stop()`` (or SIGINT/SIGTERM while
    ``run()`` handles signals) stops them all cleanly."""

    def __init__(self, runners: Sequence[SessionRunner]) -> None:
        self.sessions: dict[str, SessionRunner] = {}
        for r in runners:
            if r.session_id in self.sessions:
                raise ValueError(f"session {r.session_id} is given twice")
            self.sessions[r.session_id] = r
        self._stopping = False
        self._forced = False
        self._running: asyncio.Future[list[bool]] | None = None

    def stop(self) -> None:
        """Stop every session cleanly: what was heard is stored, unsent replies wait in the ledger."""
        if not self._stopping:
            log.warning("event=stopping sessions=%d", len(self.sessions))
        self._stopping = True
        for r in self.sessions.values():
            r.stop()

    def _on_signal(self) -> None:
        if not self._stopping or self._running is None:
            self.stop()
            return
        log.warning("event=stopping_now reason=second_signal")  # a platform hangs: cancel everything
        self._forced = True
        self._running.cancel()

    async def run(self, *, handle_signals: bool = True) -> int:
        """0 when every session ran to its end (or was stopped), 1 when one failed."""
        async with AsyncExitStack() as stack:
            if handle_signals:
                self._handle_signals(stack)
            self._running = asyncio.gather(*(self._guarded(r) for r in self.sessions.values()))
            try:
                results = await self._running
            except asyncio.CancelledError:
                if not self._forced:
                    raise
                return 1
        return 0 if all(results) else 1

    async def _guarded(self, runner: SessionRunner) -> bool:
        try:
            await runner.run()
        except PlatformError as e:  # a platform's own words (credentials refused at start): one line
            log.error("event=session_failed session=%s error=%s", runner.session_id, e)
            return False
        except Exception as e:
            log.error("event=session_failed session=%s error=%r", runner.session_id, e, exc_info=e)
            return False
        return True

    def _handle_signals(self, stack: AsyncExitStack) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self._on_signal)
            except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or Windows
                continue
            stack.callback(loop.remove_signal_handler, sig)


async def run_sessions(runners: Sequence[SessionRunner], *, handle_signals: bool = True) -> int:
    """Run the sessions until all have ended (or a signal stops them); the exit code."""
    return await Host(runners).run(handle_signals=handle_signals)


def default_platforms(
    config: Config, session: SessionConfig, *, clock: Clock | None = None
) -> list[Platform]:
    """A new adapter for each of the session's platforms, made by the config's registry;
    ConfigError for a platform this version cannot host."""
    made: list[Platform] = []
    for name in session.spec.platforms:
        try:
            made.append(config.registry.make(name, config, session, clock=clock))
        except PlatformError as e:
            raise ConfigError(f"{config.path}: session {session.spec.id}: {e}") from None
    return made
