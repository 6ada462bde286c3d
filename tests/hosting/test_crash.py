"""Exactly once across crashes: a bot dies at each ledger step, a new one takes over the same
SQLite file and the same platform history; nothing is posted twice, nothing is missing."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from datetime import timedelta
from pathlib import Path

import pytest

from chatbot.core.model import Message
from chatbot.hosting.host import Host
from chatbot.hosting.ledger import Fault, Ledger, Target
from chatbot.hosting.lookup import Unknown
from chatbot.platforms.base import PlatformError
from chatbot.platforms.memory import BOT, MemoryPlatform
from chatbot.store import Store
from tests.hosting.kit import (
    TIMELINE,
    Harness,
    at,
    bot_posts,
    make_session,
    posted,
    replies_in,
    said,
)

DAY = TIMELINE[1:]  # the session's posts without its announcement


class Crash(Exception):
    """The process dies here."""


def crash_at(point: str, key: str) -> Fault:
    def fault(p: str, k: str) -> None:
        if (p, k) == (point, key):
            raise Crash(f"{p} {k}")

    return fault


def check_store(h: Harness, session_id: str = "localgovchat-2026-11-24") -> None:
    """Every ledger row settled, and every bot post recorded once as a message of the session."""
    store = Store(h.db)
    try:
        statuses = {r["status"] for r in store.ledger(session_id)}
        assert statuses == {"posted"}
        mine = [r["id"] for r in store.message_rows(session_id) if r["handle"] == "@chatbot"]
        assert sorted(mine) == sorted(m.id for m in bot_posts(h.rooms["x"]))
    finally:
        store.close()


@pytest.mark.parametrize(
    ("point", "key"),
    [
        ("intend", "prompt:Q2"),  # before it is recorded
        ("send", "prompt:Q2"),  # recorded, not sent
        ("confirm", "prompt:Q2"),  # sent, not confirmed
        ("send", "prompt:Q2#2"),  # the second part of a thread
        ("confirm", "prompt:Q2#2"),
        ("intend", "closing"),
        ("confirm", "closing"),
    ],
)
async def test_a_crash_at_any_ledger_step_posts_nothing_twice_and_misses_nothing(
    tmp_path: Path, point: str, key: str
) -> None:
    h = Harness(tmp_path, start=at(-1))
    room = h.rooms["x"]
    session = make_session(announce_before_minutes=[])
    chat = h.script(
        [
            (6, said(room, "@ann", "A1: permits #localgovchat")),
            (28, said(room, "@bob", "A2: public unless it is personal #localgovchat")),
            (30, said(room, "@cy", "Who trains the staff? #ask #localgovchat")),
        ]
    )
    with pytest.raises(Crash):
        await h.runner(session, fault=crash_at(point, key)).run()
    crashed = h.clock.now()
    await h.runner(session).run()  # a new process: same SQLite file, same room
    await chat

    assert posted(h.db, room) == DAY  # "?" would be a post the ledger does not know: a duplicate
    assert crashed == at(27 if "Q2" in key else 60)
    assert [t for t, _, _ in replies_in(room)] == ["21:30"]
    q2 = [m for m in bot_posts(room) if m.text.startswith(("Q2", "Who signs"))]
    assert q2[1].reply_to == q2[0].id
    assert (h.out / "2026-11-24-localgovchat.html").is_file()
    check_store(h)
    store = Store(h.db)
    try:  # the answers still count for the prompt the bot posted before the crash
        kinds = store.db.execute(
            "select handle, kind, answers from messages where handle in ('@ann', '@bob')"
        )
        assert sorted(kinds.fetchall()) == [("@ann", "answer", '["1"]'), ("@bob", "answer", '["2"]')]
    finally:
        store.close()
    h.close()


@pytest.mark.parametrize(
    ("missed", "expected"),
    [
        (
            "post",
            [
                *DAY[:4],
                ("21:57", "prompt:Q2"),
                ("21:57", "prompt:Q2#2"),
                ("21:57", "prompt:Q3"),
                ("21:57", "lastcall"),
                ("22:00", "closing"),
            ],
        ),
        ("skip", [*DAY[:4], ("21:57", "lastcall"), ("22:00", "closing")]),
    ],
)
async def test_posts_that_came_due_while_the_bot_was_down(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, missed: str, expected: list[tuple[str, str]]
) -> None:
    h = Harness(tmp_path, start=at(-1))
    session = make_session(announce_before_minutes=[], missed=missed)
    with pytest.raises(Crash):
        await h.runner(session, fault=crash_at("intend", "prompt:Q2")).run()
    h.clock.advance(timedelta(minutes=30))  # down from 21:27 to 21:57
    with caplog.at_level(logging.INFO, logger="chatbot.hosting"):
        await h.runner(session).run()

    assert posted(h.db, h.rooms["x"]) == expected
    lines = [r.getMessage() for r in caplog.records if "event=missed_post" in r.getMessage()]
    action = "action=post_now" if missed == "post" else "action=skipped"
    assert any("key=prompt:Q2 " in line and action in line for line in lines)
    assert any("key=reminder:40 " in line and "action=skipped" in line for line in lines)  # stale either way
    h.close()


async def test_a_post_found_in_the_history_is_confirmed_even_when_it_is_now_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    h = Harness(tmp_path, start=at(-1))
    session = make_session(announce_before_minutes=[], missed="skip")
    with pytest.raises(Crash):
        await h.runner(session, fault=crash_at("confirm", "prompt:Q1")).run()
    h.clock.advance(timedelta(minutes=10))
    with caplog.at_level(logging.INFO, logger="chatbot.hosting"):
        await h.runner(session).run()
    assert posted(h.db, h.rooms["x"]) == DAY  # Q1 went out at 21:05 and is not posted again
    assert any(
        "key=prompt:Q1 " in r.getMessage() and "found_posted" in r.getMessage() for r in caplog.records
    )
    check_store(h)
    h.close()


async def test_a_post_the_platform_took_before_failing_is_not_sent_again(tmp_path: Path) -> None:
    h = Harness(tmp_path, start=at(-1))
    runner = h.runner(make_session(announce_before_minutes=[]))
    platform = runner.platforms["x"]
    failures: list[object] = []

    def flaky(m: object) -> None:  # the platform records the post, then the call fails (a timeout)
        if not failures and str(getattr(m, "text", "")).startswith("Q1"):
            failures.append(m)
            raise PlatformError("x: timed out")

    platform.after_post = flaky  # type: ignore[attr-defined]
    await runner.run()
    assert posted(h.db, h.rooms["x"]) == DAY
    assert len(failures) == 1
    check_store(h)
    h.close()


async def test_a_reply_left_unsent_goes_out_once_after_a_restart(tmp_path: Path) -> None:
    h = Harness(tmp_path, start=at(-1))
    room = h.rooms["x"]
    session = make_session(announce_before_minutes=[])
    first = h.runner(session, fault=crash_at("send", "reply:x:x4"))
    chat = h.script([(6, said(room, "@cy", "Who trains the staff? #ask #localgovchat")), (8, first.stop)])
    await first.run()
    assert replies_in(room) == []
    await h.runner(session).run()
    await chat
    assert [(t, who) for t, _, who in replies_in(room)] == [("21:08", "@cy")]
    assert posted(h.db, room) == DAY
    check_store(h)
    h.close()


async def test_sigterm_stops_cleanly_with_everything_stored(tmp_path: Path) -> None:
    h = Harness(tmp_path, start=at(-1))
    room = h.rooms["x"]
    session = make_session(announce_before_minutes=[])
    chat = h.script(
        [
            (6, said(room, "@ann", "A1: permits #localgovchat")),
            (6, lambda: os.kill(os.getpid(), signal.SIGTERM)),
        ]
    )
    assert await Host([h.runner(session)]).run() == 0
    await chat
    store = Store(h.db)
    try:
        assert [r["handle"] for r in store.message_rows(session.spec.id)][-1] == "@ann"
        state = store.runner_state(session.spec.id)
        assert state is not None and state["timeline"]["done"] == ["intro", "prompt:Q1", "welcome"]
    finally:
        store.close()
    await Host([h.runner(session)]).run()
    assert posted(h.db, room) == DAY
    check_store(h)
    h.close()


async def test_a_second_signal_stops_at_once_when_a_platform_hangs(tmp_path: Path) -> None:
    h = Harness(tmp_path, start=at(-1))
    runner = h.runner(make_session(announce_before_minutes=[]))
    never = asyncio.Event()

    async def hang() -> None:
        await never.wait()

    runner.platforms["x"].stop = hang  # type: ignore[method-assign]
    term = lambda: os.kill(os.getpid(), signal.SIGTERM)  # noqa: E731
    chat = h.script([(6, term), (7, term)])
    assert await Host([runner]).run() == 1
    await chat
    assert posted(h.db, h.rooms["x"]) == DAY[:3]
    h.close()


async def test_a_history_that_cannot_be_read_means_wait_and_look_again_not_send(tmp_path: Path) -> None:
    h = Harness(tmp_path, start=at(-1))
    session = make_session(announce_before_minutes=[])
    with pytest.raises(Crash):
        await h.runner(session, fault=crash_at("confirm", "prompt:Q1")).run()
    second = h.runner(session)
    platform = second.platforms["x"]
    read = platform.history
    calls = []

    async def flaky(*, after: str | None = None, limit: int = 100) -> list[Message]:
        calls.append(h.clock.now())
        if len(calls) <= 2:  # the catch-up and the first lookup fail
            raise PlatformError("x: 503")
        return await read(after=after, limit=limit)

    platform.history = flaky  # type: ignore[method-assign]
    await second.run()
    assert posted(h.db, h.rooms["x"]) == DAY
    assert calls[2] - calls[1] == timedelta(seconds=5)  # looked again after the retry delay
    check_store(h)
    h.close()


async def test_looking_for_an_unconfirmed_post_reads_no_more_than_the_history_budget(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Every read may cost money (X bills reads): the lookup stops at the adapter's budget."""
    h = Harness(tmp_path, start=at(-1))
    room = h.rooms["x"]
    for i in range(150):
        room.say(f"@p{i}", f"chatter {i}")
    platform = MemoryPlatform(room, history_budget=120)
    await platform.start()
    read = platform.history
    asked: list[int] = []

    async def counted(*, after: str | None = None, limit: int = 100) -> list[Message]:
        asked.append(limit)
        return await read(after=after, limit=limit)

    platform.history = counted  # type: ignore[method-assign]
    with h.archive() as store:
        ledger = Ledger(
            store, "s", {"x": platform}, {"x": BOT}, h.clock, hashtag="#localgovchat",
            confirm=lambda row, m: None, cursors={},
        )  # fmt: skip
        (intent,) = ledger.plan("prompt:Q1", "Q1: never sent", [Target("x")], kind="prompt")
        ledger.intend([intent])
        (row,) = store.ledger("s")
        with caplog.at_level(logging.INFO, logger="chatbot.hosting"):
            assert await ledger.lookup(platform, row) == Unknown("history_budget", read=120)
    assert asked == [100, 20]
    (line,) = [r.getMessage() for r in caplog.records if "event=history_budget_reached" in r.getMessage()]
    assert "platform=x key=prompt:Q1 read=120 during=lookup" in line
    h.close()
