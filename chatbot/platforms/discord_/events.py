"""A session as a Discord scheduled event in its guild, as Sesh and Apollo users expect: members see
it under Events, mark themselves interested and get Discord's own reminder.

The event is created when the adapter starts for a session not yet over (found again after a
restart by the session id in its description), moved while it is scheduled, started when the
session goes live, given its new end when the host extends the chat, and completed with it.
``follow`` is cheap and never waits: a worker applies the newest wanted state, one edit at a
time, and ``close`` waits for it, so the event is completed before the bot disconnects. A
Discord that refuses (no Manage Events permission) is logged once, and the chat goes on.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Literal

import discord

from chatbot.clock import Clock
from chatbot.core.model import SessionSpec

log = logging.getLogger("chatbot.platforms.discord")

Status = Literal["scheduled", "live", "paused", "ended"]
LEAD = timedelta(seconds=30)  # Discord wants a start in the future when creating an event
FLUSH_SECONDS = 10.0


def marker(spec: SessionSpec) -> str:
    return f"chatbot session {spec.id}"


class EventMirror:
    """The session's scheduled event in ``guild``; ``location`` says where the chat is."""

    def __init__(self, guild: discord.Guild, spec: SessionSpec, location: str, clock: Clock) -> None:
        self.guild = guild
        self.spec = spec
        self.location = location[:100]
        self.clock = clock
        self.event: discord.ScheduledEvent | None = None
        self.status: Status = "scheduled"
        self.starts_at = spec.start
        self.ends_at = spec.start + timedelta(minutes=spec.duration_minutes)
        self._wake = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None
        self._done = False

    @property
    def url(self) -> str:
        return self.event.url if self.event is not None else ""

    async def start(self) -> None:
        """Find the session's event, or create it while the session is not over."""
        try:
            for e in await self.guild.fetch_scheduled_events():
                if marker(self.spec) in (e.description or ""):
                    self.event = e
                    break
            if self.event is None and self.clock.now() < self.ends_at:
                self.event = await self._create()
        except discord.HTTPException as e:
            log.warning("event=discord_event_failed session=%s step=create error=%r", self.spec.id, e)
            return
        self._worker = asyncio.create_task(self._work(), name=f"discord-event:{self.spec.id}")
        self._wake.set()

    def follow(self, status: str, starts_at: datetime, ends_at: datetime) -> None:
        """The session's status or times as the runner has them now."""
        if status in ("scheduled", "live", "paused", "ended"):
            self.status = status  # type: ignore[assignment]
        self.starts_at, self.ends_at = starts_at, ends_at
        self._wake.set()

    async def close(self) -> None:
        """Apply what is wanted now, then stop (waiting ``FLUSH_SECONDS`` at most)."""
        self._done = True
        self._wake.set()
        if self._worker is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._worker), FLUSH_SECONDS)
            except (TimeoutError, asyncio.CancelledError):
                self._worker.cancel()

    async def _create(self) -> discord.ScheduledEvent:
        start = max(self.starts_at, self.clock.now() + LEAD)
        title = self.spec.title or self.spec.hashtag
        return await self.guild.create_scheduled_event(
            name=title[:100],
            start_time=start,
            end_time=max(self.ends_at, start + LEAD),
            entity_type=discord.EntityType.external,
            privacy_level=discord.PrivacyLevel.guild_only,
            location=self.location,
            description=f"{self.spec.hashtag}: {title}\n\n{marker(self.spec)}"[:1000],
        )

    async def _work(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self._apply()
            except discord.HTTPException as e:
                log.warning("event=discord_event_failed session=%s step=update error=%r", self.spec.id, e)
            if self._done and not self._wake.is_set():
                return

    async def _apply(self) -> None:
        e = self.event
        if e is None or e.status in (discord.EventStatus.completed, discord.EventStatus.cancelled):
            return
        if self.status == "ended":
            if e.status is discord.EventStatus.scheduled:
                e = await e.start()
            self.event = await e.end()
            log.info("event=discord_event_completed session=%s id=%s", self.spec.id, e.id)
            return
        if self.status in ("live", "paused"):
            if e.status is discord.EventStatus.scheduled:
                e = self.event = await e.start()
                log.info("event=discord_event_started session=%s id=%s", self.spec.id, e.id)
            if e.end_time != self.ends_at:
                self.event = await e.edit(end_time=self.ends_at)
            return
        if self.starts_at <= self.clock.now() + LEAD:  # about to start: it goes live as it is
            return
        if e.start_time != self.starts_at or e.end_time != self.ends_at:  # moved while still to come
            self.event = await e.edit(start_time=self.starts_at, end_time=self.ends_at)
            log.info("event=discord_event_moved session=%s id=%s", self.spec.id, e.id)
