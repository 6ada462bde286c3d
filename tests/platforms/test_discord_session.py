"""Whole sessions hosted on the fake Discord by the real runner, through the unmodified discord.py:
a thread opened at the start, prompts on schedule, answers, questions by message and by /ask,
reactions as votes, hosts by role or Manage Events, refusals only the member sees, the session's
scheduled event, a gateway that drops, a restart without duplicate posts."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from chatbot.clock import Clock
from chatbot.config import SessionConfig
from chatbot.hosting.recaps import Recaps
from chatbot.hosting.session import SessionRunner
from chatbot.platforms.discord_.adapter import DiscordPlatform
from chatbot.platforms.discord_.bot import HostBot
from chatbot.platforms.discord_.settings import Place
from chatbot.store import Store
from tests.platforms.discordfake.kit import HeldClock, World, at, chat, fast_clock, settle, until, world
from tests.platforms.discordfake.world import EPHEMERAL, Channel

UP = "\N{THUMBS UP SIGN}"


def thread_of(w: World) -> Channel:
    (thread,) = [c for c in w.fake.channels.values() if c.is_thread]
    return thread


async def opened(w: World) -> Channel:
    """The thread, once the bot has opened it (it opens with the welcome, a moment of real time)."""
    await settle(lambda: any(c.is_thread for c in w.fake.channels.values()))
    return thread_of(w)


def texts(channel: Channel) -> list[str]:
    return [m["content"] or m["embeds"][0].get("description", "") for m in channel.messages]


def runner(
    tmp_path: Path,
    session: SessionConfig,
    platform: DiscordPlatform,
    clock: Clock,
    store: Store | None = None,
) -> SessionRunner:
    return SessionRunner(
        session,
        store or Store(tmp_path / "chat.db"),
        [platform],
        clock=clock,
        recaps=Recaps(tmp_path / "out"),
    )


async def host(clock: HeldClock, *runs: SessionRunner) -> None:
    """Run the sessions to their end, the clock let go once every bot is connected."""
    platforms = [p for r in runs for p in r.platforms.values() if isinstance(p, DiscordPlatform)]
    release = asyncio.ensure_future(clock.release_when(lambda: all(p.connected for p in platforms)))
    await asyncio.wait_for(asyncio.gather(*(r.run() for r in runs)), 30)
    await release


async def answered(
    w: World, who: Any, channel: Channel, name: str, *path: str, **options: Any
) -> dict[str, Any]:
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
            thread = await opened(w)
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
        await host(clock, run)
        await talk

        thread = thread_of(w)
        assert thread.name == "#localgovchat 2026-11-24" and thread.parent_id == w.channel.id
        assert [m["id"] for m in w.channel.messages] == [thread.id]  # the welcome opened the thread
        posted = texts(thread)
        assert any(t.startswith("Before we start") for t in posted)
        assert [t[:2] for t in posted if t[:1] == "Q"] == ["Q1", "Q2"]
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
        assert all(
            said[k]["flags"] & EPHEMERAL for k in ("ask", "refused", "approve", "extend", "queue", "end")
        )
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
        assert (tmp_path / "out" / "2026-11-24-localgovchat.html").exists() or list(
            (tmp_path / "out").glob("*.html")
        )


def answers(store: Store, sid: str) -> list[str]:
    return [r["text"] for r in store.message_rows(sid) if r["kind"] == "answer"]


def lines(caplog: pytest.LogCaptureFixture, event: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if f"event={event} " in r.getMessage()]


async def test_the_gateway_drops_and_nothing_said_meanwhile_is_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A blip: discord.py resumes and the gateway replays what it missed. A lost session: it
    identifies again, and what was said in between comes from the channel's history."""
    monkeypatch.setattr(HostBot, "reidentify_seconds", 0.0)  # Discord's 5 s between IDENTIFYs
    clock = fast_clock()
    async with world(clock, monkeypatch) as w:
        session = chat()
        run = runner(tmp_path, session, w.adapter(session, clock), clock)

        async def people() -> None:
            await until(clock, 1.5)
            w.fake.gateway.drop()
            w.fake.say(w.ann, w.channel, "A1: said while the socket was down")
            await settle(lambda: w.fake.gateway.resumed == 1)
            await until(clock, 2.5)
            w.fake.gateway.invalidate()
            w.fake.say(w.bob, w.channel, "A1: said while the bot had no gateway session")
            await until(clock, 3.5)
            w.fake.say(w.ann, w.channel, "A1: heard live again")

        talk = asyncio.ensure_future(people())
        with caplog.at_level(logging.INFO):
            await host(clock, run)
        await talk
        assert (w.fake.gateway.resumed, w.fake.gateway.identified) == (1, 2)
        assert answers(run.store, session.spec.id) == [
            "A1: said while the socket was down",
            "A1: said while the bot had no gateway session",
            "A1: heard live again",
        ]
        (failed,) = lines(caplog, "reader_failed")
        assert "platform=discord" in failed and "GatewayGap" in failed
        (restarted,) = lines(caplog, "reader_restarted")
        assert "caught_up=0" not in restarted  # Bob's message at least (more when the bot's own lag behind)
        run.store.close()


