"""A restart on the fake Discord, with the real runner and discord.py: what members say and the
votes they give while the bot is down, and at the very moment it comes back (while its catch-up
is still reading the history), all count, each message once."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest

from chatbot.clock import Clock
from chatbot.config import SessionConfig
from chatbot.hosting.recaps import Recaps
from chatbot.hosting.session import SessionRunner
from chatbot.platforms.discord_.adapter import DiscordPlatform
from chatbot.store import Store
from tests.platforms.discordfake.kit import HeldClock, World, chat, fast_clock, settle, until, world

UP = "\N{THUMBS UP SIGN}"
HISTORY = r"^/channels/\d+/messages$"  # the history read (GET), as the catch-up asks for it


def runner(tmp_path: Path, session: SessionConfig, w: World, clock: Clock) -> SessionRunner:
    w.hub = type(w.hub)()  # a new process: a new connection
    return SessionRunner(
        session,
        Store(tmp_path / "chat.db"),
        [w.adapter(session, clock)],
        clock=clock,
        recaps=Recaps(tmp_path),
    )


async def first_run(tmp_path: Path, session: SessionConfig, w: World, clock: HeldClock) -> None:
    """The bot hosts the chat's first two minutes, hears Ann's answer and Bob's question (one
    vote, Ann's, heard live), and stops."""
    run = runner(tmp_path, session, w, clock)

    async def talk() -> None:
        await until(clock, 1.5)
        w.fake.say(w.ann, w.channel, "A1: before the restart")
        asked = w.fake.say(w.bob, w.channel, "Who trains the staff? #ask")
        await settle(lambda: run.engine.queue.by_message(asked) is not None)
        w.fake.react(asked, UP, w.ann)
        await settle(lambda: run.engine.queue.by_message(asked).likes == 1)  # type: ignore[union-attr]
        run.stop()

    talking = asyncio.ensure_future(talk())
    release = asyncio.ensure_future(clock.release_when(lambda: connected(run)))
    await asyncio.wait_for(asyncio.gather(run.run(), talking, release), 30)
    run.store.close()
    clock.hold()  # while the next process connects


async def finish(tmp_path: Path, session: SessionConfig, w: World, clock: HeldClock) -> SessionRunner:
    run = runner(tmp_path, session, w, clock)
    release = asyncio.ensure_future(clock.release_when(lambda: connected(run)))
    await asyncio.wait_for(asyncio.gather(run.run(), release), 30)
    return run


def connected(run: SessionRunner) -> bool:
    return all(isinstance(p, DiscordPlatform) and p.connected for p in run.platforms.values())


def answers(store: Store, sid: str) -> list[str]:
    return [r["text"] for r in store.message_rows(sid) if r["kind"] == "answer"]


async def test_messages_said_while_down_are_read_even_when_the_bot_is_killed_during_its_catch_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The catch-up reads from the last message heard before the restart. A message heard live
    while it reads is stored at once, yet a kill then must not leave the gap behind the cursor:
    the next start reads it again, and nothing is stored twice."""
    clock = fast_clock()
    async with world(clock, monkeypatch) as w:
        session, sid = chat(), chat().spec.id
        await first_run(tmp_path, session, w, clock)
        down = [w.fake.say(w.ann, w.channel, f"A1: said while the bot was down, {i}") for i in range(3)]
        assert len(down) == 3

        reading = w.fake.slow("GET", HISTORY, 3.0)  # the catch-up's history read, held
        second = runner(tmp_path, session, w, clock)  # the clock stays held: no time passes
        running = asyncio.ensure_future(second.run())
        await settle(lambda: reading.times == 0)  # the catch-up is reading the history
        w.fake.say(w.bob, w.channel, "A1: heard live while the catch-up reads")
        await settle(lambda: "A1: heard live while the catch-up reads" in answers(second.store, sid))
        running.cancel()  # killed before the catch-up's messages are stored
        with contextlib.suppress(asyncio.CancelledError):
            await running
        second.store.close()
        killed = Store(tmp_path / "chat.db")
        assert "A1: said while the bot was down, 0" not in answers(killed, sid)  # not yet stored
        killed.close()

        third = await finish(tmp_path, session, w, clock)
        assert answers(third.store, sid) == [
            "A1: before the restart",
            "A1: said while the bot was down, 0",
            "A1: said while the bot was down, 1",
            "A1: said while the bot was down, 2",
            "A1: heard live while the catch-up reads",
        ]
        third.store.close()


async def test_votes_given_while_down_and_during_the_restart_count_as_discord_shows_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Votes on a question heard before the restart and on one asked while the bot was down,
    given and taken back while it was down and while its catch-up reads the history: after the
    restart each question's votes are the count Discord shows."""
    clock = fast_clock()
    async with world(clock, monkeypatch) as w:
        session, sid = chat(), chat().spec.id
        await first_run(tmp_path, session, w, clock)
        (before,) = [m["id"] for m in w.channel.messages if m["content"].endswith("#ask")]
        w.fake.react(before, UP, w.moderator)  # while the bot is down
        w.fake.react(before, UP, w.host)
        w.fake.react(before, UP, w.ann, added=False)
        later = w.fake.say(w.ann, w.channel, "How do you measure wait times? #ask")
        w.fake.react(later, UP, w.bob)
        w.fake.react(later, UP, w.host)

        reading = w.fake.slow("GET", HISTORY, 0.5)

        async def at_the_restart() -> None:
            await settle(lambda: reading.times == 0)  # the catch-up is reading the history
            w.fake.react(before, UP, w.ann)
            w.fake.react(later, UP, w.host, added=False)

        meanwhile = asyncio.ensure_future(at_the_restart())
        second = await finish(tmp_path, session, w, clock)
        await meanwhile

        def shown(message_id: str) -> int:
            (m,) = [m for m in w.channel.messages if m["id"] == message_id]
            return sum(r["count"] for r in m["reactions"] if r["emoji"]["name"] == UP)

        assert (shown(before), shown(later)) == (3, 1)
        queue = second.engine.queue
        assert [queue.by_message(i).likes for i in (before, later)] == [3, 1]  # type: ignore[union-attr]
        likes = {r["text"]: r["likes"] for r in second.store.question_rows(sid)}
        assert likes == {"Who trains the staff?": 3, "How do you measure wait times?": 1}
        second.store.close()
