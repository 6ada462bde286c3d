"""Rehearsals: a recorded chat replayed through the live runner, on virtual and on scaled time."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chatbot.clock import ScaledClock, VirtualClock
from chatbot.config import load_config
from chatbot.core.model import Author
from chatbot.hosting.rehearse import replay
from chatbot.importers import ImportFailed, load
from chatbot.platforms.replay import ReplayPlatform
from chatbot.store import Store

FIXTURES = Path(__file__).parents[1] / "fixtures" / "runner"
CHAT = FIXTURES / "gardenchat.jsonl"


def bot_lines(lines: list[str]) -> list[tuple[str, str]]:
    """(time, text) of what the bot said, from replay's output."""
    return [(line[:8], line.split("] ", 1)[1]) for line in lines if " [x] " in line]


def starts(lines: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(t, " ".join(text.split()[:2])) for t, text in lines]


async def test_a_recording_without_config_is_hosted_as_the_chat_it_holds() -> None:
    out: list[str] = []
    assert await replay(CHAT, config=None, speed=0, out=out.append) == 0
    said = bot_lines(out)
    assert starts(said) == [
        ("21:00:00", "Welcome to"),
        ("21:01:00", "Before we"),
        ("21:08:30", "@lee: thanks,"),
        ("21:20:00", "Reminder: include"),
        ("21:25:00", "Last call:"),
        ("21:30:00", "That's a"),
    ]
    assert said[2][1] == "@lee: thanks, your question is #1 (place 1 in the queue) #GardenChat (reply to g06)"
    assert all("#GardenChat" in text for _, text in said)
    # the thanks to @lee is no message of the chat; the host is one of the people who took part
    assert out[-1] == "done: 20 messages recorded, 6 posted by the bot, 1 questions, 4 participants"


async def test_a_rehearsal_with_a_config_moves_the_recording_to_the_session(tmp_path: Path) -> None:
    config = load_config(FIXTURES / "garden.toml")
    out: list[str] = []
    db, transcripts = tmp_path / "rehearsal.db", tmp_path / "out"
    code = await replay(CHAT, config=config, speed=0, out=out.append, db=db, transcripts=transcripts)
    assert code == 0
    said = bot_lines(out)
    assert starts(said) == [
        ("19:59:00", "Join us"),  # its time (19:50) came before the rehearsal began: posted at once
        ("20:00:00", "Welcome to"),
        ("20:01:00", "Before we"),
        ("20:05:00", "Q1: What"),
        ("20:08:30", "@lee: thanks,"),
        ("20:20:00", "Q2: Which"),
        ("20:25:00", "Last call:"),
        ("20:30:00", "That's a"),
    ]
    assert said[3][1] == "Q1: What grows in your garden in winter? #GardenChat"
    store = Store(db)
    try:
        rows = store.message_rows("gardenchat-2026-12-01")
        jane = next(r for r in rows if r["id"] == "g04")
        assert (jane["ts"], jane["kind"]) == ("2026-12-02T02:06:10.000+00:00", "answer")
        assert {r["handle"] for r in rows} >= {"@gardenbot", "@gardenhost", "@jane", "@raj", "@lee"}
    finally:
        store.close()
    recap = json.loads((transcripts / "2026-12-01-gardenchat.json").read_text())
    assert [p["label"] for p in recap["prompts"]][:2] == ["Q1", "Q2"]


async def test_a_replay_at_high_speed_on_the_real_clock_says_the_same() -> None:
    virtual: list[str] = []
    await replay(CHAT, config=None, speed=0, out=virtual.append)
    real: list[str] = []
    began = time.monotonic()
    assert await replay(CHAT, config=None, speed=7200, out=real.append) == 0
    assert time.monotonic() - began < 3  # 31 minutes of chat in about a quarter of a second
    assert [text for _, text in bot_lines(real)] == [text for _, text in bot_lines(virtual)]


async def test_the_replay_platform_delivers_the_recording_and_keeps_what_the_bot_says() -> None:
    recorded = load(CHAT).messages
    clock = VirtualClock(recorded[0].ts - timedelta(minutes=1))
    me = Author("bot", "@chatbot", "chatbot", is_bot=True)
    shown: list[str] = []
    platform = ReplayPlatform("x", recorded, clock, identity=me, on_post=lambda m: shown.append(m.text))
    await platform.start()
    heard = []

    async def listen() -> None:
        async for m in platform.messages():
            heard.append((m.id, m.ts))
            if m.id == "g03":
                await platform.post("A reply #GardenChat", reply_to=m.id)
            if m.id == "g15":
                return

    await asyncio.wait_for(listen(), 5)
    assert [i for i, _ in heard if i.startswith("g")] == [m.id for m in recorded]
    assert all(
        ts == m.ts for (i, ts), m in zip([h for h in heard if h[0].startswith("g")], recorded, strict=True)
    )
    assert ("bot-1", recorded[2].ts) in heard  # the bot's own post comes back, as on a real platform
    history = await platform.history(after="g03", limit=2)
    assert [m.id for m in history] == ["bot-1", "g04"]
    assert history[0].reply_to == "g03" and shown == ["A reply #GardenChat"]
    await platform.stop()


async def test_the_scaled_clock_runs_faster_than_real_time() -> None:
    start = datetime(2026, 11, 10, 21, 0, tzinfo=UTC)
    clock = ScaledClock(start, 3600)
    began = time.monotonic()
    await clock.sleep_until(start + timedelta(minutes=1))
    assert 0.005 < time.monotonic() - began < 1
    assert clock.now() >= start + timedelta(minutes=1)
    with pytest.raises(ValueError, match="speed"):
        ScaledClock(start, 0)


async def test_a_file_that_is_not_a_chat_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("just some notes\n")
    with pytest.raises(ImportFailed):
        await replay(bad, config=None, speed=0, out=lambda line: None)
