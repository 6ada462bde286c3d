"""Messages arriving one event at a time are recorded a batch per transaction, not one each: a
transaction (with its fsync) costs as much as a hundred messages, and a busy chat sends them by
the thousand a second. Each is still recorded, searchable and shown, in the order heard."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

from chatbot.clock import SystemClock
from chatbot.config import SessionConfig
from chatbot.core.model import Author, Message, SessionSpec
from chatbot.hosting.session import SessionRunner
from chatbot.platforms.memory import MemoryPlatform, MemoryRoom
from chatbot.store import Store


async def test_one_message_a_loop_turn_is_recorded_in_batches(tmp_path: Path) -> None:
    clock = SystemClock()
    spec = SessionSpec(
        id="busy",
        hashtag="#busy",
        title="Busy",
        start=clock.now() - timedelta(minutes=1),
        timezone="UTC",
        hosts=("@host",),
        platforms=("x",),
    )
    store = Store(tmp_path / "a.db")
    room = MemoryRoom(clock, name="x", prefix="b")
    runner = SessionRunner(
        SessionConfig(spec, {}, {"announce_before_minutes": []}), store, [MemoryPlatform(room)], clock=clock
    )
    batches: list[int] = []
    write_live = store.write_live

    def counted(*args: Any, **kw: Any) -> None:
        outcomes = args[1] if len(args) > 1 else kw.get("outcomes", ())
        if outcomes:
            batches.append(len(outcomes))
        write_live(*args, **kw)

    store.write_live = counted  # type: ignore[method-assign]
    shown: list[str] = []

    async def watch() -> None:
        async for event in runner.subscribe():
            if event["type"] == "message":
                shown.append(event["message"]["id"])

    run, view = asyncio.create_task(runner.run()), asyncio.create_task(watch())
    await asyncio.sleep(0.2)
    batches.clear()
    ids = [f"heard-{i}" for i in range(300)]
    for i, mid in enumerate(ids):
        room.deliver(
            Message(mid, "x", clock.now(), Author(f"u{i % 9}", f"@p{i % 9}"), f"A1: pothole {i} #busy")
        )
        await asyncio.sleep(0)  # the next message comes on the next turn of the loop
    async with asyncio.timeout(10):
        while len([s for s in shown if s.startswith("heard-")]) < 300:
            await asyncio.sleep(0.01)
    runner.stop()
    await run
    view.cancel()

    assert sum(batches) == 300 and len(batches) <= 30, batches  # not 300 transactions
    assert [s for s in shown if s.startswith("heard-")] == ids  # shown in the order heard
    assert len(store.search("pothole", limit=500)) == 300  # and indexed for search
