"""What a command checks before it does any work, and how an archive it cannot use is said.

An archive that is read-only, locked by another process, corrupt or in a missing folder is one
``ArchiveError`` line naming the file and the problem, found before anything is read or written
(``open_archive``), and the file is left as it was. ``run`` also checks that recaps can be written
and that no session is past its start (``before_run``), and after hosting, that every chat that
ended got its recap (``without_recap``).

A lock is the one transient problem: another program (a backup, Datasette, sqlite-utils) holding
the database. ``run`` waits for it (``Waiting``: one log line at most every 30 s, retries with
capped backoff) until the chat's end; one-shot commands say at once to try again when it is free.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from chatbot.config import Config, ConfigError
from chatbot.store import Store, StoreError

log = logging.getLogger("chatbot")


class RecapNotWritten(Exception):
    """``run`` hosted a chat and stored it, but could not write its recap: exit code 1."""


class ArchiveError(StoreError):
    """The archive cannot be used as this command needs (read-only, locked, corrupt, no folder):
    one line naming the file and the problem; nothing in it was changed. Exit code 1."""


class ArchiveLocked(ArchiveError):
    """The archive is locked by another process for longer than the busy timeout: transient."""


def archive_problem(path: str | Path, e: sqlite3.Error) -> str:
    """What SQLite's ``e`` means for the archive at ``path``, and what to do, in one line."""
    text = str(e)
    low = text.lower()
    if "readonly" in low or "read-only" in low:
        what = (
            "is read-only; nothing was changed (make the file and its folder writable, or pass another --db)"
        )
    elif "locked" in low or "busy" in low:
        what = f"is locked by another process; nothing was changed (try again when {path} is free)"
    elif "not a database" in low or "malformed" in low or "corrupt" in low:
        what = "is corrupt or not an SQLite database; nothing was changed (restore it, or pass another --db)"
    elif "unable to open" in low:
        what = "cannot be opened (does its folder exist, and may it be written?)"
    elif "disk" in low and "full" in low:
        what = "cannot be written: the disk is full; nothing was changed"
    else:
        what = "cannot be used; nothing was changed"
    return f"{path}: the archive {what} [{text}]"


@contextlib.contextmanager
def archive_errors(path: str | Path) -> Iterator[None]:
    """SQLite's errors while using the archive at ``path`` as one ArchiveError line."""
    try:
        yield
    except ArchiveError:
        raise
    except StoreError as e:
        if isinstance(e.__cause__, sqlite3.Error):
            raise _error(path, e.__cause__) from None
        raise
    except sqlite3.Error as e:
        raise _error(path, e) from None


def _error(path: str | Path, e: sqlite3.Error) -> ArchiveError:
    line = archive_problem(path, e)
    return (ArchiveLocked if " is locked by another process" in line else ArchiveError)(line)


def open_archive(path: str | Path, *, write: bool = True) -> Store:
    """The archive at ``path``; ArchiveError (one line) when it cannot be opened. ``write``:
    checked writable now (not read-only, not locked by another process), before any work."""
    with archive_errors(path):
        store = Store(path)
    if write:
        try:
            writable(store.path)
        except ArchiveError:
            store.close()
            raise
    return store


class Waiting:
    """Waiting for another program to release the archive at ``path``, until ``until`` (a time
    on ``time.time()``'s scale): ``locked()`` logs (at most every ``SAY_EVERY`` s) and gives the
    seconds to sleep before the next try (capped backoff), or raises one ArchiveError line when
    the time is up."""

    SAY_EVERY = 30.0
    BACKOFF = (0.25, 5.0)  # first pause, longest pause (each try also waits the busy timeout)

    def __init__(
        self, path: str | Path, until: float, *, after: str = "the chat's end", hosting: bool = True
    ) -> None:
        self.path, self.until, self.after, self.hosting = path, until, after, hosting
        self.began = time.time()
        self.said: float | None = None
        self.pause = self.BACKOFF[0]

    def locked(self) -> float:
        now = time.time()
        waited = round(now - self.began)
        if now >= self.until:
            raise ArchiveError(
                f"{self.path}: the archive stayed locked by another program until {self.after} "
                f"({waited} s); {'nothing was hosted and ' if self.hosting else ''}nothing was changed"
            ) from None
        if self.said is None or now - self.said >= self.SAY_EVERY:
            log.warning(
                "the archive %s is locked by another program; waiting (%d s so far)", self.path, waited
            )
            self.said = now
        pause, self.pause = self.pause, min(self.pause * 2, self.BACKOFF[1])
        return max(0.0, min(pause, self.until - now))


