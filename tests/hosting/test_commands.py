"""Host commands through the live runner: from hosts, from others, from the dashboard."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC
from pathlib import Path

from chatbot.core.model import Author, Message
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
    try:  # left approved: the host marks it answered
        assert [(r["number"], r["status"]) for r in store.db["questions"].rows] == [
            (1, "open"),
            (2, "approved"),
        ]
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


async def test_dashboard_commands_come_through_submit(tmp_path: Path) -> None:
    h = Harness(tmp_path, start=at(-50))
    runner: SessionRunner = h.runner(make_session())
    outcomes = []

    async def dashboard() -> None:
        await h.clock.sleep_until(at(10))
        outcomes.append(await runner.submit(Message("dash-1", "web", at(10), HOST, "/pause")))
        outcomes.append(await runner.submit(Message("dash-1", "web", at(10), HOST, "/pause")))
        await h.clock.sleep_until(at(12))
        outcomes.append(await runner.submit(Message("dash-2", "web", at(12), HOST, "/resume")))
        ann = Author("ann", "@ann")
        outcomes.append(await runner.submit(Message("dash-3", "web", at(13), ann, "/end")))

    await asyncio.gather(runner.run(), dashboard())
    assert [o.flags for o in outcomes] == [(), ("duplicate",), (), ("refused",)]
    assert [a.text for a in outcomes[3].actions] == ["@ann: sorry, only the hosts can use /end."]
    assert posted(h.db, h.rooms["x"])[-1] == ("22:02", "closing")  # paused for 2 minutes
    assert replies_in(h.rooms["x"]) == []  # the dashboard is not the room: no replies there
