"""The live runner on virtual time: a full session, threads, DST, several platforms and sessions."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, time, timedelta
from pathlib import Path

import pytest

from chatbot.core.model import Author, Message
from chatbot.core.schedule import Templates, next_occurrence, session_values
from chatbot.hosting.host import Host
from chatbot.platforms.memory import BOT, MemoryRoom
from chatbot.store import Store
from tests.hosting.kit import (
    HOST,
    NY,
    START,
    TIMELINE,
    Harness,
    at,
    bot_posts,
    ledger_keys,
    local,
    make_session,
    make_spec,
    posted,
    replies_in,
    said,
    timeline_of,
)

TAG = "#localgovchat"


def tagged(text: str) -> str:
    return text if TAG in text else f"{text} {TAG}"


async def test_a_full_session_posts_its_timeline_in_order_and_publishes_the_recap(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    runner = h.runner(make_session())
    room = h.rooms["x"]
    chat = h.script([(6, said(room, "@ann", "A1: permits, always #localgovchat"))])
    await runner.run()
    await chat

    t = Templates()
    v = session_values(runner.spec, recap_url="https://chat.example/transcripts/2026-11-24-localgovchat.html")
    assert timeline_of(room) == [
        ("11-23 21:00", tagged(t.render("announcement", v))),
        ("11-24 20:00", tagged(t.render("announcement", v))),
        ("11-24 21:00", tagged(t.render("welcome", v))),
        ("11-24 21:01", tagged(t.render("intro", v))),
        ("11-24 21:05", "Q1: What is one thing residents ask you most? #localgovchat"),
        ("11-24 21:20", tagged(t.render("reminder", v))),
        (
            "11-24 21:27",
            "Q2: How do you decide which questions from residents get a public answer on social media and "
            "which ones move to a private channel? Think about privacy, tone, and the time it takes. "
            "#localgovchat (1/2)",
        ),
        (
            "11-24 21:27",
            "Who signs off on the answer, and how fast can it go out when something urgent happens in "
            "your town? #localgovchat (2/2)",
        ),
        ("11-24 21:40", tagged(t.render("reminder", v))),
        ("11-24 21:50", "Q3: What will you try next? #localgovchat"),
        ("11-24 21:55", tagged(t.render("last_call", {**v, "minutes_left": "5"}))),
        ("11-24 22:00", tagged(t.render("closing", {**v, "minutes_left": "0"}))),
    ]
    assert "https://chat.example/transcripts/2026-11-24-localgovchat.html" in bot_posts(room)[-1].text
    q2 = [m for m in bot_posts(room) if m.text.startswith(("Q2", "Who signs"))]
    assert q2[1].reply_to == q2[0].id  # the thread: part 2 answers part 1
    assert posted(h.db, room) == [("21:00", "announce:1440"), *TIMELINE]

    recap = json.loads((h.out / "2026-11-24-localgovchat.json").read_text())
    assert (h.out / "2026-11-24-localgovchat.html").is_file()
    assert [(p["label"], p["author"]) for p in recap["prompts"]] == [(f"Q{i}", "@chatbot") for i in (1, 2, 3)]
    assert [a["author"] for a in recap["prompts"][0]["answers"]] == ["@ann"]
    assert recap["session"]["status"] == "ended"
    store = Store(h.db)
    try:  # the bot's posts are recorded once each although the room echoed them back
        rows = store.message_rows(runner.session_id)
        mine = [r for r in rows if r["handle"] == BOT.handle]
        assert sorted(r["id"] for r in mine) == sorted(m.id for m in bot_posts(room))
        assert store.runner_state(runner.session_id)["recap_at"] is not None
    finally:
        store.close()
    h.close()


async def test_a_long_prompt_is_separate_posts_without_threads(tmp_path: Path) -> None:
    h = Harness(tmp_path, start=at(20))
    await h.runner(make_session(), threads=False).run()
    q2 = [m for m in bot_posts(h.rooms["x"]) if m.text.startswith(("Q2", "Who signs"))]
    assert [m.text[-5:] for m in q2] == ["(1/2)", "(2/2)"]
    assert [m.reply_to for m in q2] == [None, None]
    h.close()


async def test_a_weekly_chat_posts_at_nine_pm_local_before_and_after_the_dst_change(tmp_path: Path) -> None:
    tuesday = 1
    first = next_occurrence(time(21), tuesday, NY, START.replace(month=10, day=20))
    second = next_occurrence(time(21), tuesday, NY, first)
    assert (first.utcoffset(), second.utcoffset()) == (timedelta(hours=-4), timedelta(hours=-5))
    h = Harness(tmp_path, start=first - timedelta(days=2))
    week = [
        h.runner(make_session(make_spec(sid=f"localgovchat-{s:%Y-%m-%d}", start=s, prompts=("One?", "Two?"))))
        for s in (first, second)
    ]
    assert await Host(week).run(handle_signals=False) == 0

    room = h.rooms["x"]
    keys = ledger_keys(h.db)
    by_key: dict[str, list[str]] = {}
    for m in bot_posts(room):
        by_key.setdefault(keys[("x", m.id)], []).append(f"{m.ts.astimezone(NY):%Y-%m-%d %H:%M %Z}")
    assert by_key["welcome"] == ["2026-10-27 21:00 EDT", "2026-11-03 21:00 EST"]
    assert by_key["announce:60"] == ["2026-10-27 20:00 EDT", "2026-11-03 20:00 EST"]
    assert by_key["prompt:Q1"] == ["2026-10-27 21:05 EDT", "2026-11-03 21:05 EST"]
    assert by_key["closing"] == ["2026-10-27 22:00 EDT", "2026-11-03 22:00 EST"]
    welcomes = [m.ts.astimezone(UTC).hour for m in bot_posts(room) if m.text.startswith("Welcome")]
    assert welcomes == [1, 2]  # the same local time is a different UTC hour
    h.close()


async def test_one_session_on_two_platforms_merges_what_it_hears(tmp_path: Path) -> None:
    h = Harness(tmp_path, start=at(-2), names=("x", "web"))
    x, web = h.rooms["x"], h.rooms["web"]
    spec = make_spec(platforms=("x", "web"))
    runner = h.runner(make_session(spec))
    chat = h.script(
        [
            (6, said(x, "@ann", "A1: permits #localgovchat")),
            (6, said(web, "bea", "A1: parking, every day")),
            (7, said(web, "bea", "/ask how do you handle abuse?")),
            (7, said(x, "@cy", "Do you publish response times? #ask #localgovchat")),
            (8, said(web, "govhost", "/approve 1")),
            (8, said(web, "govhost", "/next_question")),
        ]
    )
    await runner.run()
    await chat

    for room in (x, web):
        keys = [k for _, k in posted(h.db, room)]
        assert keys == [
            "announce:60", "welcome", "intro", "prompt:Q1", "question-now:web:web9", "reminder:20",
            "prompt:Q2", *(["prompt:Q2#2"] if room is x else []),  # it fits in one post on the web
            "reminder:40", "prompt:Q3", "lastcall", "closing",
        ]  # fmt: skip
    # replies go to the platform (and the message) they answer
    assert [(t, who) for t, _, who in replies_in(x)] == [("21:07", "@cy")]
    assert [(who, text.split(":")[1].strip()) for _, text, who in replies_in(web)] == [
        ("bea", "thanks, your question is #1 (place 1 in the queue) #localgovchat"),
        ("govhost", "question #1 approved (place 1). #localgovchat"),
        ("bea", "how do you handle abuse? #localgovchat"),
        ("govhost", "posting the next question. #localgovchat"),
    ]
    question_on_x = next(m for m in bot_posts(x) if m.text.startswith("Question from"))
    assert question_on_x.reply_to is None  # the asker's message is on the web only

    store = Store(h.db)
    try:
        people = {(r["platform"], r["handle"]) for r in store.db["participants"].rows}
        assert {("x", "@ann"), ("x", "@cy"), ("web", "bea"), ("web", "govhost")} <= people
        questions = [(r["number"], r["author"], r["status"]) for r in store.db["questions"].rows]
        assert questions == [(1, "bea", "on_air"), (2, "@cy", "open")]  # put to the chat
        answers = store.db.execute(
            "select platform, handle from messages where kind = 'answer' order by ts, platform"
        ).fetchall()
        assert answers == [("web", "bea"), ("x", "@ann")]
    finally:
        store.close()
    h.close()


async def test_two_sessions_at_once_in_one_process(tmp_path: Path) -> None:
    h = Harness(tmp_path, start=at(-5))
    a_room = MemoryRoom(h.clock, name="x", prefix="a")
    b_room = MemoryRoom(h.clock, name="x", prefix="b")
    a = h.runner(make_session(), rooms={"x": a_room})
    late = START + timedelta(minutes=30)
    b_spec = make_spec(
        sid="citychat-2026-11-24", hashtag="#citychat", start=late, prompts=("Hi?",), minutes=30
    )
    b = h.runner(
        make_session(b_spec, reminder_every_minutes=0, announce_before_minutes=[]), rooms={"x": b_room}
    )
    chat = h.script([(31, said(b_room, "@ann", "/end")), (35, said(a_room, "@govhost", "/end"))])
    assert await Host([a, b]).run(handle_signals=False) == 0
    await chat

    assert [k for _, k in posted(h.db, a_room)][-2:] == ["prompt:Q2#2", "closing"]
    assert posted(h.db, b_room) == [
        ("21:30", "welcome"),
        ("21:31", "intro"),
        ("21:35", "prompt:Q1"),
        ("21:55", "lastcall"),
        ("22:00", "closing"),
    ]
    assert all("#citychat" in m.text for m in bot_posts(b_room))
    assert not any("#citychat" in m.text for m in bot_posts(a_room))
    assert [(t, text) for t, text, _ in replies_in(b_room)] == [
        ("21:31", "@ann: sorry, only the hosts can use /end. #citychat")
    ]
    assert (h.out / "2026-11-24-citychat.html").is_file()
    assert (h.out / "2026-11-24-localgovchat.html").is_file()
    assert "citychat" in (h.out / "index.html").read_text()
    h.close()


async def test_live_state_and_events(tmp_path: Path) -> None:
    h = Harness(tmp_path, start=at(-3))
    room = h.rooms["x"]
    runner = h.runner(make_session())
    events: list[dict[str, object]] = []
    states: list[dict[str, object]] = []

    async def watch() -> None:
        async for event in runner.subscribe():
            events.append(event)

    def look() -> None:
        states.append(runner.state())

    watcher = asyncio.ensure_future(watch())
    chat = h.script(
        [
            (-1, look),
            (6, said(room, "@ann", "A1: permits #localgovchat")),
            (6.5, said(room, "@bob", "Where are the slides? #ask #localgovchat")),
            (7, look),
            (8, said(room, "@govhost", "/pause")),
            (9, look),
            (10, said(room, "@govhost", "/resume")),
        ]
    )
    await runner.run()
    await chat
    await asyncio.wait_for(watcher, 1)
    look()

    keys = {
        "session", "status", "starts_at", "ends_at", "now", "seconds_left", "current_prompt", "next_post",
        "queue", "questions", "participants", "new_participants", "messages", "messages_per_minute",
        "held", "recent", "archive",
    }  # fmt: skip
    assert all(set(s) == keys for s in states)
    assert set(states[0]["session"]) == {"id", "slug", "hashtag", "title", "timezone", "hosts", "platforms"}
    assert [s["status"] for s in states] == ["scheduled", "live", "paused", "ended"]
    before, during = states[0], states[1]
    assert before["current_prompt"] is None and before["next_post"]["key"] == "welcome"
    assert during["current_prompt"]["label"] == "Q1"
    assert during["next_post"] == {
        "key": "reminder:20",
        "kind": "reminder",
        "due": "2026-11-25T02:20:00.000+00:00",
    }
    assert during["seconds_left"] == 53 * 60
    assert during["queue"] == [
        {"number": 1, "author": "@bob", "text": "Where are the slides? #localgovchat", "status": "open",
         "upvotes": 0, "position": 1, "askers": ["@bob"], "asked_at": "2026-11-25T02:06:30.000+00:00",
         "aired_at": None, "answered_at": None},
    ]  # fmt: skip
    assert during["participants"] == 2
    assert [p["handle"] for p in during["new_participants"]] == ["@bob", "@ann"]
    assert during["messages_per_minute"] == 2.0
    assert states[-1]["ends_at"] == "2026-11-25T03:02:00.000+00:00"  # after a 2-minute pause
    json.dumps(states)

    types = [e["type"] for e in events]
    assert types[0] == "state" and types[-1] == "state" and "message" in types and "post" in types
    messages = [e for e in events if e["type"] == "message"]
    assert {"kind": "answer", "answers": ["1"]}.items() <= messages_by_text(messages, "A1: permits").items()
    posts = [e["key"] for e in events if e["type"] == "post"]
    assert posts[:3] == ["welcome", "intro", "prompt:Q1"] and posts[-1] == "closing"
    assert [e["state"]["status"] for e in events if e["type"] == "state"][-1] == "ended"
    h.close()


def messages_by_text(events: list[dict[str, object]], start: str) -> dict[str, object]:
    return next(e for e in events if str(e["message"]["text"]).startswith(start))  # type: ignore[index]


async def test_a_session_already_over_is_not_hosted(tmp_path: Path) -> None:
    h = Harness(tmp_path, start=at(90))
    await h.runner(make_session()).run()
    assert bot_posts(h.rooms["x"]) == []
    h.close()


async def test_run_config_refuses_a_session_it_cannot_host_before_starting(tmp_path: Path) -> None:
    from chatbot.config import Config, ConfigError, SessionConfig
    from chatbot.startup import run_config

    irc_only = SessionConfig(make_spec(platforms=("irc",)), {}, {})
    with pytest.raises(ConfigError, match="platform 'irc' is not yet available"):
        await run_config(Config(path=tmp_path / "chat.toml", db=tmp_path / "c.db", sessions=(irc_only,)))
    with pytest.raises(ConfigError, match="no \\[\\[session\\]\\] to host"):
        await run_config(Config(path=tmp_path / "chat.toml", db=tmp_path / "c.db"))
    assert not (tmp_path / "c.db").exists()


@pytest.mark.parametrize(
    ("messages", "timeline", "problem"),
    [
        ({}, {"missed": "later"}, "timeline.missed: must be 'post' or 'skip'"),
        ({}, {"reminder_every_minutes": "often"}, "timeline.reminder_every_minutes: must be a number"),
        ({}, {"announce_before_minutes": 60}, "timeline.announce_before_minutes: must be a list"),
        ({}, {"reminder_every_minute": 5}, "timeline.reminder_every_minute: unknown key"),
        ({"welcome": "Hi {nobody}"}, {}, "messages: template 'welcome' uses unknown placeholder"),
    ],
)
def test_a_session_config_is_checked_once_whoever_makes_it(
    messages: dict[str, str], timeline: dict[str, object], problem: str
) -> None:
    """The demo and tests build SessionConfig in code: the same one validator as the TOML loader."""
    from chatbot.config import SessionConfig

    with pytest.raises(ValueError, match=re.escape(problem)):
        SessionConfig(make_spec(), messages, timeline)


async def test_run_config_hosts_its_sessions_through_the_factory(tmp_path: Path) -> None:
    from chatbot.config import Config
    from chatbot.platforms.memory import MemoryPlatform
    from chatbot.startup import run_config

    h = Harness(tmp_path, start=at(-1))
    config = Config(
        path=tmp_path / "chat.toml",
        db=tmp_path / "run.db",
        transcripts=tmp_path / "out",
        sessions=(make_session(make_spec(minutes=20, prompts=("One?",))),),
    )
    code = await run_config(
        config, clock=h.clock, platforms_factory=lambda c, s: [MemoryPlatform(h.rooms["x"])]
    )
    assert code == 0
    assert [k for _, k in posted(tmp_path / "run.db", h.rooms["x"])] == [
        "announce:60", "welcome", "intro", "prompt:Q1", "lastcall", "closing",
    ]  # fmt: skip
    assert (tmp_path / "out" / "2026-11-24-localgovchat.html").is_file()
    h.close()


def test_messages_of_the_bot_count_as_the_hosts() -> None:
    """The engine sees the bot's own post as the host's prompt (what the recap relies on)."""
    from chatbot.core.engine import SessionEngine

    engine = SessionEngine(make_spec(), bot_handles=(BOT.handle,))
    m = Message("x1", "x", START, BOT, "Q1: What is one thing residents ask you most? #localgovchat")
    assert engine.ingest(m).prompt == "1"
    assert engine.is_host(Message("x2", "x", START, HOST, "hi"))
    assert not engine.is_host(Message("x3", "x", START, Author("a", "@ann"), "hi"))
    assert local(START) == "11-24 21:00"
