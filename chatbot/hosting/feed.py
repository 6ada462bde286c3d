"""The live view of a running session: the state snapshot and the event stream the web app shows.

``LiveFeed`` keeps what the snapshot needs besides the engine and the timeline (message count,
rate) and fans events out to subscribers. The shapes are ``chatbot.hosting.payloads``: a
``StateEvent`` first and on every timeline or queue change, a ``MessageEvent`` per message, a
``PostEvent`` per part the bot posted.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime, timedelta

from chatbot.core.engine import ACK, Outcome, SessionEngine, handle_key
from chatbot.core.model import Kind, Message, SessionSpec
from chatbot.core.timeline import Timeline
from chatbot.hosting.payloads import (
    WRITABLE,
    ArchiveState,
    FeedEvent,
    HeldPost,
    LiveState,
    SaidMessage,
    Status,
)
from chatbot.store import iso

CLOSING = "closing"
EVENTS_KEPT = 1000  # per subscriber; a slow one loses its oldest events, never blocks the bot
RATE_WINDOW = timedelta(minutes=1)
RECENT_KEPT = 40  # messages the snapshot carries (the dashboard's stream, the live view's answers)
REMOVED = "(removed)"  # who asked a question, once they opted out


class LiveFeed:
    """Counters and subscribers of one session's live view."""

    def __init__(self) -> None:
        self.messages = 0
        self.closed = False
        self._recent: deque[datetime] = deque()
        self._said: deque[Outcome] = deque(maxlen=RECENT_KEPT)
        self._subscribers: set[asyncio.Queue[FeedEvent | None]] = set()

    def reset(self) -> None:
        self.messages = 0
        self._recent.clear()
        self._said.clear()

    def count(self, o: Outcome, *, by_bot: bool) -> None:
        """One more message heard or posted; a command, or the bot's answer to one person, is none."""
        if o.kind is Kind.COMMAND or ACK in o.flags:
            return
        self.messages += 1
        if not by_bot:
            self._recent.append(o.message.ts)
        if o.kind is not Kind.REPOST:
            self._said.append(o)

    def state(
        self,
        *,
        spec: SessionSpec,
        slug: str,
        platforms: Sequence[str],
        timeline: Timeline,
        engine: SessionEngine,
        now: datetime,
        held: Sequence[HeldPost] = (),
        archive: ArchiveState = WRITABLE,
    ) -> LiveState:
        """The snapshot (``chatbot.hosting.payloads.LiveState``); ``held``: the ledger's posts
        waiting for a host; ``archive``: whether the archive takes writes."""
        tl = timeline
        welcome = next(p for p in tl.posts if p.kind == "welcome")
        status: Status
        if CLOSING in tl.done:
            status = "ended"
        elif tl.paused:
            status = "paused"
        elif welcome.key in tl.done or now >= welcome.due:
            status = "live"
        else:
            status = "scheduled"
        while self._recent and self._recent[0] < now - RATE_WINDOW:
            self._recent.popleft()
        prompts = sorted(engine.prompts.values(), key=lambda p: p.posted_at)
        current = prompts[-1] if prompts else None
        rest = tl.remaining()
        queue = engine.queue
        places = {q.number: i for i, q in enumerate(queue.pending(), 1)}  # one sort, not one per question
        people = engine.people()
        newcomers = [p for p in people if p.role == "participant" and not p.opted_out]
        newest = sorted(newcomers, key=lambda p: p.first_seen, reverse=True)[:10]
        gone = {handle_key(p.handle) for p in engine.participants.values() if p.opted_out}
        return {
            "session": {
                "id": spec.id,
                "slug": slug,
                "hashtag": spec.hashtag,
                "title": spec.title,
                "timezone": spec.timezone,
                "hosts": list(spec.hosts),
                "platforms": list(platforms),
            },
            "status": status,
            "starts_at": iso(welcome.due),
            "ends_at": iso(tl.ends_at),
            "now": iso(now),
            "seconds_left": max(0.0, (tl.ends_at - now).total_seconds()),
            "current_prompt": (
                {"label": current.label, "text": current.text, "posted_at": iso(current.posted_at)}
                if current
                else None
            ),
            "next_post": {"key": rest[0].key, "kind": rest[0].kind, "due": iso(rest[0].due)}
            if rest
            else None,
            "queue": [
                {
                    "number": q.number,
                    "author": REMOVED if handle_key(q.author) in gone else q.author,
                    "text": "" if handle_key(q.author) in gone else q.text,
                    "status": q.status.value,
                    "upvotes": q.upvotes,
                    "position": places.get(q.number),
                    "askers": [a for a in q.askers if handle_key(a) not in gone],
                    "asked_at": iso(q.asked_at),
                    "aired_at": iso(q.aired_at) if q.aired_at else None,
                    "answered_at": iso(q.answered_at) if q.answered_at else None,
                }
                for q in queue
            ],
            "questions": len(queue),
            "participants": len(people),
            "new_participants": [
                {"handle": p.handle, "name": p.name, "first_seen": iso(p.first_seen)} for p in newest
            ],
            "messages": self.messages,
            "messages_per_minute": float(sum(1 for t in self._recent if t <= now)),
            "held": list(held),
            "archive": archive,
            "recent": self._shown(engine),
        }

    def _shown(self, engine: SessionEngine) -> list[SaidMessage]:
        """The latest messages as pages show them; those of people who opted out are left out."""
        out: list[SaidMessage] = []
        for o in self._said:
            person = engine.participants.get(o.participant)
            if person is not None and person.opted_out:
                continue
            m = o.message
            labels = [engine.prompts[k].label if k in engine.prompts else k for k in o.answers]
            out.append(
                {
                    "id": m.id,
                    "platform": m.platform,
                    "ts": iso(m.ts),
                    "author": m.author.handle,
                    "name": m.author.name or m.author.handle,
                    "text": m.text,
                    "kind": o.kind.value,
                    "answers": labels,
                    "reply_to": m.reply_to,
                    "host": person is not None and person.role == "host",
                }
            )
        return out

    # -- events ----------------------------------------------------------------------------------
    async def subscribe(self, first: Callable[[], LiveState]) -> AsyncIterator[FeedEvent]:
        """``first()`` (the current state) then every event, until the session ends."""
        q: asyncio.Queue[FeedEvent | None] = asyncio.Queue(maxsize=EVENTS_KEPT)
        self._subscribers.add(q)
        try:
            yield {"type": "state", "state": first()}
            while not self.closed or not q.empty():
                event = await q.get()
                if event is None:
                    return
                yield event
        finally:
            self._subscribers.discard(q)

    def emit(self, event: FeedEvent | None) -> None:
        for q in self._subscribers:
            if q.full():
                q.get_nowait()
            q.put_nowait(event)

    def message(self, o: Outcome) -> None:
        if not self._subscribers:
            return
        m = o.message
        self.emit(
            {
                "type": "message",
                "message": {
                    "id": m.id,
                    "platform": m.platform,
                    "ts": iso(m.ts),
                    "author": m.author.handle,
                    "name": m.author.name,
                    "text": m.text,
                    "reply_to": m.reply_to,
                },
                "kind": o.kind.value,
                "answers": list(o.answers),
                "prompt": o.prompt,
                "question": o.question,
                "flags": list(o.flags),
            }
        )

    def state_changed(self, state: Callable[[], LiveState]) -> None:
        """The timeline or the queue changed: subscribers get the new state (built only for them)."""
        if self._subscribers:
            self.emit({"type": "state", "state": state()})

    def post(self, *, key: str, post: str, kind: str, platform: str, text: str, message: Message) -> None:
        """The platform confirmed one part of a post (``message``: the bot's message, as posted)."""
        if self._subscribers:
            self.emit(
                {
                    "type": "post",
                    "key": key,
                    "post": post,
                    "kind": kind,
                    "platform": platform,
                    "platform_id": message.id,
                    "text": text,
                    "reply_to": message.reply_to,
                    "ts": iso(message.ts),
                }
            )

    def close(self, final_state: LiveState) -> None:
        """The session is over: subscribers get the last state, then their stream ends."""
        self.closed = True
        self.emit({"type": "state", "state": final_state})
        self.emit(None)
