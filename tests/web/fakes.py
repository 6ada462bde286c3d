"""A small ``LiveSession`` over the real engine and store (no timeline): enough to drive the web
app's routes. The real ``SessionRunner`` is exercised by the end-to-end test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from chatbot.config import SessionConfig
from chatbot.core.engine import Control, Outcome, Reply, SessionEngine
from chatbot.core.model import Author, Message, PromptSpec, SessionSpec
from chatbot.demo import demo_session
from chatbot.hosting.live import CommandResult
from chatbot.platforms.web import WebRoom
from chatbot.store import Store

START = datetime(2026, 11, 24, 21, 0, tzinfo=UTC)


def spec(**overrides: Any) -> SessionSpec:
    values: dict[str, Any] = {
        "id": "localgovchat-2026-11-24",
        "hashtag": "#localgovchat",
        "title": "Social media and the front line",
        "start": START,
        "timezone": "America/New_York",
        "duration_minutes": 60,
        "hosts": ("LocalGovChat",),
        "prompts": (PromptSpec("Q1", "Should frontline staff tweet answers?"),),
    }
    values.update(overrides)
    return SessionSpec(**values)


class FakeLive:
    """Engine + store; host controls only change the status (``start`` posts the first prompt)."""

    def __init__(self, store: Store, session: SessionSpec, room: WebRoom | None = None) -> None:
        self.session_id = session.id
        self.spec = session
        self.store = store
        self.room = room
        self.engine = SessionEngine(session, bot_handles=("chatbot",))
        self.status = "scheduled"
        self.submitted: list[Message] = []
        self.commands: list[tuple[str, tuple[str, ...], Author, str]] = []
        self._subscribers: set[asyncio.Queue[dict[str, Any] | None]] = set()
        store.save_session(session, slug=session.id, status="scheduled")

    def state(self) -> dict[str, Any]:
        q = self.engine.queue
        prompt = next(reversed(self.engine.prompts.values()), None)
        return {
            "session": {
                "id": self.spec.id,
                "slug": self.spec.id,
                "hashtag": self.spec.hashtag,
                "title": self.spec.title,
                "timezone": self.spec.timezone,
                "hosts": list(self.spec.hosts),
                "platforms": list(self.spec.platforms),
            },
            "status": self.status,
            "starts_at": self.spec.start.isoformat(),
            "ends_at": (self.spec.start + timedelta(minutes=60)).isoformat(),
            "now": datetime.now(UTC).isoformat(),
            "seconds_left": 1800.0,
            "current_prompt": {
                "label": prompt.label,
                "text": prompt.text,
                "posted_at": prompt.posted_at.isoformat(),
            }
            if prompt
            else None,
            "next_post": None,
            "queue": [
                {
                    "number": x.number,
                    "author": x.author,
                    "text": x.text,
                    "status": x.status.value,
                    "upvotes": x.upvotes,
                    "position": q.position(x.number),
                    "askers": list(x.askers),
                    "asked_at": x.asked_at.isoformat(),
                }
                for x in q
            ],
            "participants": len(self.engine.participants),
            "new_participants": [
                {"handle": p.handle, "name": p.name, "first_seen": p.first_seen.isoformat()}
                for p in self.engine.participants.values()
            ],
            "messages": sum(p.messages for p in self.engine.participants.values()),
            "messages_per_minute": 1.5,
        }

    async def submit(self, message: Message) -> Outcome:
        self.submitted.append(message)
        outcome = self.engine.ingest(message)
        self.store.write_live(self.session_id, [outcome], self.engine)
        for action in outcome.actions:
            if isinstance(action, Control):
                await self._control(action)
            elif isinstance(action, Reply) and self.room is not None:
                await self.room.post(action.text, reply_to=action.reply_to)
        self._publish({"type": "message", "id": message.id})
        return outcome

    async def command(
        self, name: str, args: Sequence[str], actor: Author, *, platform: str = "web", via: str = "dashboard"
    ) -> CommandResult:
        self.commands.append((name, tuple(args), actor, via))
        out = self.engine.command(
            name, args, actor, datetime.now(UTC), platform, ref=f"command:{len(self.commands)}"
        )
        self.store.write_live(
            self.session_id, (), self.engine, questions=[q.number for q in self.engine.queue]
        )
        for control in out.controls:
            await self._control(control)
        return CommandResult(out.ok, out.text, out.name, out.flags)

    async def _control(self, control: Control) -> None:
        if control.name == "start":
            self.status = "live"
            self.store.set_session_status(self.session_id, "live")
            if self.room is not None and self.spec.prompts:
                first = self.spec.prompts[0]
                pid = await self.room.post(f"{first.label}: {first.text}")
                history = await self.room.history()
                posted = next(m for m in history if m.id == pid)
                await self.submit(posted)
        elif control.name == "pause":
            self.status = "paused"
        elif control.name == "resume":
            self.status = "live"
        elif control.name == "end":
            self.status = "ended"
            self.store.set_session_status(self.session_id, "ended", ended_at=datetime.now(UTC))
            for sub in self._subscribers:
                sub.put_nowait(None)

    async def pump(self) -> None:
        """Feed what the room hears into the engine (the runner's job)."""
        assert self.room is not None
        async for message in self.room.messages():
            await self.submit(message)

    def _publish(self, event: dict[str, Any]) -> None:
        for sub in self._subscribers:
            sub.put_nowait(event)

    async def subscribe(self) -> AsyncIterator[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        if self.status == "ended":
            return
        self._subscribers.add(queue)
        try:
            while (event := await queue.get()) is not None:
                yield event
        finally:
            self._subscribers.discard(queue)


def short_session(start: datetime) -> SessionConfig:
    """The demo's session with Q1 a minute after the start and the next prompts far enough
    away (and the end too) that a test on a fast clock stays on Q1 until it ends the chat."""
    demo = demo_session(start, zone="America/New_York")
    prompts = tuple(replace(p, offset_minutes=1 + 30 * i) for i, p in enumerate(demo.spec.prompts))
    spec = replace(demo.spec, prompts=prompts, duration_minutes=100)
    return SessionConfig(spec, demo.messages, {**demo.timeline, "last_call_minutes": 5})