def ends_of(config: Config) -> float:
    """When the last session of ``config`` ends (``time.time()`` scale): how long ``run`` waits."""
    ends = [sc.spec.start + timedelta(minutes=sc.spec.duration_minutes) for sc in config.sessions]
    return max(ends).timestamp() if ends else time.time()


def open_waiting(
    path: str | Path, until: float, *, after: str = "the chat's end", hosting: bool = True
) -> Store:
    """``open_archive(path)``, waiting (``Waiting``) while another program holds it locked;
    any other problem (read-only, corrupt, no folder) is its ArchiveError at once."""
    waiting = Waiting(path, until, after=after, hosting=hosting)
    while True:
        try:
            return open_archive(path)
        except ArchiveLocked:
            time.sleep(waiting.locked())


def writable(path: str | Path) -> None:
    """ArchiveError unless the archive at ``path`` can be written now. Changes nothing: a write
    transaction is begun and rolled back (SQLite refuses it on a read-only or locked file)."""
    if str(path) == ":memory:":
        return
    with archive_errors(path):
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("DELETE FROM sessions WHERE 0")  # a write: refused when read-only
            conn.execute("ROLLBACK")
        finally:
            conn.close()


#: How late ``run`` may start a session that was never hosted before without ``--late``.
LATE = timedelta(minutes=5)


def before_run(config: Config, *, late: bool) -> None:
    """What ``run`` checks before anything starts: recaps can be written, the archive is usable
    and writable (when it exists already; while another program holds it locked, waited for until
    the chat's end), and no session is past its start (it would be hosted late, or not at all)
    unless ``late``."""
    recaps_writable(config)
    fresh = {sc.spec.id for sc in config.sessions}
    there = str(config.db) != ":memory:" and Path(config.db).exists()
    if there:
        store = open_waiting(config.db, ends_of(config))
        try:
            with archive_errors(config.db):
                fresh = {sid for sid in fresh if not store.has_session(sid)}
        finally:
            store.close()
    now = datetime.now(UTC)
    for i, sc in enumerate(config.sessions):
        spec = sc.spec
        if spec.id not in fresh or spec.start > now - LATE:
            continue
        zone = ZoneInfo(spec.timezone)
        start = f"{spec.start.astimezone(zone):%Y-%m-%d %H:%M %Z}"
        end = spec.start + timedelta(minutes=spec.duration_minutes)
        if end <= now:
            raise ConfigError(
                f"{config.path}: session[{i}].start: {start} is past and the chat ended at "
                f"{end.astimezone(zone):%H:%M}; give a future start (archive a recorded chat with `import`)"
            )
        if not late:
            ago = int((now - spec.start) / timedelta(minutes=1))
            raise ConfigError(
                f"{config.path}: session[{i}].start: {start} was {ago} minutes ago; give a future start, "
                "or pass --late to host the rest of it now"
            )


def recaps_writable(config: Config) -> None:
    """ConfigError unless recaps can be written into ``config.transcripts`` (made if missing)."""
    out = config.transcripts
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as e:
        raise ConfigError(
            f"{config.path}: bot.transcripts: recaps cannot be written to {out}/ ({e.strerror or e})"
        ) from None


def without_recap(config: Config) -> list[str]:
    """The sessions of ``config`` that ended without their recap written."""
    store = Store(config.db)
    try:
        missing = []
        for sc in config.sessions:
            sid = sc.spec.id
            if not store.has_session(sid) or store.session_row(sid)["status"] != "ended":
                continue
            state = store.runner_state(sid)
            if state is not None and not state["recap_at"]:
                missing.append(sid)
        return missing
    finally:
        store.close()
