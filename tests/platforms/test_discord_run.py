"""``chatbot run chat.toml`` for a Discord chat, end to end on the fake: the config's
``[platforms.discord]`` table, the one start-up path, a short session and its recap; a bad token
gives one clear error; without the Message Content intent the bot says so and slash commands work."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest

from chatbot.clock import Clock
from chatbot.config import Config, load_config
from chatbot.startup import run_config
from chatbot.store import Store
from tests.platforms.discordfake.kit import World, fast_clock, settle, until, world

CHAT = """
[bot]
db = "{db}"
transcripts = "{out}"

[platforms.discord]
guild = "{guild}"
channel = {channel}
thread = true
host_roles = ["Chat hosts"]
connect_timeout = 5

[[session]]
hashtag = "#localgovchat"
title = "Frontline staff"
start = "2026-11-24 21:00"
timezone = "America/New_York"
duration_minutes = 10
hosts = ["@govhost"]
platforms = ["discord"]

  [session.timeline]
  announce_before_minutes = [1]
  reminder_every_minutes = 0
  last_call_minutes = 0

  [[session.prompt]]
  label = "Q1"
  text = "{prompt}"
  offset_minutes = 2
"""
SENTENCE = "Tell us about the busiest desk in your town hall and what residents ask there first. "
LONG = (SENTENCE * 30).strip()  # 2,519 characters: two messages, split where a sentence ends


async def run(config: Config, clock: Clock) -> int:
    """``chatbot run`` as the command line does it (no signal handlers in a test, nothing printed)."""
    return await run_config(config, clock=clock, handle_signals=False, say=None)


def write(tmp_path: Path, w: World) -> Path:
    path = tmp_path / "chat.toml"
    text = CHAT.format(
        db=tmp_path / "chat.db", out=tmp_path / "out", guild=w.guild.id, channel=w.channel.id, prompt=LONG
    )
    path.write_text(text, encoding="utf-8")
    return path


async def test_run_hosts_a_discord_chat_from_its_config_and_the_recap_shows_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = fast_clock(3)
    async with world(clock, monkeypatch) as w:
        config = load_config(write(tmp_path, w), env={"DISCORD_TOKEN": w.fake.token})
        seen: dict[str, Any] = {}

        async def people() -> None:
            await until(clock, -0.5)
            seen["event"] = dict(w.fake.events(w.guild)[0])  # planned before the chat
            await until(clock, 3)
            await settle(lambda: any(c.is_thread for c in w.fake.channels.values()))
            thread = next(c for c in w.fake.channels.values() if c.is_thread)
            w.fake.say(w.ann, thread, "A1: the permit desk, then parking")
            w.fake.say(w.host, thread, "Thanks Ann! Let's hear from everyone. #localgovchat")

        talk = asyncio.ensure_future(people())
        ready = asyncio.ensure_future(clock.release_when(lambda: bool(w.fake.events(w.guild))))
        assert await asyncio.wait_for(run(config, clock), 30) == 0
        await asyncio.gather(talk, ready)

    announcement = w.channel.messages[0]
    assert announcement["content"].startswith("Join us")
    (link,) = announcement["embeds"]
    assert link["url"] == f"https://discord.com/events/{w.guild.id}/{seen['event']['id']}"
    assert seen["event"]["status"] == 1 and seen["event"]["name"] == "Frontline staff"
    assert w.fake.events(w.guild)[0]["status"] == 3  # completed with the chat
    thread = next(c for c in w.fake.channels.values() if c.is_thread)
    first, second = [m for m in thread.messages if m["content"].startswith(("Q1", "Tell"))][:2]
    assert len(first["content"]) <= 2000 and len(second["content"]) <= 2000
    assert second["message_reference"]["message_id"] == first["id"]  # the prompt goes on as a reply
    assert first["content"].split(" (1/2)")[0].endswith("first.")  # cut where a sentence ends

    store = Store(tmp_path / "chat.db")
    try:
        sid = config.sessions[0].spec.id
        roles = {p["handle"]: p["role"] for p in store.participant_rows(sid)}
        assert roles["jane"] == "host" and roles["ann"] == "participant"  # Jane hosts by her role
    finally:
        store.close()
    page = next((tmp_path / "out").glob("*localgovchat*.html")).read_text(encoding="utf-8")
    assert "the permit desk, then parking" in page and "Frontline staff" in page


async def test_a_bad_token_is_one_clear_error_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    clock = fast_clock(3)
    async with world(clock, monkeypatch) as w:
        config = load_config(write(tmp_path, w), env={"DISCORD_TOKEN": "not-the-token"})
        with caplog.at_level(logging.ERROR):
            code = await asyncio.wait_for(run(config, clock), 10)
    assert code == 1
    refused = [r.getMessage() for r in caplog.records if "token was refused" in r.getMessage()]
    assert len(refused) == 1
    assert "DISCORD_TOKEN" in refused[0] and "Reset Token" in refused[0]
    assert w.fake.requests == [("GET", "/users/@me", 401)]  # nothing else was tried
    assert w.fake.gateway.identified == 0


async def test_without_the_message_content_intent_it_says_so_and_slash_commands_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    clock = fast_clock(3)
    async with world(clock, monkeypatch, privileged=0) as w:  # the portal switch is off
        config = load_config(write(tmp_path, w), env={"DISCORD_TOKEN": w.fake.token})
        said: dict[str, Any] = {}

        async def people() -> None:
            await until(clock, 3)
            await settle(lambda: any(c.is_thread for c in w.fake.channels.values()))
            thread = next(c for c in w.fake.channels.values() if c.is_thread)
            w.fake.say(w.ann, thread, "A1: typed, but the bot cannot read it")
            said["ask"] = await w.fake.answer_of(w.fake.slash(w.bob, thread, "ask", question="Who decides?"))

        talk = asyncio.ensure_future(people())
        ready = asyncio.ensure_future(clock.release_when(lambda: bool(w.fake.events(w.guild))))
        with caplog.at_level(logging.WARNING):
            assert await asyncio.wait_for(run(config, clock), 30) == 0
        await asyncio.gather(talk, ready)
    warned = [r.getMessage() for r in caplog.records if "event=discord_intent_missing" in r.getMessage()]
    assert len(warned) == 1 and "Privileged Gateway Intents -> Message Content Intent" in warned[0]
    assert 4014 in w.fake.gateway.closed_with
    assert said["ask"]["content"] == "thanks, your question is #1 (place 1 in the queue)"
    store = Store(tmp_path / "chat.db")
    try:
        sid = config.sessions[0].spec.id
        (q,) = store.question_rows(sid)
        assert q["text"] == "Who decides?"
        assert not [r for r in store.message_rows(sid) if r["kind"] == "answer"]
    finally:
        store.close()
