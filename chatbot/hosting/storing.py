"""Writing a running session to the archive, also when the archive cannot take it for a while.

Every write the runner must not lose goes through ``Storing.write``: done at once when the archive
takes it. When it cannot (another process holds the database locked longer than the busy timeout,
the disk or the database is full, the disk fails), the session goes on: the write waits, in order
behind the others, in a bounded buffer; the messages it carries are appended to the session's
journal (``chatbot.store.journal``, fsynced) so that nothing a participant saw shown is lost if the
process dies; a retry with capped backoff carries everything in once the archive takes writes
again, then empties the journal. A restart replays the journal before anything else.

What people see follows what is durable: a platform that shows messages itself (the web room,
``ShowsWhenStored``) shows a message, and tells its sender it was taken, only once it is in the
archive or the journal. When the buffer is full, such platforms refuse new posts with the reason
until it drains. The host sees the archive's state on the dashboard (``ArchiveState``); the log
has one line per change of state, not one per retry.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import sqlite3
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from chatbot.core.model import Message
from chatbot.hosting.payloads import ArchiveState
from chatbot.store import iso, message_from_row, message_row
from chatbot.store.journal import Journal, journal_for

if TYPE_CHECKING:
    from chatbot.hosting.session import SessionRunner

log = logging.getLogger("chatbot.hosting")

#: SQLite's primary result codes that mean "not now", by what the host is told.
_SQLITE_FAULTS = {
    5: "database locked",
    6: "database locked",
    8: "database read-only",
    10: "disk error",
    13: "disk full",
}
_OS_FAULTS = {
    errno.ENOSPC: "disk full",
    errno.EDQUOT: "disk full",
    errno.EIO: "disk error",
    errno.EROFS: "disk read-only",
}


def archive_fault(e: BaseException) -> str | None:
    """Why the archive cannot take a write now (``database locked``, ``disk full``...), when ``e``
    says so; None for any other error (a bug, a bad row: those are not retried)."""
    if isinstance(e, sqlite3.Error):
        code = getattr(e, "sqlite_errorcode", None)
        if code is not None:
            return _SQLITE_FAULTS.get(code & 0xFF)
        text = str(e).lower()
        return "database locked" if "locked" in text else "disk full" if "full" in text else None
    if isinstance(e, OSError):
        return _OS_FAULTS.get(e.errno or 0)
    return None


@runtime_checkable
class ShowsWhenStored(Protocol):
    """A platform that shows participants' messages itself (the web room): from
    ``echo_when_stored()`` on it shows each one, and tells its sender it was taken, only once the
    runner says it is durable (``stored``); ``recovered`` gives it back what a run that died had
    shown (from the journal); ``refuse_posts(reason)`` makes it refuse new posts with ``reason``
    (None: take them again)."""

    def echo_when_stored(self) -> None: ...

    def stored(self, ids: Sequence[str]) -> None: ...

    def recovered(self, messages: Sequence[Message]) -> None: ...

    def refuse_posts(self, reason: str | None) -> None: ...


@dataclass(frozen=True)
class StoreOptions:
    """How the runner waits for its archive: the bound of the buffer (messages not yet stored;
    beyond it new posts are refused), the backoff between attempts, the busy timeout while it
    waits (short: an attempt holds the event loop that long), and whether to journal."""

    max_waiting: int = 10_000
    first_retry: float = 0.1  # seconds
    max_retry: float = 2.0
    probe_timeout: float = 0.05  # seconds an attempt waits for a lock while the archive is not writable
    journal: bool = True
    drain_seconds: float = 10.0  # how long the end of a run waits for the archive to take the rest


@dataclass
class _Write:
    do: Callable[[], None]
    messages: list[Message]
    shown: Callable[[], None] | None  # once durable (stored or journaled); None once called
    stored: Callable[[], None] | None  # once stored
    journaled: bool = False  # its messages are in the journal


class Storing:
    """Part of one ``SessionRunner`` (``runner.storing``)."""

    def __init__(self, runner: SessionRunner, options: StoreOptions) -> None:
        self.r = runner
        self.options = options
        path = runner.store.path
        self.journal: Journal | None = journal_for(path, runner.session_id) if options.journal else None
        self._queue: deque[_Write] = deque()
        self._since: datetime | None = None
        self._reason = ""
        self._refusing = False
        self._journaled = False  # the journal has lines not known to be stored
        self._journal_failing = False
        self._dropped = False  # a waiting write failed for another reason than the archive's state
        self._retrying: asyncio.Task[None] | None = None
        self._busy: float | None = None  # the normal busy timeout, while a shorter one is in force
        self._drained = asyncio.Event()
        self._drained.set()

    @property
    def waiting(self) -> int:
        """Messages heard but not in the archive yet."""
        return sum(len(w.messages) for w in self._queue)

    def state(self) -> ArchiveState:
        """The archive as the dashboard shows it (``chatbot.hosting.payloads.ArchiveState``)."""
        return {
            "writable": self._since is None,
            "since": iso(self._since) if self._since else None,
            "reason": self._reason or None,
            "waiting": self.waiting,
            "journaled": self._journaled,
            "refusing": self._refusing,
            "alert": self._alert(),
        }

    def _alert(self) -> str | None:
        """The dashboard's sentence: since when (the chat's time), why, what waits, what is safe."""
        if self._since is None:
            return None
        since = self._since.astimezone(ZoneInfo(self.r.spec.timezone)).strftime("%H:%M")
        n = self.waiting
        waiting = f"{n} message{'' if n == 1 else 's'} waiting"
        memory = sum(len(w.messages) for w in self._queue if not w.journaled)
        if not memory:
            kept = f"{waiting}; nothing is lost"
        elif memory == n:
            kept = f"{waiting} in memory, shown in the room once stored"
        else:
            kept = f"{waiting}, {memory} of them in memory, shown in the room once stored"
        full = "; the buffer is full: new posts are refused until it drains" if self._refusing else ""
        return f"The archive is not writable since {since} ({self._reason}); {kept}{full}."

    # -- writing ------------------------------------------------------------------------------
    def write(
        self,
        do: Callable[[], None],
        *,
        messages: Sequence[Message] = (),
        journal: bool = True,
        shown: Callable[[], None] | None = None,
        stored: Callable[[], None] | None = None,
    ) -> bool:
        """Carry out ``do`` (one transaction) now, or after the writes waiting before it when the
        archive cannot take it; ``shown`` once what it carries is durable (stored, or ``messages``
        journaled, unless ``journal`` is False: they are there already), ``stored`` once it is in
        the archive. True when it is stored already."""
        w = _Write(do, list(messages), shown, stored, journaled=not journal)
        if not self._queue:
            try:
                do()
            except Exception as e:
                reason = archive_fault(e)
                if reason is None:
                    raise
                self._fault(reason, e)
            else:
                self._done(w)
                if self._journaled and not self._dropped:  # replayed at the start: now stored
                    self._clear_journal()
                return True
        self._queue.append(w)
        self._drained.clear()
        if w.messages and journal:
            self._journal(w)
        self._bound()
        self.r._emit_state()
        return False

    def replay(self) -> list[Message]:
        """At the start, before anything else: the journal's messages (heard and shown by an
        earlier run that could not store them), in the order heard. They are taken like messages
        heard now, and the journal is emptied once they are stored."""
        if self.journal is None:
            return []
        try:
            rows = self.journal.read()
        except OSError as e:
            log.error(
                "event=journal_unreadable session=%s path=%s error=%r",
                self.r.session_id,
                self.journal.path,
                e,
            )
            return []
        messages = list({r["uid"]: message_from_row(r) for r in rows}.values())  # once each
        if messages:
            self._journaled = True
            log.warning(
                "event=journal_replayed session=%s messages=%d path=%s",
                self.r.session_id,
                len(messages),
                self.journal.path,
            )
        elif self.journal.path.exists():
            self._clear_journal()
        return messages

    async def drain(self, timeout: float | None) -> bool:
        """Until everything waiting is stored (or ``timeout`` seconds passed: then False, and what
        is still waiting stays in the journal for the next start)."""
        if self._queue and self._retrying is None:
            self._retrying = asyncio.create_task(self._retry(), name=f"{self.r.session_id}:archive")
        try:
            await asyncio.wait_for(self._drained.wait(), timeout)
        except TimeoutError:
            log.error(
                "event=archive_not_written session=%s reason=%s waiting=%d journal=%s",
                self.r.session_id,
                self._reason,
                self.waiting,
                self.journal.path if self.journal and self._journaled else "none",
            )
            return False
        return True

    async def close(self) -> None:
        """The retry stops (what still waits is in the journal)."""
        if self._retrying is not None:
            self._retrying.cancel()
            await asyncio.gather(self._retrying, return_exceptions=True)
            self._retrying = None
        self._restore_busy()

    # -- inside ---------------------------------------------------------------------------------
    def _done(self, w: _Write) -> None:
        if w.shown is not None:
            shown, w.shown = w.shown, None
            shown()
        if w.stored is not None:
            w.stored()

    def _journal(self, w: _Write) -> None:
        """The write's messages appended to the journal: durable now, so shown now."""
        if self.journal is None:
            return
        try:
            self.journal.append([message_row(m, session_id=self.r.session_id) for m in w.messages])
        except OSError as e:
            if not self._journal_failing:  # logged once, not at every batch
                self._journal_failing = True
                log.error(
                    "event=journal_failed session=%s path=%s error=%r action=keep_in_memory",
                    self.r.session_id,
                    self.journal.path,
                    e,
                )
            return  # shown once stored
        self._journaled = w.journaled = True
        if w.shown is not None:
            shown, w.shown = w.shown, None
            shown()

    def _fault(self, reason: str, e: Exception) -> None:
        if self._since is None or reason != self._reason:
            log.error(
                "event=archive_not_writable session=%s reason=%s error=%r waiting=%d action=buffer_and_retry",
                self.r.session_id,
                reason,
                e,
                self.waiting,
            )
        if self._since is None:
            self._since = self.r.clock.now()
            self._busy = self.r.store.busy_timeout()
            self.r.store.set_busy_timeout(self.options.probe_timeout)
        self._reason = reason
        if self._retrying is None:
            self._retrying = asyncio.create_task(self._retry(), name=f"{self.r.session_id}:archive")

    def _bound(self) -> None:
        if self._refusing or self.waiting < self.options.max_waiting:
            return
        self._refusing = True
        log.error(
            "event=archive_buffer_full session=%s waiting=%d action=refuse_new_posts",
            self.r.session_id,
            self.waiting,
        )
        self._tell(self._refusal())

    def _refusal(self) -> str:
        return (
            f"the chat's archive cannot take messages right now ({self._reason}); "
            "your message was not sent: try again in a minute"
        )

    def _tell(self, reason: str | None) -> None:
        for p in self.r.platforms.values():
            if isinstance(p, ShowsWhenStored):
                p.refuse_posts(reason)

    async def _retry(self) -> None:
        """Attempts with capped backoff until every waiting write is stored."""
        delay = self.options.first_retry
        try:
            while self._queue:
                await self.r.clock.sleep_until(self.r.clock.now() + timedelta(seconds=delay))
                delay = min(delay * 2, self.options.max_retry)
                self._attempt()
        finally:
            self._retrying = None

    def _attempt(self) -> None:
        before = self.waiting
        while self._queue:
            w = self._queue[0]
            try:
                w.do()
            except Exception as e:
                reason = archive_fault(e)
                if reason is None:  # not the archive's state: this write can never go in
                    log.error(
                        "event=write_dropped session=%s messages=%d error=%r",
                        self.r.session_id,
                        len(w.messages),
                        e,
                        exc_info=e,
                    )
                    self._queue.popleft()
                    self._dropped = True  # its messages stay in the journal for the next start
                    continue
                if reason != self._reason:
                    self._fault(reason, e)
                break
            self._queue.popleft()
            try:
                self._done(w)
            except Exception as e:  # what the stored write set off failed; the rest still goes in
                log.error("event=after_write_failed session=%s error=%r", self.r.session_id, e, exc_info=e)
        if not self._queue:
            self._recovered()
        elif self.waiting != before:
            self.r._emit_state()

    def _recovered(self) -> None:
        log.warning(
            "event=archive_writable session=%s since=%s reason=%s",
            self.r.session_id,
            iso(self._since) if self._since else "",
            self._reason,
        )
        self._since, self._reason, self._journal_failing = None, "", False
        self._restore_busy()
        if self._journaled and not self._dropped:
            self._clear_journal()
        if self._refusing:
            self._refusing = False
            self._tell(None)
        self._drained.set()
        self.r._wake.set()  # a post that waited for its intent goes out now
        self.r._emit_state()

    def _restore_busy(self) -> None:
        if self._busy is not None:
            try:
                self.r.store.set_busy_timeout(self._busy)
            except sqlite3.Error as e:  # the connection is closing: nothing to restore
                log.debug("busy timeout not restored: %r", e)
            self._busy = None

    def _clear_journal(self) -> None:
        if self.journal is None:
            return
        try:
            self.journal.clear()
        except OSError as e:  # replaying it again stores nothing twice
            log.warning(
                "event=journal_not_cleared session=%s path=%s error=%r",
                self.r.session_id,
                self.journal.path,
                e,
            )
            return
        self._journaled = False