async def test_a_restart_catches_up_from_history_and_posts_nothing_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = fast_clock()
    async with world(clock, monkeypatch) as w:
        session = chat()
        first = runner(tmp_path, session, w.adapter(session, clock), clock)

        async def crash() -> None:
            await until(clock, 1.5)
            w.fake.say(w.ann, w.channel, "A1: before the restart")
            w.fake.say(w.bob, w.channel, "Who trains the staff? #ask")
            await until(clock, 1.7)
            w.fake.say(w.host, w.channel, "/approve 1")  # Jane hosts by her role, typed in the chat
            await settle(lambda: any(c.type == 1 and c.messages for c in w.fake.channels.values()))
            await until(clock, 2)
            first.stop()

        stopping = asyncio.ensure_future(crash())
        await host(clock, first)
        await stopping
        first.store.close()
        assert not w.fake.gateway.live()[0].conn  # the bot is gone: nobody hears this but the channel
        w.fake.say(w.bob, w.channel, "A1: while the bot was down")
        w.hub = type(w.hub)()  # a new process: a new connection
        clock.hold()  # while the new process connects
        second = runner(tmp_path, session, w.adapter(session, clock), clock)
        await host(clock, second)
        by_bot = [m["content"] for m in w.channel.messages if m["author"]["id"] == w.fake.bot.id]
        assert [t[:2] for t in by_bot if t[:2] in ("Q1", "Q2", "Th")] == ["Q1", "Q2", "Th"]
        assert len(by_bot) == len(set(by_bot))  # each post once, across the restart
        assert answers(second.store, session.spec.id) == [
            "A1: before the restart",
            "A1: while the bot was down",
        ]
        assert second.engine.queue.get(1).status.value == "approved"  # replayed as a host's command
        (dm,) = [c for c in w.fake.channels.values() if c.type == 1 and c.recipient is w.host.user]
        assert dm.messages[0]["content"] == "question #1 approved (place 1)."  # to Jane alone
        second.store.close()


async def test_several_sessions_in_several_guilds_share_one_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = fast_clock()
    async with world(clock, monkeypatch) as w:
        other = w.fake.guild("Civic Tech")
        general = w.fake.text_channel(other, "civictech")
        cy = w.fake.member(other, "cy")
        chats = {"#civictech": Place(int(other.id), int(general.id), thread=True)}
        one, two = chat(), chat(hashtag="#civictech", prompts=(("What did you ship?", 1),))
        store = Store(tmp_path / "chat.db")
        runs = [runner(tmp_path, s, w.adapter(s, clock, chats=chats), clock, store) for s in (one, two)]

        async def people() -> None:
            await until(clock, 1.5)
            w.fake.say(w.ann, w.channel, "A1: in Local Gov")
            w.fake.say(cy, await opened(w), "A1: in Civic Tech, in the thread")
            w.fake.say(cy, general, "A1: in Civic Tech's channel, outside the chat's thread")

        talk = asyncio.ensure_future(people())
        await host(clock, *runs)
        await talk
        assert w.fake.gateway.identified == 1  # one bot connection for both
        assert {
            g.name: [c["name"] for c in g.commands if c["name"] in ("ask", "chat")] for g in (w.guild, other)
        } == {
            "Local Gov": ["ask", "chat"],
            "Civic Tech": ["ask", "chat"],
        }
        assert answers(store, one.spec.id) == ["A1: in Local Gov"]
        assert answers(store, two.spec.id) == ["A1: in Civic Tech, in the thread"]
        store.close()


async def test_edits_deletions_and_reaction_removals_reach_the_record_and_the_recap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = fast_clock()
    async with world(clock, monkeypatch) as w:
        session = chat()
        run = runner(tmp_path, session, w.adapter(session, clock), clock)
        said: dict[str, str] = {}

        async def people() -> None:
            await until(clock, 1.5)
            said["edited"] = w.fake.say(w.ann, w.channel, "A1: first draft")
            said["gone"] = w.fake.say(w.bob, w.channel, "A1: oops, wrong server")
            said["asked"] = w.fake.say(w.bob, w.channel, "Is there a recording? #ask")
            await until(clock, 2)
            w.fake.edit(said["edited"], "A1: permits, then parking")
            w.fake.delete(said["gone"])
            for who in (w.ann, w.host, w.moderator):
                w.fake.react(said["asked"], UP, who)
            w.fake.react(said["asked"], UP, w.ann)  # a second time: still one vote
            w.fake.react(said["asked"], UP, w.host, added=False)  # taken back

        talk = asyncio.ensure_future(people())
        await host(clock, run)
        await talk
        store = run.store
        try:
            edited = store.message(f"discord:{said['edited']}")
            assert edited.text == "A1: permits, then parking" and edited.edited_at is not None
            assert store.message(f"discord:{said['gone']}").deleted_at is not None
            (q,) = store.question_rows(session.spec.id)
            assert q["likes"] == 2  # Ann and Mo; Jane took hers back
            kept = [r["text"] for r in store.transcript_rows(session.spec.id) if r["kind"] == "answer"]
            assert kept == ["A1: permits, then parking"]  # the deleted one left out
        finally:
            store.close()
        page = next((tmp_path / "out").glob("*localgovchat*.html")).read_text(encoding="utf-8")
        assert "oops, wrong server" not in page and "A1: permits, then parking" in page
        assert "1 message was deleted by its author and is not shown." in page
