"""Rehearsing a chat: a recorded chat's messages arriving at their times on a clock.

``ReplayPlatform`` is a real adapter: each recorded message arrives through ``messages()`` at its
time on the clock, what the bot posts joins the room's history (with ids, replies, echoes) and is
shown as it happens. ``chatbot.hosting.rehearse`` runs a session over it (``chatbot replay``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from chatbot.clock import Clock
from chatbot.core.model import Author, Message
from chatbot.platforms.memory import MemoryPlatform, MemoryRoom


class ReplayPlatform(MemoryPlatform):
    """A recorded chat's messages of one platform, arriving at their times on ``clock``."""

    def __init__(
        self,
        name: str,
        recorded: Sequence[Message],
        clock: Clock,
        *,
        identity: Author,
        on_post: Callable[[Message], None] | None = None,
    ) -> None:
        super().__init__(
            MemoryRoom(clock, name=name, prefix="bot-"),
            identity=identity,
            supports_threads=name != "irc",
            ephemeral=False,  # a rehearsal shows every answer the bot gives, to one person or all
        )
        self.recorded = sorted((m for m in recorded if m.platform == name), key=lambda m: m.ts)
        self.after_post = on_post
        self._feeder: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await super().start()
        if self._feeder is None:
            self._feeder = asyncio.create_task(self._feed(), name=f"replay:{self.name}")

    async def stop(self) -> None:
        if self._feeder is not None:
            self._feeder.cancel()
            await asyncio.gather(self._feeder, return_exceptions=True)
        await super().stop()

    async def _feed(self) -> None:
        for m in self.recorded:
            await self.room.clock.sleep_until(m.ts)
            self.room.deliver(m)
