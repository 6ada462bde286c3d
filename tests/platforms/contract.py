"""The contract every platform adapter keeps, as one suite each adapter's tests run.

Subclass ``PlatformContract`` and give ``make_rig``: a new adapter (not started) and how a
participant speaks on its platform. The suite checks what the runner relies on: a post's id is
then in the history, paging strictly after a cursor, oldest first, an unknown cursor named as
such, the echo of the bot's own posts as the adapter declares it, events in order, stop twice,
identity, limits and ephemeral replies as declared (the way discord.py and opsdroid test their
connectors: one suite, every backend).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest

from chatbot.core.events import Deleted, Event, Reacted
from chatbot.core.model import Author, Message
from chatbot.platforms.base import EphemeralUnsupported, Platform, PlatformError, UnknownCursor

E = TypeVar("E")
WAIT = 2.0  # seconds an event may take to arrive


@dataclass
class Rig:
    """An adapter under test, and a participant on its platform: ``say(text)`` -> message id.
    ``someone`` is that participant, as the platform names them."""

    platform: Platform
    say: Callable[[str], Awaitable[str]]
    someone: Author
    delete: Callable[[str], object] | None = None  # the participant deletes a message
    react: Callable[[str, str], object] | None = None  # the participant reacts (message id, emoji)


class PlatformContract:
    """The shared suite; subclasses implement ``make_rig``."""

    async def make_rig(self) -> Rig:
        raise NotImplementedError

    @pytest.fixture
    async def rig(self) -> AsyncIterator[Rig]:
        rig = await self.make_rig()
        await rig.platform.start()
        yield rig
        await rig.platform.stop()

    # -- helpers -----------------------------------------------------------------------------------
    @staticmethod
    @asynccontextmanager
    async def listening(p: Platform) -> AsyncIterator[asyncio.Queue[Event]]:
        """Events as the runner would read them, into a queue."""
        heard: asyncio.Queue[Event] = asyncio.Queue()

        async def read() -> None:
            async for ev in p.events():
                heard.put_nowait(ev)

        task = asyncio.create_task(read())
        await asyncio.sleep(0)
        try:
            yield heard
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    @staticmethod
    async def next_of(heard: asyncio.Queue[Event], kind: type[E]) -> E:
        """The next event of ``kind`` (what was heard before it is passed over)."""
        while True:
            ev = await asyncio.wait_for(heard.get(), WAIT)
            if isinstance(ev, kind):
                return ev

    async def next_message(self, heard: asyncio.Queue[Event]) -> Message:
        return await self.next_of(heard, Message)

    # -- the contract ------------------------------------------------------------------------------
    async def test_is_a_platform_with_plain_capabilities(self, rig: Rig) -> None:
        p = rig.platform
        assert isinstance(p, Platform)
        assert p.max_length == p.post_limits.max_length > 0
        assert p.history_budget > 0
        flags = [
            p.supports_threads,
            p.supports_reactions,
            p.supports_edits,
            p.supports_deletions,
            p.supports_ephemeral,
            p.supports_commands,
            p.echoes_own_posts,
        ]
        assert all(isinstance(f, bool) for f in flags)
        assert isinstance(p.vote_emoji, str)

    async def test_a_post_returns_an_id_the_history_then_holds(self, rig: Rig) -> None:
        p = rig.platform
        before = await p.history()
        first = await p.post("Welcome, everyone!")
        reply = await p.post("Q1: what do residents ask most?", reply_to=first)
        assert first != reply
        after = await p.history(after=before[-1].id if before else None)
        assert [m.id for m in after] == [first, reply]
        assert after[0].text == "Welcome, everyone!"
        assert after[1].reply_to == first
        assert all(m.platform == p.name for m in after)

    async def test_history_pages_strictly_after_the_cursor_oldest_first(self, rig: Rig) -> None:
        p = rig.platform
        ids = [await rig.say(f"message {i}") for i in range(2)]
        ids.append(await p.post("the bot, in between"))
        ids += [await rig.say(f"message {i}") for i in range(2, 5)]
        everything = [m.id for m in await p.history(limit=100)]
        assert everything[-6:] == ids
        assert [m.id for m in await p.history(after=ids[0], limit=2)] == ids[1:3]
        assert [m.id for m in await p.history(after=ids[2], limit=2)] == ids[3:5]
        assert [m.id for m in await p.history(after=ids[4], limit=2)] == ids[5:]
        assert await p.history(after=ids[-1]) == []
        assert await p.history(after=ids[0], limit=0) == []
        times = [m.ts for m in await p.history(after=ids[0])]
        assert times == sorted(times)

    async def test_an_unknown_cursor_is_named_not_everything_or_nothing(self, rig: Rig) -> None:
        await rig.say("something to be after")
        with pytest.raises(UnknownCursor) as err:
            await rig.platform.history(after="no-such-message-42")
        assert isinstance(err.value, PlatformError)
        assert err.value.cursor == "no-such-message-42"
        assert "no-such-message-42" in str(err.value)

    async def test_events_arrive_in_the_order_heard(self, rig: Rig) -> None:
        async with self.listening(rig.platform) as heard:
            said = [await rig.say(f"A{i}: answer {i}") for i in range(1, 4)]
            got = [await self.next_message(heard) for _ in said]
        assert [m.id for m in got] == said
        assert [m.text for m in got] == ["A1: answer 1", "A2: answer 2", "A3: answer 3"]
        assert all(m.author.id == rig.someone.id for m in got)

    async def test_the_bot_hears_its_own_posts_back_exactly_when_it_says_so(self, rig: Rig) -> None:
        p = rig.platform
        async with self.listening(p) as heard:
            mine = await p.post("Q1: the bot's own prompt")
            theirs = await rig.say("A1: a participant")
            first = await self.next_message(heard)
            if p.echoes_own_posts:
                assert first.id == mine and first.author.id == (await p.identity()).id
                first = await self.next_message(heard)
            assert first.id == theirs

    async def test_a_deleted_message_leaves_the_history_but_still_serves_as_a_cursor(self, rig: Rig) -> None:
        p = rig.platform
        if not p.supports_deletions:
            return
        assert rig.delete is not None, "an adapter with deletions: give the rig a way to delete"
        first, gone, last = [await rig.say(f"A{i}: text") for i in range(1, 4)]
        async with self.listening(p) as heard:
            rig.delete(gone)
            ev = await self.next_of(heard, Deleted)
        assert ev.message_id == gone and ev.platform == p.name
        assert [m.id for m in await p.history(after=first)] == [last]
        assert [m.id for m in await p.history(after=gone)] == [last]

    async def test_reactions_arrive_as_events(self, rig: Rig) -> None:
        p = rig.platform
        if not p.supports_reactions:
            return
        assert rig.react is not None, "an adapter with reactions: give the rig a way to react"
        emoji = p.vote_emoji or "\N{THUMBS UP SIGN}"  # no vote emoji: votes come another way (a button)
        said = await rig.say("#ask how do you measure it?")
        async with self.listening(p) as heard:
            rig.react(said, emoji)
            ev = await self.next_of(heard, Reacted)
        assert (ev.message_id, ev.emoji, ev.added, ev.by.id) == (said, emoji, True, rig.someone.id)

    async def test_identity_is_the_author_of_the_bots_posts(self, rig: Rig) -> None:
        p = rig.platform
        me = await p.identity()
        posted = await p.post("hello from the bot")
        (found,) = [m for m in await p.history(limit=100) if m.id == posted]
        assert found.author.id == me.id
        assert await p.identity() == me

    async def test_a_post_over_the_limit_is_refused(self, rig: Rig) -> None:
        p = rig.platform
        too_long = "a" * (p.max_length + 1)
        assert not p.post_limits.fits(too_long)
        with pytest.raises(PlatformError):
            await p.post(too_long)

    async def test_an_ephemeral_reply_only_where_the_platform_can(self, rig: Rig) -> None:
        p = rig.platform
        before = [m.id for m in await p.history(limit=1000)]
        if not p.supports_ephemeral:
            with pytest.raises(EphemeralUnsupported):
                await p.post("only for you", to=rig.someone)
            return
        whisper = await p.post("only for you", to=rig.someone)
        assert isinstance(whisper, str) and whisper
        assert [m.id for m in await p.history(limit=1000)] == before  # nobody else sees it later

    async def test_stop_twice_ends_the_events(self, rig: Rig) -> None:
        p = rig.platform
        got: list[Any] = []

        async def read() -> None:
            async for ev in p.events():
                got.append(ev)

        task = asyncio.create_task(read())
        await asyncio.sleep(0)
        await p.stop()
        await p.stop()
        await asyncio.wait_for(task, WAIT)  # the iterator ends: the runner's reader returns
        assert task.done() and task.exception() is None
