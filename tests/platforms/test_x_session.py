"""A chat hosted on X end to end: ``chatbot run``'s path (``run_config``) with a TOML config naming
``platforms = ["x"]``, the real tweepy client talking to the fake X API, on virtual time."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from chatbot.clock import VirtualClock
from chatbot.config import load_config
from chatbot.core.textfit import x_weighted_length
from chatbot.startup import run_config, started
from chatbot.store import Store
from tests.platforms import xkit
from tests.platforms.xfake import XFake, serve

START = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 21:00 in New York
CHAT = (
    xkit.HEADER
    + """poll_seconds = 10
likes_seconds = 30
{extra}

[[session]]
hashtag = "#localgovchat"
title = "Should frontline staff tweet answers?"
start = "2026-11-24 21:00"
timezone = "America/New_York"
duration_minutes = 20
hosts = ["@govhost"]
platforms = ["x"]

  [session.timeline]
  announce_before_minutes = []
  reminder_every_minutes = 0

  [[session.prompt]]
  label = "Q1"
  text = "What is one thing residents ask you most?"
  offset_minutes = 5

  [[session.prompt]]
  label = "Q2"
  text = "{q2}"
  offset_minutes = 12
"""
)
Q2 = (
    "Does answering on social media let residents jump the queue? Think of the planning desk, the "
    "housing office and the bins: who waits longer when a tweet gets an answer in an hour and a letter "
    "in a week? And what would make it fair for the people who never tweet at all?"
)


def write(tmp_path: Path, url: str, extra: str = "") -> Path:
    path = tmp_path / "chat.toml"
    text = CHAT.format(db=tmp_path / "chat.db", out=tmp_path / "out", url=url, extra=extra, q2=Q2)
    path.write_text(text, encoding="utf-8")
    return path


async def hosted(
    tmp_path: Path, fake: XFake, clock: VirtualClock, url: str, script: Callable[[], Awaitable[None]]
) -> int:
    config = load_config(write(tmp_path, url), env=xkit.env())
    talk = asyncio.ensure_future(script())
    code = await run_config(config, clock=clock, say=None, handle_signals=False)
    await talk
    return code


async def test_a_chat_on_x_is_hosted_end_to_end_and_its_recap_shows_the_spend(tmp_path: Path) -> None:
    clock = VirtualClock(START - timedelta(minutes=2))
    fake = XFake(clock)
    ann, bob, cat = fake.user("ann", "Ann"), fake.user("bob", "Bob"), fake.user("cat", "Cat")
    fake.user("govhost", "Gov Host")
    asked: list[str] = []

    async def chat() -> None:
        await clock.sleep_until(START + timedelta(minutes=6))
        fake.tweet(ann, "A1: permits, always #localgovchat")
        asked.append(fake.tweet(bob, "#ask how long do you keep a thread open? #localgovchat"))
        q1 = next(p for p in fake.posts_by(fake.bot) if p.text.startswith("Q1"))
        fake.tweet(cat, "bins, every single week", reply_to=q1.id)  # a reply to the prompt, no tag
        await clock.sleep_until(START + timedelta(minutes=8))
        fake.like(asked[0], 3)
        ann.username, ann.name = "ann_at_city_hall", "Ann (City Hall)"  # renamed mid-chat
        fake.tweet(ann, "A1: and parking permits #localgovchat")

    async with serve(fake) as url:
        assert await hosted(tmp_path, fake, clock, url, chat) == 0

    bot = fake.posts_by(fake.bot)
    assert all(x_weighted_length(p.text) <= 280 and "#localgovchat" in p.text for p in bot)
    q1 = [p for p in bot if p.text.startswith("Q1")]
    assert [p.created_at for p in q1] == [START + timedelta(minutes=5)]  # on time, on the virtual clock
    q2 = [p for p in bot if p.text.startswith("Q2") or "(2/2)" in p.text]
    assert len(q2) == 2 and q2[1].reply_to == q2[0].id  # too long for one post: a thread of two
    store = Store(tmp_path / "chat.db")
    try:
        sid = store.sessions()[0]["id"]
        rows = {r["text"]: r for r in store.message_rows(sid)}
        assert rows["A1: permits, always #localgovchat"]["kind"] == "answer"
        assert rows["bins, every single week"]["kind"] == "answer"  # the reply answers Q1
        (person,) = [p for p in store.participant_rows(sid) if p["key"] == f"x:{ann.id}"]
        renamed = ("@ann_at_city_hall", "Ann (City Hall)", 2)
        assert (person["handle"], person["name"], person["answers"]) == renamed
        (question,) = store.question_rows(sid)
        assert question["likes"] == 3  # Bob's question got three likes on X
        posted = {r["key"] for r in store.ledger(sid) if r["status"] == "posted"}
        assert {"welcome", "prompt:Q1", "prompt:Q2", "prompt:Q2#2", "closing"} <= posted
        assert len([r for r in store.message_rows(sid) if r["handle"] == "@chatbot"]) == len(bot)
        usage = {u["endpoint"]: u for u in store.usage(sid)}
        assert usage["post"]["units"] == len(bot)
        assert len(bot) + 3 <= usage["search"]["units"] <= len(bot) + 4  # each post read once at most
        assert usage["search"]["requests"] == len(fake.requests("search"))
        assert usage["lookup"]["requests"] == len(fake.requests("lookup")) > 0
    finally:
        store.close()
    export = json.loads((tmp_path / "out" / "2026-11-24-localgovchat.json").read_text(encoding="utf-8"))
    assert export["usage"][0]["platform"] == "x" and export["usage"][0]["posts"] == len(bot)
    page = (tmp_path / "out" / "2026-11-24-localgovchat.html").read_text(encoding="utf-8")
    assert "A1: permits, always #localgovchat" in page and "how long do you keep a thread open" in page
    spent = export["usage"][0]  # as the recap was made, at the closing
    assert 0 < spent["requests"] <= len(fake.log) and spent["reads"] > 0
    n, reads = spent["requests"], spent["reads"]
    assert f"On X the bot made {n} requests: {reads} posts read, {len(bot)} posts made" in page


async def test_a_scripted_chat_survives_a_burst_a_429_storm_a_502_page_and_a_restart(tmp_path: Path) -> None:
    """#localgovchat on X: 300 answers within a minute of Q1 are heard whole across pages; a storm
    of 429s and an HTML 502 are waited out with nothing lost; search never goes over the limit the
    host set (60 per 15 minutes, though polling every 10 s would want 90); the bot is stopped mid-chat
    and restarted: it reads only what the stored cursor missed and posts nothing twice."""
    clock = VirtualClock(START - timedelta(minutes=2))
    fake = XFake(clock)
    fake.limits["search"] = (60, 60)  # X would refuse a 61st search in 15 minutes
    people = [fake.user(f"resident{i}", f"Resident {i}") for i in range(300)]
    ann, _ = fake.user("ann", "Ann"), fake.user("govhost", "Gov Host")
    config_extra = "[platforms.x.limits]\nsearch = 60"
    stopped_at = START + timedelta(minutes=9)

    async with serve(fake) as url:
        config = load_config(write(tmp_path, url, config_extra), env=xkit.env())

        async def first_run() -> None:
            await clock.sleep_until(START + timedelta(minutes=6))
            for i, who in enumerate(people):
                fake.tweet(who, f"A1: answer number {i} #localgovchat")
            await clock.sleep_until(START + timedelta(minutes=7))
            fake.fail("429", "search", times=3, reset_in=90)
            fake.fail("502html", "search")
            await clock.sleep_until(START + timedelta(minutes=8))
            fake.tweet(ann, "#ask do residents prefer DMs? #localgovchat")
            await clock.sleep_until(stopped_at)
            up.host.stop()

        async with started(config, clock=clock, say=None) as up:
            script = asyncio.ensure_future(first_run())
            assert await up.host.run(handle_signals=False) == 0
            await script
        store = Store(tmp_path / "chat.db")
        sid = config.sessions[0].spec.id
        state = store.runner_state(sid)
        store.close()
        assert state is not None
        cursor = state["cursors"]["x"]
        searches_before = len(fake.requests("search"))

        clock.advance(timedelta(minutes=3))  # the bot is down; the chat goes on
        missed = [fake.tweet(ann, f"A1: said while the bot was down, {i} #localgovchat") for i in range(5)]
        again = load_config(write(tmp_path, url, config_extra), env=xkit.env())
        assert await run_config(again, clock=clock, say=None, handle_signals=False) == 0

    store = Store(tmp_path / "chat.db")
    try:
        answers = [r for r in store.message_rows(sid) if r["kind"] == "answer"]
        assert len(answers) == 300 + 5  # the whole burst, and what was said while the bot was down
        assert {r["id"] for r in answers} >= set(missed)
        assert len(store.question_rows(sid)) == 1
        rows = store.ledger(sid)
        assert len({(r["key"], r["platform"]) for r in rows}) == len(rows)
        assert all(r["status"] == "posted" for r in rows)
        bot = fake.posts_by(fake.bot)
        assert sorted(str(p.id) for p in bot) == sorted(r["platform_id"] for r in rows)  # nothing twice
    finally:
        store.close()
    assert fake.over_limit == 0 and fake.most_in_a_window("search") <= 60
    first_after = fake.requests("search")[searches_before]
    assert first_after.params["since_id"] == cursor  # the restart resumed from the stored cursor
    assert [x.status for x in fake.log].count(429) == 3 and [x.status for x in fake.log].count(502) == 1


async def test_a_post_x_refuses_as_too_long_is_split_and_sent_not_lost(tmp_path: Path) -> None:
    """X counts a post longer than we do (it changed its rules): the refused part becomes shorter
    parts in its place in the thread; every word of the prompt goes out, in order, once."""
    clock = VirtualClock(START - timedelta(minutes=2))
    fake = XFake(clock)
    fake.max_weighted = 200

    async def quiet() -> None:
        return None

    async with serve(fake) as url:
        assert await hosted(tmp_path, fake, clock, url, quiet) == 0

    bot = fake.posts_by(fake.bot)
    assert all(x_weighted_length(p.text) <= 200 for p in bot)
    start = next(i for i, p in enumerate(bot) if p.text.startswith("Q2"))
    thread = [bot[start]]
    while (nxt := next((p for p in bot if p.reply_to == thread[-1].id), None)) is not None:
        thread.append(nxt)
    words = " ".join(p.text for p in thread).replace("#localgovchat", " ")
    words = re.sub(r"\(\d+/\d+\)", " ", words)
    assert words.split() == f"Q2: {Q2}".split()
    assert len(thread) >= 3
    store = Store(tmp_path / "chat.db")
    try:
        rows = store.ledger(store.sessions()[0]["id"])
    finally:
        store.close()
    assert all(r["status"] == "posted" for r in rows)
    assert any("+" in r["key"] for r in rows if r["post"] == "prompt:Q2")
