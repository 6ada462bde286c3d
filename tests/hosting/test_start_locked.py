"""A session that starts while another program holds the archive locked (a backup, Datasette,
sqlite-utils) waits for it instead of failing: its first write is the session's row, so nothing
is half-done while it waits, and once the lock goes the chat is hosted as usual."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from chatbot.clock import ScaledClock
from chatbot.hosting.session import SessionRunner
from chatbot.platforms.web import WebRoom
from chatbot.store import Store
from tests.hosting.kit import START
from tests.hosting.storagekit import Locked, until, web_session


async def test_a_session_started_on_a_locked_archive_waits_then_hosts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "chat.db"
    store = Store(db)  # the archive exists, migrated, before the other program takes it
    store.set_busy_timeout(0.1)
    room = WebRoom("#localgovchat", reserved=("@govhost",))
    runner = SessionRunner(web_session(), store, [room], clock=ScaledClock(START - timedelta(hours=1), 1))
    lock = Locked(db)
    caplog.set_level(logging.WARNING)
    task = asyncio.create_task(runner.run())
    try:
        said = "is locked by another program; waiting"
        await until(lambda: said in caplog.text, "the runner says it waits")
        await asyncio.sleep(1.5)  # several tries, each refused by the lock
        assert not task.done(), "the session gave up on a locked archive"
        assert runner._ledger is None  # nothing hosted yet
        assert caplog.text.count("is locked by another program") == 1  # one line, not one a try
    finally:
        lock.release()
    await until(lambda: task.done() or runner._ledger is not None, "the session starts once the lock goes")
    assert not task.done()
    assert store.session_row(runner.session_id)["status"] in {"scheduled", "live"}
    runner.stop()
    await asyncio.wait_for(task, 30)
    store.close()


def test_a_write_refused_by_a_lock_does_not_make_later_writes_vanish(tmp_path: Path) -> None:
    """sqlite-utils probes for INSERT ... ON CONFLICT with a write at its first upsert; refused by
    a lock, it used to fall back for good to an upsert that silently stores nothing in a table
    with NOT NULL columns: the session's row, retried after the lock, was never there."""
    db = tmp_path / "chat.db"
    store = Store(db)
    store.set_busy_timeout(0.1)
    spec = web_session().spec
    lock = Locked(db)
    try:
        with pytest.raises(Exception, match="locked"):
            store.save_session(spec, slug="chat", status="scheduled")
    finally:
        lock.release()
    store.save_session(spec, slug="chat", status="scheduled")
    assert store.session_row(spec.id)["slug"] == "chat"
    store.close()
