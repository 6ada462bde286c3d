"""The Discord adapter on its own, through discord.py on the fake: its settings, the slash commands
it registers, rate limits and server errors, embeds, answers to one person, a guild it is not in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from chatbot.clock import SystemClock
from chatbot.config import ConfigError, load_config
from chatbot.core.model import Author
from chatbot.hosting.host import default_platforms
from chatbot.platforms.base import PlatformError
from chatbot.platforms.discord_.bot import INVITE_PERMISSIONS, invite_url
from chatbot.platforms.discord_.settings import Place
from chatbot.platforms.registry import REGISTRY
from chatbot.platforms.settings import SettingsError
from tests.platforms.discordfake.kit import World, chat, world
from tests.platforms.discordfake.world import EPHEMERAL

TABLE = '[platforms.discord]\nguild = "11"\nchannel = "12"\n'
SESSION = """
[[session]]
hashtag = "#localgovchat"
start = "2026-11-24 21:00"
timezone = "America/New_York"
hosts = ["@govhost"]
platforms = ["discord"]
"""


@pytest.fixture
async def w(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[World]:
    async with world(SystemClock(), monkeypatch) as w:
        yield w


def settings(table: dict[str, object], env: dict[str, str] | None = None) -> object:
    return REGISTRY.settings("discord", table, env or {})


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"guild": "11"}, "platforms.discord.channel: is required with the other (guild and channel)"),
        ({"guild": "eleven", "channel": 12}, "platforms.discord.guild: must be a Discord id"),
        ({"thread": "yes"}, "platforms.discord.thread: must be a bool"),
        ({"history_budget": 0}, "platforms.discord.history_budget: must be at least 1"),
        ({"chat": [{"guild": 1, "channel": 2}]}, "platforms.discord.chat[0].hashtag: is required"),
        ({"chat": [{"hashtag": "#a", "guild": 1}]}, "platforms.discord.chat[0].channel: is required"),
        ({"channel_id": 1}, "platforms.discord.channel_id: unknown key (expected one of: channel, chat"),
    ],
)
def test_settings_errors_name_the_key(table: dict[str, object], message: str) -> None:
    with pytest.raises(SettingsError) as err:
        settings(table)
    assert str(err.value).startswith(message)


def test_the_token_comes_from_the_environment_and_each_hashtag_finds_its_place() -> None:
    s = settings(
        {
            "guild": 11,
            "channel": "12",
            "chat": [{"hashtag": "#CivicTech", "guild": "21", "channel": 22, "thread": True}],
        },
        {"DISCORD_TOKEN": "from-env"},
    )
    assert s.token == "from-env"  # type: ignore[attr-defined]
    assert s.place_for("#localgovchat") == Place(11, 12)  # type: ignore[attr-defined]
    assert s.place_for("#civictech") == Place(21, 22, thread=True)  # type: ignore[attr-defined]
    assert s.guilds == (11, 21)  # type: ignore[attr-defined]
    named = settings({"token_env": "MY_BOT", "token": "in-file"}, {"MY_BOT": "env wins"})
    assert named.token == "env wins"  # type: ignore[attr-defined]


def test_a_session_without_a_token_or_a_channel_is_refused_before_anything_starts(tmp_path: Path) -> None:
    path = tmp_path / "chat.toml"
    path.write_text(TABLE + SESSION, encoding="utf-8")
    config = load_config(path, env={})
    with pytest.raises(ConfigError, match="discord: no bot token: set DISCORD_TOKEN"):
        default_platforms(config, config.sessions[0])
    path.write_text(SESSION, encoding="utf-8")
    config = load_config(path, env={"DISCORD_TOKEN": "t"})
    with pytest.raises(ConfigError, match="discord: no channel for #localgovchat"):
        default_platforms(config, config.sessions[0])


def test_the_invite_asks_for_what_hosting_needs() -> None:
    p = INVITE_PERMISSIONS
    assert p.send_messages and p.send_messages_in_threads and p.create_public_threads and p.manage_events
    assert p.read_message_history and p.add_reactions and p.embed_links and not p.administrator
    assert (
        invite_url(42)
        == f"https://discord.com/oauth2/authorize?client_id=42&scope=bot+applications.commands&permissions={p.value}"
    )


async def test_slash_commands_are_registered_in_the_configured_guild(w: World) -> None:
    p = w.adapter(chat())
    await p.start()
    try:
        names = {c["name"]: c for c in w.guild.commands}
        assert set(names) == {"ask", "queue", "upvote", "help", "optout", "chat", "question"}
        assert [o["name"] for o in names["chat"]["options"]] == [
            "start",
            "pause",
            "resume",
            "next",
            "skip",
            "end",
            "extend",
        ]
        assert [o["name"] for o in names["question"]["options"]] == [
            "approve",
            "reject",
            "answered",
            "merge",
            "route",
            "next",
        ]
        ask = names["ask"]["options"][0]
        assert (ask["name"], ask["type"], ask["required"]) == ("question", 3, True)
        elsewhere = w.fake.text_channel(w.guild, "general")
        answer = await w.fake.answer_of(w.fake.slash(w.ann, elsewhere, "queue"))
        assert answer["content"] == "No chat is hosted in this channel." and answer["flags"] & EPHEMERAL
    finally:
        await p.stop()


async def test_a_rate_limit_is_waited_out_and_server_errors_are_named(w: World) -> None:
    p = w.adapter(chat())
    await p.start()
    try:
        w.fake.fail("POST", r"^/channels/\d+/messages$", 429)
        posted = await p.post("Q1: after a 429")
        sent = [s for m, path, s in w.fake.requests if m == "POST" and path.endswith("/messages")]
        assert sent == [429, 200]  # discord.py waited retry_after (it trusts a 429 with Via) and sent once
        assert [m["id"] for m in w.channel.messages] == [posted]
        w.fake.fail("POST", r"^/channels/\d+/messages$", 503)
        with pytest.raises(PlatformError, match=r"discord: posting failed \(503\)"):
            await p.post("Q2: while Discord is down")  # the runner's ledger tries again later
        assert len(w.channel.messages) == 1
    finally:
        await p.stop()


async def test_prompts_as_embeds_read_back_as_their_text(w: World) -> None:
    p = w.adapter(chat(), embeds=True)
    await p.start()
    try:
        prompt = await p.post("Q1: What do residents ask first? #localgovchat")
        plain = await p.post("Thanks, everyone!")
        (m, n) = w.channel.messages
        assert m["content"] == "" and m["embeds"][0]["description"].startswith("Q1: What do residents")
        assert n["content"] == "Thanks, everyone!" and n["embeds"] == []
        back = await p.history()
        assert [(x.id, x.text) for x in back] == [
            (prompt, "Q1: What do residents ask first? #localgovchat"),
            (plain, "Thanks, everyone!"),
        ]
    finally:
        await p.stop()


async def test_an_answer_to_one_person_outside_a_slash_command_is_a_direct_message(w: World) -> None:
    p = w.adapter(chat())
    await p.start()
    try:
        ann = w.ann.user
        await p.post("thanks, your question is #1", to=Author(ann.id, ann.username))
        assert w.channel.messages == []
        (dm,) = [c for c in w.fake.channels.values() if c.type == 1]
        assert dm.recipient is ann and dm.messages[0]["content"] == "thanks, your question is #1"
    finally:
        await p.stop()


async def test_a_guild_the_bot_is_not_in_is_one_clear_error_with_the_invite(w: World) -> None:
    p = w.adapter(chat(), default=Place(999, 998), connect_timeout=0.5)
    with pytest.raises(
        PlatformError,
        match=r"the bot is not in guild 999 .* invite it with https://discord.com/oauth2/authorize\?client_id=",
    ):
        await p.start()
