"""The Discord adapter keeps the one platform contract, through the real discord.py on the fake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from chatbot.clock import SystemClock
from chatbot.core.model import Author
from tests.hosting.kit import make_session, make_spec
from tests.platforms.contract import PlatformContract, Rig
from tests.platforms.discordfake.kit import World, world


class TestDiscord(PlatformContract):
    w: World

    @pytest.fixture(autouse=True)
    async def _world(self, monkeypatch: Any) -> AsyncIterator[None]:
        async with world(SystemClock(), monkeypatch) as w:
            self.w = w
            yield

    async def make_rig(self) -> Rig:
        w = self.w
        platform = w.adapter(make_session(make_spec(platforms=("discord",))))
        ann = w.ann.user
        someone = Author(ann.id, ann.username, ann.global_name or ann.username)

        async def say(text: str) -> str:
            return w.fake.say(w.ann, w.channel, text)

        return Rig(platform, say, someone, w.fake.delete, lambda i, e: w.fake.react(i, e, w.ann))
