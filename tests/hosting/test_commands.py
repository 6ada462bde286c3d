"""Host commands through the live runner: from hosts, from others, from the dashboard."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import UTC
from pathlib import Path

from chatbot.core.events import CommandGiven
from chatbot.core.model import Author
from chatbot.hosting.live import CommandResult
from chatbot.hosting.session import SessionRunner
from chatbot.store import Store
from tests.hosting.kit import (
    HOST,
    TIMELINE,
    Harness,
    at,
    bot_posts,
    make_session,
    posted,
    replies_in,
    said,
)


async def host(tmp_path: Path, steps: Sequence[tuple[float, str, str]], **timeline: object) -> Harness:
    """Run the default session with ``(minute, who, text)`` said in the room; the harness after."""
    h = Harness(tmp_path, start=at(-70))
    room = h.rooms["x"]
    runner = h.runner(make_session(**{"announce_before_minutes": [60], **timeline}))
    chat = h.script([(minute, said(room, who, text)) for minute, who, text in steps])
    await runner.run()
    await chat
    return h


def keys(h: Harness) -> list[tuple[str, str]]:
    return posted(h.db, h.rooms["x"])


def answers(h: Harness) -> list[tuple[str, str]]:
    return [(t, text) for t, text, _ in replies_in(h.rooms["x"])]


async def test_pause_shifts_what_is_left_by_the_pause(tmp_path: Path) -> None:
    h = await host(tmp_path, [(10, "@govhost", "/pause"), (15, "@govhost", "/resume")])
    assert keys(h) == [
        *TIMELINE[:4],
        ("21:25", "reminder:20"),
        ("21:32", "prompt:Q2"),
        ("21:32", "prompt:Q2#2"),
        ("21:45", "reminder:40"),
        ("21:55", "prompt:Q3"),
        ("22:00", "lastcall"),
        ("22:05", "closing"),
    ]
    assert answers(h) == [
        ("21:10", "@govhost: paused. #localgovchat"),
        ("21:15", "@govhost: resumed. #localgovchat"),
    ]


async def test_next_posts_the_next_prompt_now(tmp_path: Path) -> None:
    h = await host(tmp_path, [(8, "@govhost", "/next")])
    assert keys(h) == [
        *TIMELINE[:4],
        ("21:08", "prompt:Q2"),
        ("21:08", "prompt:Q2#2"),
        ("21:20", "reminder:20"),
        *TIMELINE[7:],
    ]
    assert answers(h) == [("21:08", "@govhost: posting the next prompt now. #localgovchat")]


async def test_skip_drops_the_next_prompt(tmp_path: Path) -> None:
    h = await host(tmp_path, [(8, "@govhost", "/skip")])
    assert keys(h) == [*TIMELINE[:5], *TIMELINE[7:]]
    assert not any(m.text.startswith("Q2") for m in bot_posts(h.rooms["x"]))


async def test_extend_moves_the_last_call_and_the_closing(tmp_path: Path) -> None:
    h = await host(tmp_path, [(30, "@govhost", "/extend 10")])
    assert keys(h)[-3:] == [("21:50", "prompt:Q3"), ("22:05", "lastcall"), ("22:10", "closing")]
    assert answers(h) == [("21:30", "@govhost: extending the chat by 10 minutes. #localgovchat")]


async def test_end_posts_the_closing_at_once_and_renders_the_recap(tmp_path: Path) -> None:
    h = await host(tmp_path, [(30, "@govhost", "/end")])
    assert keys(h) == [*TIMELINE[:7], ("21:30", "closing")]
    assert (h.out / "2026-11-24-localgovchat.html").is_file()
    store = Store(h.db)
    try:
        row = store.session_row("localgovchat-2026-11-24")
        assert (row["status"], row["ended_at"]) == ("ended", "2026-11-25T02:30:00.000+00:00")
    finally:
        store.close()


async def test_a_non_host_cannot_end_the_chat(tmp_path: Path) -> None:
    h = await host(tmp_path, [(30, "@mallory", "/end"), (31, "@mallory", "/pause")])
    assert keys(h) == TIMELINE
    assert answers(h) == [
        ("21:30", "@mallory: sorry, only the hosts can use /end. #localgovchat"),
        ("21:31", "@mallory: sorry, only the hosts can use /pause. #localgovchat"),
    ]


async def test_a_command_the_timeline_refuses_gets_the_reason_and_changes_nothing(tmp_path: Path) -> None:
    h = await host(
        tmp_path,
        [
            (10, "@govhost", "/resume"),
            (11, "@govhost", "/start"),
            (52, "@govhost", "/skip"),
            (53, "@govhost", "/next"),
        ],
    )
    assert keys(h) == TIMELINE
    assert answers(h) == [
        ("21:10", "@govhost: the chat is not paused #localgovchat"),
        ("21:11", "@govhost: the chat has already started #localgovchat"),
        ("21:52", "@govhost: there is no prompt left to skip #localgovchat"),
        ("21:53", "@govhost: there is no prompt left to post #localgovchat"),
    ]
    store = Store(h.db)
    try:
        flags = store.db.execute("select flags from messages where text = '/resume'").fetchone()[0]
        assert "refused" in flags
    finally:
        store.close()


async def test_start_brings_the_whole_session_forward(tmp_path: Path) -> None:
    h = await host(tmp_path, [(-30, "@govhost", "/start")])
    assert keys(h) == [
        ("20:00", "announce:60"),
        ("20:30", "welcome"),
        ("20:31", "intro"),
        ("20:35", "prompt:Q1"),
        ("20:50", "reminder:20"),
        ("20:57", "prompt:Q2"),
        ("20:57", "prompt:Q2#2"),
        ("21:10", "reminder:40"),
        ("21:20", "prompt:Q3"),
        ("21:25", "lastcall"),
        ("21:30", "closing"),
    ]
    # The recap dates the chat from when it really began, not from the schedule.
    store = Store(h.db)
    (row,) = store.sessions()
    assert row["started_at"] == at(-30).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+00:00")
    store.close()


async def test_next_question_posts_the_approved_question_in_reply_to_the_asker(tmp_path: Path) -> None:
    h = await host(
        tmp_path,
        [
            (6, "@govhost", "/next_question"),
            (7, "@ann", "What about trolls? #ask #localgovchat"),
            (7, "@bob", "And staff burnout? #ask #localgovchat"),
            (8, "@govhost", "/approve 2"),
            (8, "@govhost", "/next_question"),
            (9, "@govhost", "/next_question"),
        ],
    )
    room = h.rooms["x"]
    posts = [m for m in bot_posts(room) if m.text.startswith("Question from")]
    assert [(m.text, room.get(m.reply_to).author.handle) for m in posts if m.reply_to] == [
        ("Question from @bob: And staff burnout? #localgovchat", "@bob")
    ]
    assert answers(h)[0] == (
        "21:06",
        "@govhost: no approved question is waiting: approve one first with /approve N #localgovchat",
    )
    assert answers(h)[-1] == (
        "21:09",
        "@govhost: no approved question is waiting: approve one first with /approve N #localgovchat",
    )
    store = Store(h.db)
    try:  # on air (asked, by the host who asked for it): the host marks it answered
        assert [(r["number"], r["status"]) for r in store.db["questions"].rows] == [
            (1, "open"),
            (2, "on_air"),
        ]
        (second,) = store.db["questions"].rows_where("number = 2")
        history = json.loads(second["history"])
        assert [(h["status"], h["by"]) for h in history][-1] == ("on_air", "@govhost")
    finally:
        store.close()


async def test_question_slots_post_approved_questions_between_prompts(tmp_path: Path) -> None:
    h = await host(
        tmp_path,
        [
            (6, "@ann", "What about trolls? #ask #localgovchat"),
            (7, "@govhost", "/approve 1"),
        ],
        questions_between_prompts=True,
    )
    slots = [(t, k) for t, k in keys(h) if k.startswith("question-slot")]
    assert slots == [("21:16", "question-slot:1")]  # the second slot finds no approved question left
    slot = next(m for m in bot_posts(h.rooms["x"]) if m.text.startswith("Question from @ann"))
    assert h.rooms["x"].get(slot.reply_to).author.handle == "@ann"


Step = tuple[float, str, tuple[str, ...], Author]


def dashboard(
    h: Harness, runner: SessionRunner, steps: Sequence[Step]
) -> asyncio.Future[list[CommandResult]]:
    """Give ``(minute, name, args, actor)`` commands the way the dashboard does, at their minutes."""

    async def go() -> list[CommandResult]:
        results = []
        for minute, name, args, actor in steps:
            await h.clock.sleep_until(at(minute))
            results.append(await runner.command(name, args, actor))
        return results

    return asyncio.ensure_future(go())


def logged(h: Harness) -> list[tuple[int, str, tuple[str, ...], str, str, str]]:
    store = Store(h.db)
    try:
        return [
            (c.seq, c.name, c.args, c.actor.handle, c.via, c.outcome)
            for c in store.command_log("localgovchat-2026-11-24")
        ]
    finally:
        store.close()


def stored_texts(h: Harness) -> list[str]:
    store = Store(h.db)
    try:
        return [m.text for m in store.live_messages("localgovchat-2026-11-24")]
    finally:
        store.close()


ANN, BOB = Author("ann", "@ann"), Author("bob", "@bob")


async def test_dashboard_commands_change_the_session_and_post_nothing_in_the_chat(tmp_path: Path) -> None:
    h = Harness(tmp_path, start=at(-50))
    room = h.rooms["x"]
    runner = h.runner(make_session())
    chat = h.script(
        [
            (6, said(room, "@ann", "What about trolls? #ask #localgovchat")),
            (7, said(room, "@bob", "And burnout? #ask")),
        ]
    )
    given = dashboard(
        h,
        runner,
        [
            (10, "pause", (), HOST),
            (10, "pause", (), HOST),
            (12, "resume", (), HOST),
            (13, "approve", ("1",), HOST),
            (13, "end", (), ANN),
            (14, "reject", ("2",), HOST),
            (15, "extend", ("soon",), HOST),
        ],
    )
    await runner.run()
    await chat
    results = await given
    assert [(r.ok, r.text) for r in results] == [
        (True, "paused."),
        (False, "the chat is already paused"),
        (True, "resumed."),
        (True, "question #1 approved (place 1)."),
        (False, "sorry, only the hosts can use /end."),
        (True, "question #2 rejected."),
        (False, "/extend needs a number of minutes from 1 to 240"),
    ]
    assert posted(h.db, room)[-1] == ("22:02", "closing")  # paused for 2 minutes
    # the chat saw none of it: no host message, no confirmation, nothing stored as a message
    assert [text for _, text, _ in replies_in(room)] == [
        "@ann: thanks, your question is #1 (place 1 in the queue) #localgovchat",
        "@bob: thanks, your question is #2 (place 2 in the queue) #localgovchat",
    ]
    assert not any(m.author.handle == HOST.handle for m in room.messages)
    assert not any(t in {"/pause", "/resume", "/approve 1", "/reject 2"} for t in stored_texts(h))
    assert logged(h) == [
        (1, "pause", (), "@govhost", "dashboard", "ok"),
        (2, "pause", (), "@govhost", "dashboard", "refused"),
        (3, "resume", (), "@govhost", "dashboard", "ok"),
        (4, "approve", ("1",), "@govhost", "dashboard", "ok"),
        (5, "end", (), "@ann", "dashboard", "refused"),
        (6, "reject", ("2",), "@govhost", "dashboard", "ok"),
        (7, "extend", ("soon",), "@govhost", "dashboard", "refused"),
    ]
    store = Store(h.db)
    try:
        assert [(r["number"], r["status"]) for r in store.db["questions"].rows] == [
            (1, "approved"),
            (2, "rejected"),
        ]
    finally:
        store.close()
    h.close()


async def test_commands_given_outside_the_chat_survive_a_restart(tmp_path: Path) -> None:
    h = Harness(tmp_path, start=at(-1))
    room = h.rooms["x"]
    session = make_session(announce_before_minutes=[])
    first = h.runner(session)
    chat = h.script(
        [
            (6, said(room, "@ann", "What about trolls? #ask #localgovchat")),
            (8, said(room, "@bob", "And burnout? #ask #localgovchat")),
            (8.5, said(room, "@cy", "And budgets? #ask #localgovchat")),
            (9, first.stop),
        ]
    )
    given = dashboard(
        h,
        first,
        [
            (7, "approve", ("1",), HOST),  # between the first question and the second
            (7.5, "extend", ("10",), HOST),
            (8.2, "merge", ("2", "1"), HOST),  # only possible after @bob's question
        ],
    )
    slash = CommandGiven("x", "optout", (), Author("cy", "@cy"), at(8.7))
    optout = h.script([(8.7, lambda: asyncio.ensure_future(first.on_command_event(slash)))])
    await first.run()
    assert [r.ok for r in await given] == [True, True, True]
    await optout
    second = h.runner(session)
    later = dashboard(h, second, [(20, "answered", ("1",), HOST), (21, "approve", ("3",), HOST)])
    await second.run()
    await chat
    assert [r.text for r in await later] == [
        "question #1 marked answered.",
        "question #3 approved (place 1).",
    ]
    q = second.engine.queue
    assert [(x.number, x.status.value) for x in q] == [(1, "answered"), (2, "merged"), (3, "approved")]
    assert q.get(1).askers == ["@ann", "@bob"]
    assert second.engine.participants["x:cy"].opted_out
    # the extension was applied once, by the first run, and kept in the timeline's snapshot
    assert posted(h.db, room)[-2:] == [("22:05", "lastcall"), ("22:10", "closing")]
    assert [(seq, name, via) for seq, name, _, _, via, _ in logged(h)] == [
        (1, "approve", "dashboard"),
        (2, "extend", "dashboard"),
        (3, "merge", "dashboard"),
        (4, "optout", "slash"),
        (5, "answered", "dashboard"),
        (6, "approve", "dashboard"),
    ]
    h.close()


async def test_next_question_from_the_dashboard_posts_the_question_only(tmp_path: Path) -> None:
    h = Harness(tmp_path, start=at(-50))
    room = h.rooms["x"]
    runner = h.runner(make_session())
    chat = h.script([(7, said(room, "@bob", "And staff burnout? #ask #localgovchat"))])
    given = dashboard(
        h,
        runner,
        [(6, "next_question", (), HOST), (8, "approve", ("1",), HOST), (8, "nextq", (), HOST)],
    )
    await runner.run()
    await chat
    assert [(r.ok, r.name, r.text) for r in await given] == [
        (False, "next_question", "no approved question is waiting: approve one first with /approve N"),
        (True, "approve", "question #1 approved (place 1)."),
        (True, "next_question", "posting the next question."),
    ]
    posts = [m for m in bot_posts(room) if m.text.startswith("Question from")]
    assert [(m.text, room.get(m.reply_to).author.handle) for m in posts if m.reply_to] == [
        ("Question from @bob: And staff burnout? #localgovchat", "@bob")
    ]
    assert [text for _, text, _ in replies_in(room)] == [
        "@bob: thanks, your question is #1 (place 1 in the queue) #localgovchat",
        "Question from @bob: And staff burnout? #localgovchat",
    ]
    h.close()


async def test_a_command_before_the_session_runs_is_refused(tmp_path: Path) -> None:
    h = Harness(tmp_path, start=at(-50))
    runner = h.runner(make_session())
    result = await runner.command("pause", (), HOST)
    assert (result.ok, result.text) == (False, "the session is not running")
    h.close()
