"""Nothing lost when the archive cannot take writes: another process holds the database locked
longer than the busy timeout, or the disk (or the database's page budget) is full. The chat goes
on, messages are shown only once durable (stored, or in the journal), the host is told and the
note clears itself, everything is stored once and in order when the archive takes writes again,
and a full buffer refuses new posts with a reason instead of dropping them. Real SQLite files, a
real second process holding the lock, the real runner on a real web room."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from chatbot.hosting.storing import StoreOptions
from chatbot.platforms.web import RoomError
from chatbot.store.journal import Journal, journal_for
from tests.hosting.storagekit import SID, Locked, hosted, stored_texts, until


async def test_a_locked_archive_keeps_the_chat_going_and_loses_nothing(tmp_path: Path) -> None:
    async with hosted(tmp_path) as chat:
        before = [f"A1: before the lock {i}" for i in range(5)]
        for i, text in enumerate(before):
            chat.say(f"p{i}", text)
        await until(lambda: chat.shown() == before, "the first messages are shown")
        assert stored_texts(chat.db) == before

        lock = Locked(chat.db)
        try:
            during = [f"A1: while it is locked {i}" for i in range(10)]
            for i, text in enumerate(during):
                chat.say(f"p{i}", text)
                await asyncio.sleep(0)  # they arrive over several batches
            await until(lambda: chat.state()["waiting"] == 10, "ten messages wait for the archive")
            # the chat goes on: everyone sees them (they are in the journal), none is stored yet
            assert chat.shown() == before + during
            assert stored_texts(chat.db) == before
            journal = journal_for(str(chat.db), SID)
            assert journal is not None
            assert [r["text"] for r in journal.read()] == during
            state = chat.state()
            assert (state["writable"], state["reason"], state["journaled"]) == (
                False,
                "database locked",
                True,
            )
            assert state["alert"] is not None
            assert state["alert"].startswith("The archive is not writable since 20:")
            assert state["alert"].endswith("(database locked); 10 messages waiting; nothing is lost.")
            assert chat.sent("p3") == ["A1: before the lock 3", "A1: while it is locked 3"]
        finally:
            lock.release()

        await until(lambda: chat.state()["writable"], "the archive takes writes again")
        assert stored_texts(chat.db) == before + during  # once each, in the order heard
        assert not journal.path.exists()
        assert chat.state()["alert"] is None
        after = "A1: after the lock"
        chat.say("p0", after)
        await until(lambda: chat.shown()[-1:] == [after], "a new message is shown")
    # the dashboard was told, and the note went away by itself
    assert chat.archive[0]["writable"] and chat.archive[-1]["writable"]
    assert any(a["reason"] == "database locked" and a["waiting"] == 10 for a in chat.archive)
    assert stored_texts(chat.db) == [*before, *during, after]


async def test_a_full_database_keeps_the_chat_going_and_stores_all_once_space_returns(tmp_path: Path) -> None:
    async with hosted(tmp_path) as chat:
        conn = chat.runner.store.db.conn
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")  # no page more: SQLITE_FULL, as on a full disk
        said: list[str] = []
        for i in range(60):
            said.append(f"A1: {i} " + "long answer " * 149 + "the end")
            chat.say(f"p{i % 20}", said[-1])
            await until(
                lambda: chat.shown()[-1:] == said[-1:] or not chat.state()["writable"], "shown or full"
            )
            if not chat.state()["writable"]:
                break
        assert chat.state()["reason"] == "disk full"
        for i in range(3):  # the chat goes on
            said.append(f"A1: more while full {i}")
            chat.say(f"p{i + 30}", said[-1])
        await until(lambda: chat.shown() == said, "every message is shown (from the journal)")
        assert len(stored_texts(chat.db)) < len(said)
        conn.execute("PRAGMA max_page_count = 1073741823")  # space again
        await until(lambda: chat.state()["writable"], "the archive takes writes again")
        assert stored_texts(chat.db) == said
    assert any(a["reason"] == "disk full" for a in chat.archive) and chat.archive[-1]["writable"]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (a device that is always full)")
async def test_when_the_journal_disk_is_full_too_messages_wait_unseen_and_a_full_buffer_refuses(
    tmp_path: Path,
) -> None:
    async with hosted(tmp_path, StoreOptions(max_waiting=4)) as chat:
        chat.runner.storing.journal = Journal(Path("/dev/full"))  # every write there: ENOSPC
        chat.say("p0", "A1: stored at once")
        await until(lambda: chat.shown() == ["A1: stored at once"], "the first message is shown")
        lock = Locked(chat.db)
        try:
            waiting = [f"A1: waiting {i}" for i in range(4)]
            for i, text in enumerate(waiting):
                chat.say(f"p{i}", text)
            await until(lambda: chat.state()["refusing"], "the buffer is full")
            # neither stored nor journaled: nobody sees them, their senders are not told "sent"
            assert chat.shown() == ["A1: stored at once"]
            assert chat.sent("p1") == []
            with pytest.raises(
                RoomError, match=r"archive cannot take messages right now \(database locked\)"
            ):
                chat.say("p9", "A1: one too many")
            alert = chat.state()["alert"]
            assert alert is not None and "4 messages waiting in memory" in alert
            assert "new posts are refused until it drains" in alert
        finally:
            lock.release()
        await until(lambda: chat.state()["writable"], "the archive takes writes again")
        assert chat.shown() == ["A1: stored at once", *waiting]
        assert chat.sent("p1") == ["A1: waiting 1"]
        assert not chat.state()["refusing"]
        chat.say("p9", "A1: taken again")
        await until(lambda: chat.shown()[-1:] == ["A1: taken again"], "posts are taken again")
    assert stored_texts(chat.db) == ["A1: stored at once", *waiting, "A1: taken again"]


async def test_no_message_is_shown_before_it_is_durable(tmp_path: Path) -> None:
    """Without a journal, a message waits unseen until it is stored (with one, it is in the journal
    before anyone sees it: the locked-archive test); with a writable archive, it is stored first."""
    async with hosted(tmp_path, StoreOptions(journal=False)) as chat:
        chat.say("p0", "A1: stored first")
        await until(lambda: chat.shown() == ["A1: stored first"], "shown")
        assert stored_texts(chat.db) == ["A1: stored first"]  # already stored when it was shown
        lock = Locked(chat.db)
        try:
            chat.say("p1", "A1: waits for the lock")
            await until(lambda: not chat.state()["writable"], "the archive is locked")
            await asyncio.sleep(0.3)  # retries go on; nothing is shown meanwhile
            assert chat.shown() == ["A1: stored first"] and chat.sent("p1") == []
        finally:
            lock.release()
        await until(lambda: len(chat.shown()) == 2, "shown once stored")
        assert stored_texts(chat.db) == ["A1: stored first", "A1: waits for the lock"]
        assert chat.sent("p1") == ["A1: waits for the lock"]


@pytest.mark.parametrize("locked", [False, True], ids=["writable", "locked"])
def test_a_kill_right_after_the_echoes_loses_nothing_anyone_saw(tmp_path: Path, locked: bool) -> None:
    """A runner process is killed (SIGKILL) as soon as its room showed the messages; a new one on
    the same file has every message anyone saw, once. While the archive was locked they were in
    the journal only: the new runner takes them from there before anything else."""
    db = tmp_path / "chat.db"
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.hosting.storagekit", str(db), "30"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    shown: list[str] = []
    lock = None
    try:
        assert child.stdout is not None and child.stdin is not None
        assert child.stdout.readline() == "ready\n"
        lock = Locked(db) if locked else None  # mid-chat, as a reader that locks for too long
        child.stdin.write("go\n")
        child.stdin.flush()
        while len(shown) < 30:
            line = child.stdout.readline()
            assert line, "the runner process ended before it showed every message"
            shown.append(line.removeprefix("shown ").rstrip("\n"))
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        if lock is not None:
            lock.release()
    assert shown == [f"message {i}" for i in range(30)]
    journal = journal_for(str(db), SID)
    assert journal is not None
    if locked:  # nothing reached the archive: all in the journal
        assert stored_texts(db) == [] and len({r["uid"] for r in journal.read()}) == 30

    in_room = asyncio.run(_restart(tmp_path))
    assert stored_texts(db) == shown
    assert not journal.path.exists()
    if locked:  # the new room shows them again to whoever joins, in the order they were said
        assert in_room == shown


async def _restart(tmp_path: Path) -> list[str]:
    """A new runner on the same file (its room is new): what its room shows a browser that joins."""
    async with hosted(tmp_path) as chat:
        await until(lambda: chat.state()["writable"], "the archive is writable")
        return [f["text"] for f in chat.room.recent()]


def test_the_journal_skips_a_line_torn_by_a_crash_and_reads_the_rest(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "chat.db.inbox" / "s.jsonl")
    journal.append([{"uid": "web:1", "text": "one"}])
    with journal.path.open("a") as f:
        f.write('{"uid": "web:2", "te')  # the process died mid-append
    journal.append([{"uid": "web:3", "text": "three"}])
    assert [r["uid"] for r in journal.read()] == ["web:1", "web:3"]
    assert json.loads(journal.path.read_text().splitlines()[-1])["uid"] == "web:3"
    journal.clear()
    assert journal.read() == [] and not journal.path.parent.exists()  # no empty folder left behind
