"""The registry: every platform found by name, and a new one added with one module and one line."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chatbot.clock import VirtualClock
from chatbot.config import ConfigError, load_config
from chatbot.core.model import Author
from chatbot.core.textfit import x_weighted_length
from chatbot.platforms.registry import REGISTRY, PlatformUnavailable, UnknownPlatform
from chatbot.recap import PLATFORM_NAMES
from chatbot.startup import run_config
from chatbot.store import Store
from tests.platforms import bluesky

START = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 21:00 in New York
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one grapheme on Bluesky, 8 code points
CHAT = """
[bot]
db = "{db}"
transcripts = "{out}"

[platforms.bluesky]
handle = "{handle}"

[[session]]
hashtag = "#localgovchat"
start = "2026-11-24 21:00"
timezone = "America/New_York"
duration_minutes = 20
hosts = ["@govhost.bsky.social"]
platforms = ["bluesky"]

  [session.timeline]
  announce_before_minutes = []
  reminder_every_minutes = 0

  [[session.prompt]]
  label = "Q1"
  text = "{prompt}"
  offset_minutes = 5
"""
LONG_PROMPT = "Which emoji sums up your week? " + FAMILY * 280  # 311 graphemes, 2,271 code points


def write(tmp_path: Path, handle: str = "chatbot.bsky.social") -> Path:
    path = tmp_path / "chat.toml"
    text = CHAT.format(db=tmp_path / "chat.db", out=tmp_path / "out", handle=handle, prompt=LONG_PROMPT)
    path.write_text(text, encoding="utf-8")
    return path


def test_every_platform_is_known_by_name_with_its_title_and_limits() -> None:
    assert set(REGISTRY.names) == {"web", "x", "discord", "irc"}
    assert {"web", "x"} <= set(REGISTRY.hostable)
    assert REGISTRY.titles() == PLATFORM_NAMES
    assert PLATFORM_NAMES["x"] == "X" and PLATFORM_NAMES["web"] == "the web room"
    x = REGISTRY.describe("x").post_limits
    assert (x.max_length, x.count, x.tag_every_part) == (280, x_weighted_length, True)
    assert REGISTRY.describe("irc").post_limits.count("é") == 2  # bytes
    with pytest.raises(UnknownPlatform, match="unknown platform 'myspace'"):
        REGISTRY.describe("myspace")
    with pytest.raises(PlatformUnavailable, match=r"platform 'irc' is not yet available.*\"web\""):
        REGISTRY.adapter("irc")


def test_knowing_the_platforms_loads_no_platform_sdk() -> None:
    """The config and the recaps ask the registry: reading an archive must not load tweepy or
    discord.py (adapters import their SDK where they connect)."""
    code = "import sys, chatbot.platforms.registry; print(sorted(set(sys.modules) & {'tweepy', 'discord'}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_registering_returns_a_new_registry() -> None:
    service = bluesky.FakeBluesky(VirtualClock(START))
    with_bluesky = REGISTRY.with_adapter(bluesky.adapter(service))
    assert "bluesky" in with_bluesky and "bluesky" not in REGISTRY
    assert with_bluesky.hostable == (*REGISTRY.hostable, "bluesky")
    assert with_bluesky.titles()["bluesky"] == "Bluesky"
    with pytest.raises(ValueError, match="registered already"):
        with_bluesky.with_adapter(bluesky.adapter(service))


def test_a_new_platforms_settings_are_its_own_and_errors_name_the_key(tmp_path: Path) -> None:
    service = bluesky.FakeBluesky(VirtualClock(START))
    registry = REGISTRY.with_adapter(bluesky.adapter(service))
    path = write(tmp_path, handle="nodot")
    with pytest.raises(ConfigError) as err:
        load_config(path, env={}, registry=registry)
    assert str(err.value).startswith(f"{path}: platforms.bluesky.handle: must be a domain handle")
    with pytest.raises(ConfigError, match=r"platforms\.bluesky: unknown key \(expected one of: discord, irc"):
        load_config(write(tmp_path), env={})  # not registered: not known
    config = load_config(write(tmp_path), env={"BLUESKY_APP_PASSWORD": "pw"}, registry=registry)
    assert config.platform_settings["bluesky"] == bluesky.BlueskySettings("chatbot.bsky.social", "pw")


async def test_a_new_platform_is_hosted_end_to_end_by_the_real_runner(tmp_path: Path) -> None:
    """One module (tests/platforms/bluesky.py) and one line: the real config loader, host and
    SessionRunner post the timeline on it, fitted to its own limits, and hear its people."""
    clock = VirtualClock(START - timedelta(minutes=1))
    service = bluesky.FakeBluesky(clock)
    registry = REGISTRY.with_adapter(bluesky.adapter(service))  # the one line
    config = load_config(write(tmp_path), env={}, registry=registry)
    ann = Author("did:plc:ann", "@ann.bsky.social", "Ann")
    bob = Author("did:plc:bob", "@bob.bsky.social", "Bob")

    async def chat() -> None:
        await clock.sleep_until(START + timedelta(minutes=6))
        service.publish(ann, "A1: " + FAMILY * 3)
        asked = service.publish(ann, "#ask how long do you keep a thread open?")
        await clock.sleep_until(START + timedelta(minutes=7))
        service.like(asked.id, bob)

    talk = asyncio.ensure_future(chat())
    assert await run_config(config, clock=clock) == 0
    await talk

    bot = [m for m in service.posts if m.author.is_bot]
    prompt = [m for m in bot if m.text.startswith(("Q1", FAMILY))]
    assert len(prompt) == 2  # 311 graphemes and the tag: a thread of two, as Bluesky counts
    assert all(bluesky.graphemes(m.text) <= 300 for m in bot)
    assert prompt[1].reply_to == prompt[0].id
    store = Store(tmp_path / "chat.db")
    try:
        sid = config.sessions[0].spec.id
        answer = next(r for r in store.message_rows(sid) if r["text"].startswith("A1:"))
        assert answer["platform"] == "bluesky" and answer["kind"] == "answer"
        posted = {r["key"]: r["platform_id"] for r in store.ledger(sid) if r["status"] == "posted"}
        assert {"welcome", "prompt:Q1", "prompt:Q1#2", "closing"} <= set(posted)
        assert sorted(posted.values()) == sorted(m.id for m in bot)
        (question,) = store.question_rows(sid)
        assert question["likes"] == 1  # Bob's like is a vote
        assert len([r for r in store.message_rows(sid) if r["handle"] == "@chatbot.bsky.social"]) == len(bot)
    finally:
        store.close()
