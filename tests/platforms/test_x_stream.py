"""Hearing through X's filtered stream (``stream = true``), through tweepy's streaming client, on the
fake: the session's rule set once, posts as they are made, a dropped or refused connection caught up
through search and connected again on the session's clock, the read budget, the bearer token."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from chatbot.clock import VirtualClock
from chatbot.core.model import Message
from chatbot.platforms.x import ADAPTER
from chatbot.platforms.x.settings import MissingCredentials
from tests.platforms import xkit
from tests.platforms.test_x_adapter import hear
from tests.platforms.xfake import XFake, serve

T0 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


async def until(check: Callable[[], bool]) -> None:
    """Real time, briefly: the stream's connection is real network I/O."""
    for _ in range(500):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("never happened")


async def test_the_stream_hears_posts_as_they_are_made_with_the_sessions_rule_set_once() -> None:
    clock = VirtualClock(T0)
    fake = XFake(clock)
    early = fake.tweet("ann", "A1: before the stream #localgovchat")
    async with serve(fake) as url:
        p = xkit.platform(url, clock, stream=True, start=T0 - timedelta(minutes=5))
        await p.start()
        listening = asyncio.ensure_future(hear(p, 3))
        await until(lambda: fake.stream.connected == 1)
        said = [fake.tweet("bob", "A1: on the stream #localgovchat"), fake.tweet("cat", "off topic #other")]
        fake.tweet("dan", "#ask and this? #localgovchat")
        heard: list[Message] = await listening
        await p.stop()
        again = xkit.platform(url, clock, stream=True)
        await again.start()
        await again.stop()
    assert [m.text for m in heard] == [
        "A1: before the stream #localgovchat",  # read through search when the stream connected
        "A1: on the stream #localgovchat",
        "#ask and this? #localgovchat",
    ]
    assert heard[0].id == early and heard[1].id == said[0] and heard[1].author.handle == "@bob"
    (rule,) = fake.stream.rules.values()
    assert rule == ("(#localgovchat OR from:4242 OR to:4242) -is:retweet", "chatbot:test")
    assert [r.status for r in fake.requests("rules")] == [200, 201, 200]  # set once, then found as it was
    assert p.api.spend.tallies["stream"].units == 2 and p.api.spend.tallies["stream"].requests == 1


@pytest.mark.parametrize(("how", "wait"), [("drop", 1), ("refuse", 60)])
async def test_a_lost_stream_is_caught_up_through_search_and_connected_again(how: str, wait: int) -> None:
    clock = VirtualClock(T0)
    fake = XFake(clock)
    async with serve(fake) as url:
        p = xkit.platform(url, clock, stream=True)
        await p.start()
        listening = asyncio.ensure_future(hear(p, 3))
        await until(lambda: fake.stream.connected == 1)
        fake.tweet("ann", "A1: first #localgovchat")
        await until(lambda: "stream" in p.api.spend.tallies and p.api.spend.tallies["stream"].units == 1)
        if how == "refuse":
            fake.fail("429", "stream")  # the next connection: X allows one per app
        fake.stream.drop()
        missed = fake.tweet("bob", "A1: said while the stream was down #localgovchat")
        await until(lambda: len(fake.stream.opened) == 2 and fake.stream.connected == 1)
        fake.tweet("cat", "A1: back on the stream #localgovchat")
        heard = await listening
        await p.stop()
    assert [m.author.handle for m in heard] == ["@ann", "@bob", "@cat"]
    assert heard[1].id == missed
    refused = [r for r in fake.requests("stream") if r.status == 429]
    assert len(refused) == (1 if how == "refuse" else 0)
    gap = (fake.stream.opened[1] - fake.stream.opened[0]).total_seconds()
    assert wait / 2 <= gap <= wait * 2 + 1  # backoff on the session's clock (a minute after a 429)


async def test_the_stream_stops_at_the_read_budget() -> None:
    clock = VirtualClock(T0)
    fake = XFake(clock)
    async with serve(fake) as url:
        p = xkit.platform(url, clock, stream=True, read_budget=12)
        await p.start()
        listening = asyncio.ensure_future(hear(p, 12))
        await until(lambda: fake.stream.connected == 1)
        for i in range(12):
            fake.tweet(f"r{i}", f"A1: number {i} #localgovchat")
        assert len(await listening) == 12
        await until(lambda: fake.stream.connected == 0)  # spent: the connection is closed
        await p.stop()
    assert p.api.spend.reads == 12


def test_the_stream_needs_the_apps_bearer_token() -> None:
    from chatbot.platforms.settings import Section

    settings = ADAPTER.load(Section("platforms.x", {"stream": True}, ADAPTER.keys), xkit.env(bearer=False))
    with pytest.raises(MissingCredentials, match="stream = true needs the app's bearer token in X_BEARER"):
        settings.credentials.check(stream=settings.stream)
