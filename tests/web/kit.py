"""Shared pieces of the web tests (no tests here): the test session, hosted by the real
``SessionRunner`` on its real web room the way ``chatbot run`` hosts it, and what a test does there.

``hosted(config)`` goes through the app's one start-up path, ``chatbot.startup.started`` (the
runner, the room made by the platform registry, the ``Host``, the web app), as ``chatbot run``
and the demo do.

The clock is the real one moved back to an hour before the session (a ``ScaledClock`` at speed 1):
nothing is due while a test runs, so the session stays as the test leaves it. A ``VirtualClock``
does not fit tests that talk to a server over sockets: it jumps to the next due post whenever the
event loop waits on I/O, so the session would rush to its end during the first request.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from chatbot.clock import Clock, ScaledClock
from chatbot.config import Config, SessionConfig
from chatbot.core.events import CommandGiven
from chatbot.core.model import Message, PromptSpec, SessionSpec
from chatbot.demo import demo_session
from chatbot.hosting.host import Host, SessionRunner
from chatbot.hosting.payloads import LiveState
from chatbot.platforms.web import WebRoom, WebSettings
from chatbot.startup import started
from chatbot.store import LoggedCommand, Store
from chatbot.web.context import WebContext

SID = "localgovchat-2026-11-24"
START = datetime(2026, 11, 24, 21, 0, tzinfo=UTC)
TOKEN = "test-host-token-0123456789abcdef"
QUIET: dict[str, Any] = {"announce_before_minutes": []}  # nothing is posted before the start
ADDRESS = "192.0.2.7"  # where ``say`` connects from (not the test client's address)


def spec(**overrides: Any) -> SessionSpec:
    values: dict[str, Any] = {
        "id": SID,
        "hashtag": "#LocalGovChat",
        "title": "Social media and the front line",
        "start": START,
        "timezone": "America/New_York",
        "duration_minutes": 60,
        "hosts": ("LocalGovChat",),
        "prompts": (PromptSpec("Q1", "Should frontline staff tweet answers?"),),
        "platforms": ("web",),
    }
    values.update(overrides)
    return SessionSpec(**values)


def config(db: Path, transcripts: Path, *sessions: SessionConfig) -> Config:
    """A config as ``chatbot run`` loads one: the web app on a free loopback port."""
    return Config(
        path=Path("(test)"),
        db=db,
        transcripts=transcripts,
        public_url="http://127.0.0.1",
        platform_settings={"web": WebSettings("127.0.0.1", 0, TOKEN)},
        sessions=sessions or (SessionConfig(spec(), {}, QUIET),),
    )


def short_session(start: datetime) -> SessionConfig:
    """The demo's session with Q1 a minute after the start and the next prompts far enough
    away (and the end too) that a test on a fast clock stays on Q1 until it ends the chat."""
    demo = demo_session(start, zone="America/New_York")
    prompts = tuple(replace(p, offset_minutes=1 + 30 * i) for i, p in enumerate(demo.spec.prompts))
    spec = replace(demo.spec, prompts=prompts, duration_minutes=100)
    return SessionConfig(spec, demo.messages, {**demo.timeline, "last_call_minutes": 5})


async def until(check: Callable[[], bool | Awaitable[bool]], what: str, timeout: float = 3.0) -> None:
    """Wait (briefly polling) until ``check()`` holds; fail naming ``what`` after ``timeout``."""
    try:
        async with asyncio.timeout(timeout):
            while not await _holds(check()):
                await asyncio.sleep(0.005)
    except TimeoutError:
        raise AssertionError(f"not within {timeout}s: {what}") from None


@dataclass
class Served:
    """The session running and served: its runner, its room, the web app's context."""

    base: str
    ctx: WebContext
    host: Host
    runner: SessionRunner
    room: WebRoom

    @property
    def store(self) -> Store:
        """The web app's own connection to the archive (the runner has another)."""
        return self.ctx.store

    def state(self) -> LiveState:
        return self.runner.state()

    def stored(self) -> list[Message]:
        """The session's messages as the runner recorded them."""
        return self.store.live_messages(self.runner.session_id)

    def commands(self) -> list[LoggedCommand]:
        """The commands given outside chat text (the dashboard), as logged."""
        return self.store.command_log(self.runner.session_id)

    async def _caught_up(self) -> bool:
        shown = await self.room.history(limit=self.room.history_budget)
        stored = {m.id for m in self.stored()}
        return (
            not self.room.unshown
            and all(m.id in stored for m in shown)
            and not self.runner.ledger.unsettled()
        )

    async def settled(self) -> None:
        """Until the runner has recorded all the room showed and said every reply it owes."""
        await until(self._caught_up, "the runner records what the room showed and posts its replies")

    async def say(self, name: str, text: str, *, host: bool = False) -> str:
        """``name`` says ``text`` in the room the way the websocket hands it on (``connect``,
        ``join``, ``receive``); returns its id once the runner has recorded it and replied. A
        typed command is no message: then once the runner has logged it (and "" is returned)."""
        logged = len(self.commands())
        listener = self.room.connect(ADDRESS, host=host)
        try:
            self.room.join(listener, f"secret-of-{name}", name)
            said = self.room.receive(listener, text)
        finally:
            self.room.disconnect(listener)
        if isinstance(said, CommandGiven):
            await until(lambda: len(self.commands()) > logged, f"the runner logs {text!r}")
            return ""
        await until(self._shown(said.id), f"the room shows {text!r} (once it is stored)")
        await self.settled()
        return said.id

    def _shown(self, message_id: str) -> Callable[[], Awaitable[bool]]:
        async def shown() -> bool:
            return any(m.id == message_id for m in await self.room.history(limit=self.room.history_budget))

        return shown


@contextlib.asynccontextmanager
async def hosted(cfg: Config, *, clock: Clock | None = None) -> AsyncIterator[Served]:
    """``cfg``'s first session hosted and served through the app's one start-up path
    (``chatbot.startup.started``, as ``chatbot run`` and the demo use it), until exit (then
    stopped cleanly, as on Ctrl-C)."""
    clock = clock or ScaledClock(cfg.sessions[0].spec.start - timedelta(hours=1), 1)
    async with started(cfg, clock=clock, say=None) as up:
        assert up.web is not None
        runner = up.host.sessions[cfg.sessions[0].spec.id]
        room = runner.platforms["web"]
        assert isinstance(room, WebRoom)
        s = Served(up.base_url, up.web, up.host, runner, room)
        task = asyncio.create_task(up.host.run(handle_signals=False))
        await until(lambda: task.done() or (s.room.started and _running(s.runner)), "the runner starts")
        if task.done():
            raise AssertionError(f"the session did not start: {task.result()!r}")
        try:
            yield s
        finally:
            s.host.stop()
            assert await asyncio.wait_for(task, 10) == 0, "a session failed (see the log)"


async def _holds(result: bool | Awaitable[bool]) -> bool:
    return await result if inspect.isawaitable(result) else result


def _running(runner: SessionRunner) -> bool:
    try:
        runner.ledger  # noqa: B018 -- there once the runner restored its state: commands work
    except RuntimeError:
        return False
    return True
