"""Where anonymous readers' database work runs: a few worker threads, off the event loop.

SQLite is synchronous: a read on the event loop stalls every websocket and stream the app
serves. So what readers ask for (pages of a transcript, search, the list of sessions, exports)
is read by ``ReadPool.run`` on one of ``workers`` threads, each with its own read-only connection
to the archive (``PRAGMA query_only``), and the loop only awaits the answer. A read that waits
for a thread while ``waiting`` others already do is refused (``ReadsBusy``: the app answers 503),
and one that runs longer than ``timeout`` seconds is interrupted (``ArchiveUnavailable``).

``health()`` asks the archive itself, on a thread of its own with a fresh connection: whether
the file opens and answers a query on its tables, ``"busy"`` when it is locked, never hanging.

An in-memory archive (``:memory:``, the tests' and demos' own) can only be read through the
connection that made it: there the work runs on the loop, as it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from chatbot.store import NotFound, Store, StoreError

log = logging.getLogger(__name__)
T = TypeVar("T")
Hook = Callable[[sqlite3.Connection], None]
STEPS = 10_000  # SQLite VM steps between two looks at the clock
FAULT_SECONDS = 60.0  # how long health reports a corrupt page a read met
CORRUPT = "the archive is corrupt or not a database"


class ReadsBusy(Exception):
    """Too many reads wait for a thread: come back in a moment."""


class ArchiveUnavailable(Exception):
    """The archive cannot answer (corrupt, unreadable, locked for too long, too slow): one line why."""


class ReadPool:
    """Worker threads reading the archive at ``path`` for the web app's anonymous readers."""

    def __init__(
        self,
        store: Store,
        *,
        workers: int = 2,
        waiting: int = 64,
        timeout: float = 20.0,
        health_timeout: float = 2.0,
    ) -> None:
        self.path = store.path
        self.inline = store.path == ":memory:"
        self._store = store
        self.workers = workers
        self.waiting = waiting
        self.timeout = timeout
        self.health_timeout = health_timeout
        #: called with each reader connection as it opens (after the store's own settings)
        self.on_connect: list[Hook] = []
        self._executor: ThreadPoolExecutor | None = None
        self._checker: ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._opened: list[Store] = []
        self._lock = threading.Lock()
        self._queued = 0
        self._health: asyncio.Future[str | None] | None = None
        self._fault: tuple[float, str] | None = None  # when a read last met a corrupt page, and why

    async def run(self, read: Callable[[Store], T]) -> T:
        """``read(store)`` on a reader thread; ``ReadsBusy``, ``ArchiveUnavailable``, or what
        ``read`` raises (a ``NotFound`` passes through: the caller says 404)."""
        if self.inline:
            return self._guarded(read, self._store)
        if self._queued >= self.waiting:
            raise ReadsBusy("too many readers at once")
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="chatbot-read")
        self._queued += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, self._on_thread, read)
        finally:
            self._queued -= 1

    def _on_thread(self, read: Callable[[Store], T]) -> T:
        store = getattr(self._local, "store", None)
        if store is None:
            store = self._open()
        self._local.deadline = time.monotonic() + self.timeout
        return self._guarded(read, store)

    def _guarded(self, read: Callable[[Store], T], store: Store) -> T:
        try:
            return read(store)
        except NotFound:
            raise
        except (sqlite3.Error, StoreError) as e:
            reason = _reason(e)
            if reason == CORRUPT:
                self._fault = (time.monotonic(), reason)
            raise ArchiveUnavailable(reason) from e

    def _open(self) -> Store:
        try:
            store = Store(self.path)
        except StoreError as e:
            raise ArchiveUnavailable(_reason(e)) from e
        conn = store.db.conn
        conn.execute("PRAGMA query_only = ON")
        local = self._local
        local.deadline = time.monotonic() + self.timeout
        conn.set_progress_handler(lambda: int(time.monotonic() > local.deadline), STEPS)
        for hook in self.on_connect:
            hook(conn)
        local.store = store
        with self._lock:
            self._opened.append(store)
        return store

    async def health(self) -> str | None:
        """None when the archive answers; else why not, in a few words (``"busy"`` when locked).
        The check is cheap (the schema, the newest rows of the main tables, on a fresh
        connection), so a corrupt page elsewhere shows first to the read that meets it: then the
        archive is said to be corrupt for ``FAULT_SECONDS``. Checks asked for while one runs share it."""
        if self._fault is not None:
            at, reason = self._fault
            if time.monotonic() - at < FAULT_SECONDS:
                return reason
            self._fault = None
        if self._health is None or self._health.done():
            self._health = asyncio.ensure_future(self._check())
        return await asyncio.shield(self._health)

    async def _check(self) -> str | None:
        if self.inline:
            return _probe(self._store.db.conn)
        if self._checker is None:
            self._checker = ThreadPoolExecutor(1, thread_name_prefix="chatbot-health")
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(
                loop.run_in_executor(self._checker, _fresh_probe, self.path, self.health_timeout),
                self.health_timeout * 2,
            )
        except TimeoutError:
            return "busy"

    def close(self) -> None:
        """Stop the threads (waiting for the reads under way) and close their connections."""
        for pool in (self._executor, self._checker):
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        self._executor = self._checker = None
        with self._lock:
            opened, self._opened = self._opened, []
        for store in opened:
            with contextlib.suppress(sqlite3.Error):
                store.close()


def _fresh_probe(path: str, timeout: float) -> str | None:
    try:
        conn = sqlite3.connect(Path(path).absolute().as_uri() + "?mode=ro", uri=True, timeout=timeout)
    except sqlite3.Error as e:
        return _reason(e)
    try:
        return _probe(conn)
    finally:
        conn.close()


def _probe(conn: sqlite3.Connection) -> str | None:
    """None when the archive's tables answer a cheap query (its schema and newest rows)."""
    try:
        conn.execute("select count(*) from sqlite_master").fetchone()
        for table in ("sessions", "messages", "participants", "questions", "redactions"):
            for order in ("asc", "desc"):
                conn.execute(f"select * from {table} order by rowid {order} limit 1").fetchone()
        conn.execute("select ts from messages order by session_id desc, ts desc limit 1").fetchone()
    except sqlite3.Error as e:
        return _reason(e)
    return None


def _reason(e: Exception) -> str:
    """What a reader is told (the file's path and SQLite's details go to the log only)."""
    text = str(e).casefold()
    log.warning("archive read failed: %s", e)
    if "locked" in text or "busy" in text:
        return "busy"
    if "interrupted" in text:
        return "the archive took too long to answer"
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return CORRUPT
    return "the archive cannot be read"
