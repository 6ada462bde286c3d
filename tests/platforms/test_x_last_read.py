"""The chat's last seconds on X: ``chatbot run``'s path with the real tweepy client on the fake X
API, on virtual time. Search reads only posts ``settle_seconds`` old, so what is said just before
the closing (and the replies to it) is read by the session's last read, after the closing."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from chatbot.clock import VirtualClock
from chatbot.config import load_config
from chatbot.startup import run_config
from chatbot.store import Store
from tests.platforms import xkit
from tests.platforms.xfake import XFake, serve

START = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 21:00 in New York
END = START + timedelta(minutes=10)  # the closing is due then
CHAT = (
    xkit.HEADER
    + """poll_seconds = 10
settle_seconds = 10

[[session]]
hashtag = "#localgovchat"
title = "Should frontline staff tweet answers?"
start = "2026-11-24 21:00"
timezone = "America/New_York"
duration_minutes = 10
hosts = ["@govhost"]
platforms = ["x"]

  [session.timeline]
  announce_before_minutes = []
  reminder_every_minutes = 0
  last_call_minutes = 0

  [[session.prompt]]
  label = "Q1"
  text = "What is one thing residents ask you most?"
  offset_minutes = 3
"""
)


async def test_posts_in_the_chat_last_seconds_and_replies_to_the_closing_are_kept(tmp_path: Path) -> None:
    clock = VirtualClock(START - timedelta(minutes=1))
    fake = XFake(clock)
    ann, bob, cat = fake.user("ann", "Ann"), fake.user("bob", "Bob"), fake.user("cat", "Cat")
    fake.user("govhost", "Gov Host")
    said: dict[str, str] = {}

    async def chat() -> None:
        await clock.sleep_until(START + timedelta(minutes=4))
        said["early"] = fake.tweet(ann, "A1: permits, always #localgovchat")
        await clock.sleep_until(END - timedelta(seconds=2))
        said["thanks"] = fake.tweet(bob, "thanks all, great chat #localgovchat")
        await clock.sleep_until(END + timedelta(seconds=5))
        closing = next(p for p in fake.posts_by(fake.bot) if p.created_at == END)
        said["reply"] = fake.tweet(cat, "thank you for hosting!", reply_to=closing.id)  # no tag
        await clock.sleep_until(END + timedelta(seconds=15))  # the window closed 10 s after the closing
        said["later"] = fake.tweet(ann, "anyone still here? #localgovchat")

    path = tmp_path / "chat.toml"
    async with serve(fake) as url:
        path.write_text(CHAT.format(db=tmp_path / "chat.db", out=tmp_path / "out", url=url), encoding="utf-8")
        talk = asyncio.ensure_future(chat())
        config = load_config(path, env=xkit.env())
        assert await run_config(config, clock=clock, say=None, handle_signals=False) == 0
        await talk

    store = Store(tmp_path / "chat.db")
    try:
        sid = store.sessions()[0]["id"]
        stored = {r["id"] for r in store.message_rows(sid)}
        bot = {str(p.id) for p in fake.posts_by(fake.bot)}
        search = {u["endpoint"]: u for u in store.usage(sid)}["search"]
    finally:
        store.close()
    assert {said["early"], said["thanks"], said["reply"]} <= stored  # 2 s before and 5 s after the closing
    assert said["later"] not in stored  # 15 s after the closing: no longer the chat's
    assert bot <= stored  # the closing too
    assert search["units"] == len(bot) + 4  # every post read once, none twice (the later one too)
    page = (tmp_path / "out" / "2026-11-24-localgovchat.html").read_text(encoding="utf-8")
    assert "thanks all, great chat" in page and "thank you for hosting!" in page
    assert "anyone still here?" not in page
    export = json.loads((tmp_path / "out" / "2026-11-24-localgovchat.json").read_text(encoding="utf-8"))
    assert "thanks all, great chat #localgovchat" in json.dumps(export)
