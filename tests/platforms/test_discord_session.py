"""Whole sessions hosted on the fake Discord by the real runner, through the unmodified discord.py:
a thread opened at the start, prompts on schedule, answers, questions by message and by /ask,
reactions as votes, hosts by role or Manage Events, refusals only the member sees, the session's
scheduled event, a gateway that drops, a restart without duplicate posts."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from chatbot.clock import Clock
from chatbot.config import SessionConfig
from chatbot.hosting.recaps import Recaps
from chatbot.hosting.session import SessionRunner
from chatbot.platforms.discord_.adapter import DiscordPlatform
from chatbot.platforms.discord_.settings import Place
from chatbot.store import Store
from tests.platforms.discordfake.kit import World, at, chat, fast_clock, until, world
from tests.platforms.discordfake.world import EPHEMERAL, Channel

UP = "\N{THUMBS UP SIGN}"


def thread_of(w: World) -> Channel:
    (thread,) = [c for c in w.fake.channels.values() if c.is_thread]
    return thread


def texts(channel: Channel) -> list[str]:
    return [m["content"] or m["embeds"][0].get("description", "") for m in channel.messages]


def runner(
    tmp_path: Path, session: SessionConfig, platform: DiscordPlatform, clock: Clock, store: Store | None = None
) -> SessionRunner:
    return SessionRunner(
        session, store or Store(tmp_path / "chat.db"), [platform], clock=clock, recaps=Recaps(tmp_path / "out")
    )


async def answered(w: World, who: Any, channel: Channel, name: str, *path: str, **options: Any) -> dict[str, Any]:
    return await w.fake.answer_of(w.fake.slash(who, channel, name, *path, **options))


async def test_a_chat_in_a_thread_with_slash_commands_votes_and_hosts_by_role(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = fast_clock(2)
    async with world(clock, monkeypatch) as w:
        session = chat()
        platform = w.adapter(session, clock, default=Place(int(w.guild.id), int(w.channel.id), thread=True))
        run = runner(tmp_path, session, platform, clock)
        said: dict[str, Any] = {}

        async def people() -> None:
            await until(clock, 1.5)
            thread = thread_of(w)
            w.fake.say(w.ann, thread, "A1: the permit desk, every time")
            said["asked"] = w.fake.say(w.bob, thread, "Who trains the front desk staff? #ask")
            await until(clock, 2)
            w.fake.react(said["asked"], UP, w.ann)
            w.fake.react(said["asked"], UP, w.host)
            said["ask"] = await answered(w, w.ann, thread, "ask", question="How do you measure wait times?")
            said["refused"] = await answered(w, w.bob, thread, "chat", "end")
            said["approve"] = await answered(w, w.host, thread, "question", "approve", n=1)
            said["extend"] = await answered(w, w.moderator, thread, "chat", "extend", minutes=5)
            said["queue"] = await answered(w, w.bob, thread, "queue")
            said["event_after_extend"] = dict(w.fake.events(w.guild)[0])
            await until(clock, 6)
            said["end"] = await answered(w, w.host, thread, "chat", "end")

        talk = asyncio.ensure_future(people())
        await asyncio.wait_for(run.run(), 30)
        await talk

        thread = thread_of(w)
        assert thread.name == "#localgovchat 2026-11-24" and thread.parent_id == w.channel.id
        assert [m["id"] for m in w.channel.messages] == [thread.id]  # the welcome opened the thread
        posted = texts(thread)
        assert posted[0].startswith("Before we start") and [t[:2] for t in posted if t[:1] == "Q"] == ["Q1", "Q2"]
        assert posted[-1].startswith("That's a wrap for #localgovchat")
        # answers to slash commands: only the member saw them, and they are in no channel
        assert said["ask"]["content"] == "thanks, your question is #2 (place 2 in the queue)"
        assert said["refused"]["content"] == "sorry, only the hosts can use /end."
        assert said["approve"]["content"] == "question #1 approved (place 1)."
        assert said["extend"]["content"] == "extending the chat by 5 minutes."
        assert said["queue"]["content"] == (
            "2 waiting:\n1. #1 (approved, 2 votes) bob: Who trains the front desk staff?\n"
            "2. #2 (open) ann: How do you measure wait times?"
        )
        assert all(said[k]["flags"] & EPHEMERAL for k in ("ask", "refused", "approve", "extend", "queue", "end"))
        assert not any("thanks, your question" in t or "sorry" in t for t in posted)
        # the scheduled event: planned, started with the chat, extended, completed
        (event,) = w.fake.events(w.guild)
        assert event["status"] == 3 and event["entity_type"] == 3
        assert event["entity_metadata"]["location"].endswith(f"/{w.guild.id}/{w.channel.id}")
        assert datetime.fromisoformat(said["event_after_extend"]["scheduled_end_time"]) == at(15)
        assert said["event_after_extend"]["status"] == 2

        store = run.store
        try:
            sid = session.spec.id
            rows = store.message_rows(sid)
            answer = next(r for r in rows if r["text"].startswith("A1:"))
            assert answer["kind"] == "answer" and answer["handle"] == "ann"
            q1, q2 = store.question_rows(sid)
            assert (q1["likes"], q1["status"]) == (2, "approved")
            assert q2["text"] == "How do you measure wait times?"
            roles = {p["handle"]: p["role"] for p in store.participant_rows(sid)}
            assert roles["ann"] == "participant"
            assert store.session_row(sid)["status"] == "ended"
            logged = [(c.name, c.actor.handle, c.outcome) for c in store.command_log(sid)]
            assert ("end", "bob", "refused") in logged and ("approve", "jane", "ok") in logged
            assert ("extend", "mo", "ok") in logged
        finally:
            store.close()
        assert (tmp_path / "out" / "2026-11-24-localgovchat.html").exists() or list((tmp_path / "out").glob("*.html"))
