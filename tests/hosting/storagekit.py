"""Shared pieces of the storage-fault tests (no tests here): another process holding the archive
locked, a session hosted by the real runner on a real web room, and waiting for what it shows.

``python -m tests.hosting.storagekit DB N`` is the process the kill test kills: it hosts the
session on DB, prints ``ready``, and once it reads a line has N messages said in its room; it
prints ``shown <text>`` as each one reaches a browser, and waits to be killed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from chatbot.clock import ScaledClock
from chatbot.config import SessionConfig
from chatbot.core.model import Message
from chatbot.hosting.payloads import ArchiveState
from chatbot.hosting.session import SessionRunner
from chatbot.hosting.storing import StoreOptions
from chatbot.platforms.web import Listener, WebRoom
from chatbot.store import Store
from tests.hosting.kit import START, make_session, make_spec

SID = "localgovchat-2026-11-24"
HOLD = """
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()
c.execute("COMMIT")
"""


class Locked:
    """Another process (as Datasette or ``sqlite-utils`` may be) holding the archive with ``BEGIN
    EXCLUSIVE`` until ``release()``."""

    def __init__(self, db: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLD, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "locked"

    def release(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.write("\n")
            self.proc.stdin.flush()
            assert self.proc.wait(10) == 0


def web_session() -> SessionConfig:
    """The test chat on the web room; nothing falls due while a test runs (its clock is an hour early)."""
    return make_session(make_spec(platforms=("web",)), announce_before_minutes=[])


def stored_texts(db: Path) -> list[str]:
    """The session's participants' messages as a reader sees the archive, in the order heard."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        rows = conn.execute(
            "select text from messages where session_id = ? and is_bot = 0 order by ts, rowid", [SID]
        )
        return [r[0] for r in rows]


async def until(check: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    """Wait (briefly polling) until ``check()`` holds; fail naming ``what`` after ``timeout``."""
    try:
        async with asyncio.timeout(timeout):
            while not check():
                await asyncio.sleep(0.005)
    except TimeoutError:
        raise AssertionError(f"not within {timeout}s: {what}") from None


@dataclass
class Chat:
    """The session hosted by the real runner on its web room; people who post, a browser that
    watches (every frame it got), and the archive states the dashboard was sent."""

    db: Path
    runner: SessionRunner
    room: WebRoom
    watcher: Listener
    frames: list[dict[str, Any]] = field(default_factory=list)
    archive: list[ArchiveState] = field(default_factory=list)
    people: dict[str, Listener] = field(default_factory=dict)

    def say(self, who: str, text: str) -> str:
        """``who`` (a participant of their own address) posts ``text`` in the room; its id."""
        listener = self.people.get(who)
        if listener is None:
            listener = self.people[who] = self.room.connect(f"192.0.2.{len(self.people) + 1}")
            self.room.join(listener, f"secret-of-{who}", who)
        said = self.room.receive(listener, text, ref=text[:40])
        assert isinstance(said, Message), "a message, not a command"
        return said.id

    def shown(self) -> list[str]:
        """The texts the watching browser was shown, in order."""
        self._read()
        return [f["message"]["text"] for f in self.frames if f["type"] == "message"]

    def sent(self, who: str) -> list[str]:
        """The refs of ``who``'s posts the room told them it took."""
        listener = self.people[who]
        while not listener.outbox.empty():
            frame = listener.outbox.get_nowait()
            if frame is not None and frame["type"] == "sent":
                self.frames.append({**frame, "to": who})
        return [f["ref"] for f in self.frames if f["type"] == "sent" and f.get("to") == who]

    def state(self) -> ArchiveState:
        return self.runner.state()["archive"]

    def _read(self) -> None:
        while not self.watcher.outbox.empty():
            frame = self.watcher.outbox.get_nowait()
            if frame is not None:
                self.frames.append(frame)


@contextlib.asynccontextmanager
async def hosted(tmp: Path, options: StoreOptions | None = None, *, busy: float = 0.1) -> AsyncIterator[Chat]:
    """The session on ``tmp/chat.db``, its runner's busy timeout ``busy`` seconds (a test need not
    wait five); stopped cleanly at the end, and it must not have failed."""
    db = tmp / "chat.db"
    store = Store(db)
    store.set_busy_timeout(busy)
    room = WebRoom("#localgovchat", reserved=("@govhost",))
    clock = ScaledClock(START - timedelta(hours=1), 1)
    runner = SessionRunner(web_session(), store, [room], clock=clock, storing=options)
    chat = Chat(db, runner, room, room.connect("198.51.100.9"))
    task = asyncio.create_task(runner.run())
    watch = asyncio.create_task(_watch(runner, chat.archive))
    try:
        await until(lambda: task.done() or (room.started and runner._ledger is not None), "the runner starts")
        assert not task.done(), f"the session did not start: {task.result()!r}"
        yield chat
        assert not task.done(), "the session stopped by itself"
    finally:
        runner.stop()
        await asyncio.wait_for(task, 30)  # raises what made it fail, if anything did
        watch.cancel()
        store.close()


async def _watch(runner: SessionRunner, seen: list[ArchiveState]) -> None:
    async for event in runner.subscribe():
        if event["type"] == "state":
            seen.append(event["state"]["archive"])


async def _child(db: Path, n: int) -> None:
    """The process the kill test kills (see the module's docstring)."""
    async with hosted(db.parent, StoreOptions(drain_seconds=0), busy=0.05) as chat:
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)  # the test may lock the archive first
        for i in range(n):
            chat.say(f"p{i % 10}", f"message {i}")
            await asyncio.sleep(0)
        printed = 0
        while True:
            shown = chat.shown()
            for text in shown[printed:]:
                print("shown", text, flush=True)
            printed = len(shown)
            await asyncio.sleep(0.002)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("db", type=Path)
    ap.add_argument("n", type=int)
    args = ap.parse_args(argv)
    asyncio.run(_child(args.db, args.n))


if __name__ == "__main__":
    main()
