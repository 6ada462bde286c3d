"""The X adapter keeps the shared platform contract, through the real tweepy client, on the fake X API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from chatbot.clock import VirtualClock
from chatbot.core.model import Author
from tests.platforms import xkit
from tests.platforms.contract import PlatformContract, Rig
from tests.platforms.xfake import XFake, serve

T0 = datetime(2026, 11, 24, 21, 0, tzinfo=UTC)


class TestX(PlatformContract):
    @pytest.fixture
    async def rig(self) -> AsyncIterator[Rig]:
        clock = VirtualClock(T0)
        fake = XFake(clock)
        ann = fake.user("ann", "Ann")
        async with serve(fake) as url:
            p = xkit.platform(url, clock, start=T0 + timedelta(hours=1))  # heard from now on
            prompt = fake.tweet(fake.bot, f"Q1: what do residents ask most? {xkit.TAG}")
            clock.advance(timedelta(seconds=1))

            async def say(text: str) -> str:  # Ann answers the prompt: a reply to it is heard
                return fake.tweet(ann, text, reply_to=int(prompt))

            rig = Rig(p, say, Author(ann.id, "@ann", "Ann"))
            await p.start()
            yield rig
            await p.stop()
