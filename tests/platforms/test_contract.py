"""Every adapter keeps the one platform contract (``tests/platforms/contract.py``)."""

from __future__ import annotations

from datetime import UTC, datetime

from chatbot.clock import VirtualClock
from chatbot.core.model import Author, Message
from chatbot.platforms.memory import MemoryPlatform, MemoryRoom
from chatbot.platforms.replay import ReplayPlatform
from chatbot.platforms.web import WebRoom
from tests.platforms import bluesky
from tests.platforms.contract import PlatformContract, Rig

T0 = datetime(2026, 11, 24, 21, 0, tzinfo=UTC)
ANN = Author("ann", "@ann", "Ann")


def memory_rig(platform: MemoryPlatform) -> Rig:
    room = platform.room

    async def say(text: str) -> str:
        return room.say(ANN, text).id

    return Rig(platform, say, ANN, room.delete, lambda i, e: room.react(i, e, ANN))


class TestMemoryPlatform(PlatformContract):
    async def make_rig(self) -> Rig:
        return memory_rig(MemoryPlatform(MemoryRoom(VirtualClock(T0), name="x", prefix="x")))


class TestMemoryPlatformWithoutEchoOrEphemeral(PlatformContract):
    async def make_rig(self) -> Rig:
        room = MemoryRoom(VirtualClock(T0), name="discord", prefix="d")
        return memory_rig(MemoryPlatform(room, echo=False, ephemeral=False))


class TestReplayPlatform(PlatformContract):
    async def make_rig(self) -> Rig:
        me = Author("bot", "@chatbot", "chatbot", is_bot=True)
        return memory_rig(ReplayPlatform("x", [], VirtualClock(T0), identity=me))


class TestWebRoom(PlatformContract):
    async def make_rig(self) -> Rig:
        room = WebRoom("#localgovchat")
        listener = room.connect("127.0.0.1")
        someone = room.join(listener, "ann's secret", "Ann")

        async def say(text: str) -> str:
            said = room.receive(listener, text)
            assert isinstance(said, Message)
            return said.id

        return Rig(room, say, someone, react=lambda i, e: room.react(listener, i, e))


class TestBluesky(PlatformContract):
    async def make_rig(self) -> Rig:
        service = bluesky.FakeBluesky(VirtualClock(T0))
        platform = bluesky.BlueskyPlatform(service, bluesky.BlueskySettings())
        someone = Author("did:plc:ann", "@ann.bsky.social", "Ann")

        async def say(text: str) -> str:
            return service.publish(someone, text).id

        return Rig(platform, say, someone, service.delete, lambda i, e: service.like(i, someone))
