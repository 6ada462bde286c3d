"""Scheduled posts while the archive cannot take writes: still exactly once. A post whose intent
cannot be stored is not sent until it is; a part sent whose confirmation cannot be stored is never
sent again, also when the runner dies before the archive takes it (the next one finds it in the
platform's history). Real SQLite files, another process holding the lock, the real runner."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatbot.hosting.live import CommandResult
from chatbot.hosting.storing import StoreOptions
from tests.hosting.kit import TIMELINE, Harness, at, bot_posts, make_session, posted, replies_in, said
from tests.hosting.storagekit import Locked
from tests.hosting.test_ledger import budgeted, crashed, ledger_row, q1s, resolve

DAY = TIMELINE[1:]  # the session's posts without its announcement
SID = "localgovchat-2026-11-24"


class Crash(Exception):
    """The process dies here."""


def check_archive(h: Harness) -> None:
    """Every ledger row posted, each bot post recorded once, every person's message once."""
    with h.archive() as store:
        assert {r["status"] for r in store.ledger(SID)} == {"posted"}
        rows = store.message_rows(SID)
        mine = [r["id"] for r in rows if r["handle"] == "@chatbot"]
        assert sorted(mine) == sorted(m.id for m in bot_posts(h.rooms["x"]))
        people = [r["text"] for r in rows if r["handle"] in ("@ann", "@bob", "@cy")]
        assert people == [
            "A1: permits #localgovchat",
            "A2: public unless it is personal #localgovchat",
            "Who trains the staff? #ask #localgovchat",
        ]


async def test_a_post_due_while_the_archive_is_locked_goes_out_once_when_it_takes_writes(
    tmp_path: Path,
) -> None:
    h = Harness(tmp_path, start=at(-1))
    room = h.rooms["x"]
    lock: list[Locked] = []
    chat = h.script(
        [
            (6, said(room, "@ann", "A1: permits #localgovchat")),
            (26, lambda: lock.append(Locked(h.db))),  # Q2 falls due at 27
            (28, said(room, "@bob", "A2: public unless it is personal #localgovchat")),
            (33, lambda: lock[0].release()),
            (34, said(room, "@cy", "Who trains the staff? #ask #localgovchat")),
        ]
    )
    # on virtual time: a retry a virtual minute apart at most (each one waits 50 ms of real time)
    runner = h.runner(make_session(announce_before_minutes=[]), busy=0.05, storing=StoreOptions(max_retry=60))
    await runner.run()
    await chat

    shown = posted(h.db, room)
    assert [key for _, key in shown] == [key for _, key in DAY]  # each once, in order ("?": a duplicate)
    q2 = [t for t, key in shown if key.startswith("prompt:Q2")]
    assert all(t >= "21:33" for t in q2)  # not before its intent was stored
    assert [t for t, _, _ in replies_in(room)] == ["21:34"]
    check_archive(h)
    h.close()


async def test_a_sent_part_the_archive_cannot_confirm_is_never_sent_again_even_after_a_crash(
    tmp_path: Path,
) -> None:
    h = Harness(tmp_path, start=at(-1))
    room = h.rooms["x"]
    lock: list[Locked] = []

    def fault(point: str, key: str) -> None:
        if (point, key) == ("confirm", "prompt:Q2"):  # Q2's first part is out: now the archive locks
            lock.append(Locked(h.db))
        if (point, key) == ("intend", "reminder:40"):
            raise Crash(f"{point} {key}")

    chat = h.script(
        [
            (6, said(room, "@ann", "A1: permits #localgovchat")),
            (28, said(room, "@bob", "A2: public unless it is personal #localgovchat")),
            (30, said(room, "@cy", "Who trains the staff? #ask #localgovchat")),
        ]
    )
    session = make_session(announce_before_minutes=[])
    crashing = h.runner(session, fault=fault, busy=0.05, storing=StoreOptions(max_retry=60, drain_seconds=0))
    with pytest.raises(Crash):
        await crashing.run()
    with h.archive() as store:  # nothing of Q2 confirmed, and what people said is in the journal only
        assert {r["status"] for r in store.ledger(SID, post="prompt:Q2")} == {"intended"}
        assert [r["handle"] for r in store.message_rows(SID) if not r["is_bot"]] == ["@ann"]
    lock[0].release()

    await h.runner(session).run()  # a new process: the same file, the same room
    await chat
    assert posted(h.db, room) == DAY  # Q2's parts once each, at 21:27 ("?": a duplicate)
    assert [t for t, _, _ in replies_in(room)] == ["21:40"]  # the answer to @cy: once, after the restart
    check_archive(h)
    h.close()


async def test_a_hosts_word_on_a_held_post_the_archive_cannot_take_changes_nothing_and_says_why(
    tmp_path: Path,
) -> None:
    h = Harness(tmp_path, start=at(-1))
    session = await crashed(h, "confirm")  # Q1 went out; its id was never recorded: held
    runner = h.runner(session, platforms=budgeted(h), busy=0.05, storing=StoreOptions(max_retry=60))
    results: list[CommandResult] = []
    lock: list[Locked] = []
    held: list[list[str]] = []
    chat = h.script(
        [
            (8, lambda: lock.append(Locked(h.db))),
            (9, resolve(runner, results, went_out=True)),
            (9.5, lambda: held.append([p["key"] for p in runner.state()["held"]])),
            (10, lambda: lock[0].release()),
            (11, resolve(runner, results, went_out=True)),
        ]
    )
    await runner.run()
    await chat

    assert results[0] == CommandResult(
        False,
        "the archive cannot take it right now (database locked); nothing changed: try again in a minute",
        "resolve_held",
        ("refused",),
    )
    assert held == [["prompt:Q1"]]  # still waiting for the host's word
    assert results[1] == CommandResult(
        True, "prompt:Q1 on x: recorded as posted, as you said", "resolve_held"
    )
    assert q1s(h) == ["02:05"]  # the one that went out before the crash, and no other
    assert ledger_row(h)["resolved_by"] == "@govhost"
    h.close()
