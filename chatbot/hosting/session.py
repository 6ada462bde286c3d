"""One session live: the timeline on a clock, host commands, exactly-once posts, restarts.

A ``SessionRunner`` merges what every platform of its session hears into one engine (each
message keeps its platform), posts the timeline on all of them through the ledger
(``chatbot.hosting.ledger``), carries out host commands and renders the recap after the closing.
Everything it must not lose is in the store: on restart the engine is rebuilt from the stored
messages, the timeline from its snapshot, and nothing confirmed is posted twice.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from collections.abc import AsyncIterator, Coroutine, Sequence
from contextlib import AsyncExitStack
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from chatbot.clock import Clock, SystemClock
from chatbot.config import SessionConfig
from chatbot.core.engine import ACK, Outcome, SessionEngine
from chatbot.core.events import CommandGiven, Event
from chatbot.core.model import Author, Kind, Message
from chatbot.core.queue import Question
from chatbot.core.schedule import session_values
from chatbot.core.sessions import slug_for
from chatbot.core.timeline import Timeline
from chatbot.hosting.commanding import Commanding
from chatbot.hosting.feed import CLOSING, LiveFeed
from chatbot.hosting.ledger import Fault, Ledger
from chatbot.hosting.listening import Listening
from chatbot.hosting.live import CommandResult
from chatbot.hosting.payloads import FeedEvent, LiveState
from chatbot.hosting.plan import session_plan
from chatbot.hosting.reader import ReactionTally
from chatbot.hosting.recaps import Recaps
from chatbot.hosting.scheduling import Scheduling
from chatbot.hosting.storing import ShowsWhenStored, StoreOptions, Storing, archive_fault
from chatbot.platforms.base import FollowsSession, Platform, ReadsLate
from chatbot.preflight import Waiting
from chatbot.store import LedgerConfirm, LedgerIntent, LedgerRow, RunnerState, Store, iso, uid_of
from chatbot.store.rows import parse_iso

log = logging.getLogger("chatbot.hosting")

#: Seconds after the closing that still belong to the chat (its window) when a platform of the
#: session reads late (``ReadsLate``: X): what is said until then (the last "thanks", a reply to the
#: closing) is kept by the session's last read. Platforms heard live (the web room, Discord) are
#: heard until the recap is rendered, with no wait.
AFTER_CLOSING = 10.0


class SessionRunner:
    """One session live on its platforms; implements ``chatbot.hosting.live.LiveSession``.

    ``platforms`` are this session's own adapters, one per platform name. ``clock`` defaults to
    the system clock; ``recaps`` renders the recap after the closing (None: no recap);
    ``fault(point, key)`` is a test seam called at each ledger step (``intend``, ``send``,
    ``confirm``) so that a crash can be injected there. ``storing`` says how the runner waits for
    an archive that cannot take its writes for a while (``chatbot.hosting.storing``).
    ``after_closing``: the seconds after the closing that still belong to the chat (``_last_read``;
    None: ``AFTER_CLOSING`` when a platform reads late, else 0).
    """

    def __init__(
        self,
        session: SessionConfig,
        store: Store,
        platforms: Sequence[Platform],
        *,
        clock: Clock | None = None,
        recaps: Recaps | None = None,
        fault: Fault | None = None,
        storing: StoreOptions | None = None,
        after_closing: float | None = None,
    ) -> None:
        if after_closing is None:
            after_closing = AFTER_CLOSING if any(isinstance(p, ReadsLate) for p in platforms) else 0.0
        if not after_closing >= 0:
            raise ValueError(f"session {session.spec.id}: after_closing must be 0 or more: {after_closing!r}")
        self.spec = session.spec
        self.after_closing = after_closing
        self.session_id = self.spec.id
        self.slug = slug_for(self.spec)
        self.store = store
        self.clock: Clock = clock or SystemClock()
        self.recaps = recaps
        self.platforms: dict[str, Platform] = {}
        for p in platforms:
            if p.name in self.platforms:
                raise ValueError(f"session {self.session_id}: two platforms named {p.name!r}")
            self.platforms[p.name] = p
        recap_url = recaps.url_for(self.slug) if recaps else ""
        self.templates, self.options, self.planned = session_plan(session, recap_url=recap_url)
        self.values = session_values(self.spec, recap_url=recap_url)
        self.timeline = Timeline(tuple(self.planned), self.options)
        self.engine = SessionEngine(self.spec)
        self.identities: dict[str, Author] = {}
        self.cursors: dict[str, str] = {}  # per platform: the last message id heard there
        self.feed = LiveFeed()
        self._ledger: Ledger | None = None
        self._fault = fault
        self._seen: set[str] = set()  # uids of every message recorded for the session
        self._origin: dict[str, str] = {}  # question message id -> its platform
        self._marks: dict[int, tuple[int, ...]] = {}  # pending question -> what changes when it does
        self._recap_at: str | None = None
        self._window: datetime | None = None  # once the last read began: the end of the chat's window
        self._commands = 0  # the last command log seq (commands given outside chat text)
        self._inbox: asyncio.Queue[Event] = asyncio.Queue()
        self._reactions = ReactionTally()
        self._rng = random.Random()
        self._wake = asyncio.Event()
        self._stopping = False
        self._failure: BaseException | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.listening = Listening(self)
        self.scheduling = Scheduling(self)
        self.commanding = Commanding(self)
        self.storing = Storing(self, storing or StoreOptions())

    @property
    def ledger(self) -> Ledger:
        if self._ledger is None:
            raise RuntimeError(f"session {self.session_id} is not running")
        return self._ledger

    # -- lifetime ---------------------------------------------------------------------------------
    async def run(self) -> None:
        """Host the session until its closing is posted and the recap rendered, or ``stop()``."""
        try:
            async with AsyncExitStack() as stack:
                for p in self.platforms.values():
                    await p.start()
                    stack.push_async_callback(p.stop)
                for name, p in self.platforms.items():
                    self.identities[name] = await p.identity()
                    if isinstance(p, ShowsWhenStored):  # a message is shown once it is durable
                        p.echo_when_stored()
                stack.push_async_callback(self._close_storing)
                fresh = await self._restore_when_writable()
                self._follow()
                if CLOSING in self.timeline.done:
                    if not self._recap_at:
                        await self._finish()
                    return
                if fresh and self.clock.now() >= self.timeline.ends_at:
                    log.warning(
                        "event=session_over session=%s ends_at=%s action=not_hosted",
                        self.session_id,
                        iso(self.timeline.ends_at),
                    )
                    return
                stack.push_async_callback(self._stop_tasks)
                for name, p in self.platforms.items():
                    self._spawn(self.listening.read(p), f"read:{name}")
                self._spawn(self.listening.ingest_loop(), "ingest", critical=True)
                await self.listening.catch_up()
                await self.scheduling.schedule()
                if self._failure is not None:
                    raise RuntimeError(f"session {self.session_id}: {self._failure!r}") from self._failure
                if CLOSING in self.timeline.done:
                    await self._finish()
        finally:
            self.feed.close(self.state())

    def stop(self) -> None:
        """Ask ``run()`` to return soon, with everything heard so far stored."""
        self._stopping = True
        self._wake.set()

    async def _restore_when_writable(self) -> bool:
        """``_restore()``, waiting as start-up does (``Waiting``) while another program holds the
        archive locked (a backup taken just as the bot starts): its first write is the session's
        row, so nothing is half-done. Any other fault fails at once."""
        ends = self.spec.start + timedelta(minutes=self.spec.duration_minutes)
        left = (ends - self.clock.now()).total_seconds()  # on the session's clock, waited in real time
        waiting = Waiting(self.store.path, time.time() + max(left, 0.0))
        while True:
            try:
                return self._restore()
            except Exception as e:
                if archive_fault(e) != "database locked":
                    raise
            await asyncio.sleep(waiting.locked())

    def _restore(self) -> bool:
        """Engine, timeline, cursors and ledger as the store has them; True when never run before."""
        st = self.store
        status = st.session_row(self.session_id)["status"] if st.has_session(self.session_id) else "scheduled"
        st.save_session(self.spec, slug=self.slug, status=status)
        self.engine = SessionEngine(self.spec, bot_handles=tuple(a.handle for a in self.identities.values()))
        people = st.participant_rows(self.session_id, include_deleted=True)
        self.engine.vouch(r["key"] for r in people if r["role"] == "host")  # hosts by a platform's word
        self._seen.clear()
        self.feed.reset()
        logged = deque(st.command_log(self.session_id))
        self._commands = logged[-1].seq if logged else 0
        for m in st.live_messages(self.session_id):
            self.commanding.replay(logged, upto=len(self._seen))
            self._seen.add(uid_of(m))
            self._note(self.engine.ingest(m))
        self.commanding.replay(logged)
        self.scheduling.restore_on_air()
        self._marks = {q.number: _mark(q) for q in self.engine.queue if q.pending}
        saved = st.runner_state(self.session_id)
        if saved is not None:
            self.timeline = Timeline.restore(self.planned, saved["timeline"], self.options)
            self.cursors.update(saved["cursors"])
            self._recap_at = saved["recap_at"]
        self._ledger = Ledger(
            st,
            self.session_id,
            self.platforms,
            self.identities,
            self.clock,
            hashtag=self.spec.hashtag,
            confirm=self._confirmed,
            cursors=self.cursors,
            fault=self._fault,
            write=self.storing.write,
        )
        replayed = [m for m in self.storing.replay() if uid_of(m) not in self._seen]
        if replayed:  # heard and shown by the last run, never stored: taken before anything new
            self._ingest(replayed, heard=False, deliver=False, journaled=True)
            for name, p in self.platforms.items():
                if isinstance(p, ShowsWhenStored):  # shown again to whoever joins
                    p.recovered([m for m in replayed if m.platform == name])
        log.info(
            "event=restored session=%s messages=%d done=%d unconfirmed=%d held=%d fresh=%s",
            self.session_id,
            self.feed.messages,
            len(self.timeline.done),
            len(self.ledger.suspects),
            len(self.ledger.held),
            saved is None,
        )
        return saved is None

    async def _finish(self) -> None:
        ended = self.clock.now()
        self.storing.write(lambda: self.store.set_session_status(self.session_id, "ended", ended_at=ended))
        if not self._recap_at:
            await self._last_read(self._closed_at(ended))
        if self.recaps is not None and not self._recap_at and not self._stopping:
            await self.storing.drain(self.storing.options.drain_seconds)  # the recap shows all that was said
            try:
                report = await self.recaps.publish(self.store, self.session_id)
            except Exception as e:
                # A folder that cannot be written is the machine's fault, said in one line; a
                # failure of our own code keeps its traceback.
                trace = None if isinstance(e, OSError) else e
                log.error("event=recap_failed session=%s error=%r", self.session_id, e, exc_info=trace)
            else:
                if report is not None:
                    self._recap_at = iso(self.clock.now())
                    self._save()
                    log.info("event=recap_published session=%s out=%s", self.session_id, self.recaps.out)

    def _closed_at(self, default: datetime) -> datetime:
        """When the closing went out (its first part, on the first platform), as the ledger says;
        ``default`` when it does not say (a host's word with no time)."""
        rows = self.store.ledger(self.session_id)
        times = [parse_iso(r["posted_at"]) for r in rows if r["post"] == CLOSING and r["posted_at"]]
        return min(times, default=default)

    async def _last_read(self, closed_at: datetime) -> None:
        """The session's last read, before the recap. The chat's window stays open until
        ``after_closing`` seconds after the closing (the readers go on hearing meanwhile); then
        every platform is read once more from its cursor, a platform that reads late
        (``ReadsLate``: X's search shows a post ``settle_seconds`` after it was made) once that
        much more time has passed, on the session's clock. What was said within the window is
        kept (and answered); what came later is not the chat's. A ``stop()`` meanwhile leaves it
        for the next start (the recap is not rendered yet)."""
        window = self._window = closed_at + timedelta(seconds=self.after_closing)
        for name, p in sorted(self.platforms.items(), key=lambda kv: _settle(kv[1])):
            at = window + timedelta(seconds=_settle(p))
            while not self._stopping and self.clock.now() < at:
                self._wake.clear()
                await self.scheduling.wait(at)
            if self._stopping:
                return
            cursor = self.cursors.get(name)
            if cursor is None:  # nothing heard there at all: no cursor to read from
                continue
            try:
                found = await self.listening.history_since(p, cursor)
            except Exception as e:  # the platform is down or forgot the cursor: what was heard stays
                log.warning(
                    "event=last_read_failed session=%s platform=%s error=%r", self.session_id, name, e
                )
                continue
            kept = [m for m in found if m.ts <= window]
            new = [m for m in kept if uid_of(m) not in self._seen]
            log.info(
                "event=last_read session=%s platform=%s read=%d new=%d after_window=%d",
                self.session_id,
                name,
                len(found),
                len(new),
                len(found) - len(kept),
            )
            if kept:
                self._ingest(kept)
        readers = [t for t in self._tasks if t.get_name().startswith(f"{self.session_id}:read:")]
        for t in readers:  # all was read: no more reads spent
            t.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        await self.storing.drain(self.storing.options.drain_seconds)
        sending = [t for t in self._tasks if t.get_name().startswith(f"{self.session_id}:post:")]
        await asyncio.gather(*sending, return_exceptions=True)  # the late messages' replies go out

    # -- background tasks --------------------------------------------------------------------------
    def _spawn(self, coro: Coroutine[Any, Any, None], name: str, *, critical: bool = False) -> None:
        task = asyncio.create_task(coro, name=f"{self.session_id}:{name}")
        self._tasks.add(task)

        def done(t: asyncio.Task[None]) -> None:
            self._tasks.discard(t)
            if t.cancelled() or t.exception() is None:
                return
            exc = t.exception()
            log.error(
                "event=task_failed session=%s task=%s error=%r", self.session_id, name, exc, exc_info=exc
            )
            if critical:
                self._failure = exc
                self.stop()

        task.add_done_callback(done)

    async def _close_storing(self) -> None:
        """At the end of ``run()``: what still waits for the archive goes in, if it can in time
        (else it stays in the journal for the next start)."""
        await self.storing.drain(self.storing.options.drain_seconds)
        await self.storing.close()

    async def _stop_tasks(self) -> None:
        self._stopping = True
        tasks = list(self._tasks)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        leftover: list[Event] = []
        while not self._inbox.empty():
            leftover.append(self._inbox.get_nowait())
        if leftover:  # heard but not yet recorded: recorded now, replies go out on the next start
            await self.listening.handle(leftover)
        log.info("event=stopped session=%s recorded_at_stop=%d", self.session_id, len(leftover))

    # -- the timeline ------------------------------------------------------------------------------

    def _save(self) -> None:
        state = self._state_row()
        self.storing.write(lambda: self.store.write_live(self.session_id, state=state))

    def _state_row(self) -> RunnerState:
        return {
            "timeline": self.timeline.snapshot(),
            "cursors": dict(self.cursors),
            "recap_at": self._recap_at,
        }

    # -- commands given outside chat text (chatbot.hosting.live.LiveSession) -----------------------

    # -- incoming messages and host commands -------------------------------------------------------
    def _ingest(
        self,
        messages: Sequence[Message],
        *,
        heard: bool = True,
        deliver: bool = True,
        journaled: bool = False,
    ) -> list[Outcome]:
        """Record messages in one transaction with their replies' ledger rows and the timeline
        their commands changed; once that is durable, show them (``ShowsWhenStored``, the live
        view); once stored, send the replies (``deliver``; else the next catch-up does). The
        archive may make both wait (``chatbot.hosting.storing``); ``journaled``: they are in the
        journal already (replayed at the start)."""
        now = self.clock.now()
        outcomes: list[Outcome] = []
        intents: list[LedgerIntent] = []
        changed = False
        for m in messages:
            if heard and m.platform in self.platforms:
                self.cursors[m.platform] = m.id
            uid = uid_of(m)
            if uid in self._seen or (self._window is not None and m.ts > self._window):
                continue  # recorded already, or said after the chat's window (``_last_read``)
            self._seen.add(uid)
            outcome, rows, moved = self.commanding.act(self.engine.ingest(m), now)
            changed |= moved
            intents.extend(rows)
            self._note(outcome)
            outcomes.append(outcome)
        state, questions = self._state_row(), self._changed_questions(outcomes)
        self.storing.write(
            lambda: self.store.write_live(
                self.session_id, outcomes, self.engine, questions=questions, intents=intents, state=state
            ),
            messages=[o.message for o in outcomes],
            journal=not journaled,
            shown=lambda: self._shown(messages, outcomes),
            stored=(lambda: self._send_and_wake(intents, False)) if intents and deliver else None,
        )
        if changed:
            self._wake.set()
            self._emit_state()
        return outcomes

    def _shown(self, messages: Sequence[Message], outcomes: Sequence[Outcome]) -> None:
        """Messages now durable: their platforms show them (``ShowsWhenStored``), and the live view."""
        ids: dict[str, list[str]] = {}
        for m in messages:
            ids.setdefault(m.platform, []).append(m.id)
        for name, said in ids.items():
            p = self.platforms.get(name)
            if isinstance(p, ShowsWhenStored):
                p.stored(said)
        for o in outcomes:
            self.feed.message(o)

    def _send_and_wake(self, intents: Sequence[LedgerIntent], changed: bool) -> None:
        """After a write: deliver the posts it intended; wake the schedule if the timeline changed."""
        if not self._stopping:
            for post in dict.fromkeys(r["post"] for r in intents):
                self._spawn(self.scheduling.deliver_later(post), f"post:{post}")
        if changed:
            self._wake.set()

    def _changed_questions(self, outcomes: Sequence[Outcome], *, command: bool = False) -> list[int]:
        """Questions asked or changed by these messages or a ``command`` (only pending ones change)."""
        if not command and not any(o.question or o.kind is Kind.COMMAND for o in outcomes):
            return []
        changed = []
        for n in {*self._marks, *(o.question for o in outcomes if o.question)}:
            q = self.engine.queue.get(n)
            mark = _mark(q)
            if mark != self._marks.get(n):
                changed.append(n)
            if q.pending:
                self._marks[n] = mark
            else:
                self._marks.pop(n, None)
        return changed

    def _confirmed(self, row: LedgerRow, message: Message) -> None:
        """The ledger's confirmation: the bot's message recorded with the row's platform id."""
        outcomes = []
        if uid_of(message) not in self._seen:  # the platform may have echoed it already
            self._seen.add(uid_of(message))
            outcome = self.engine.ingest(message)
            if row["kind"] == "reply":  # an acknowledgement: kept, but no part of the transcript
                outcome = replace(outcome, flags=(*outcome.flags, ACK))
            outcomes.append(outcome)
            self._note(outcome)
        confirm: LedgerConfirm = {
            "key": row["key"],
            "platform": row["platform"],
            "platform_id": message.id,
            "posted_at": iso(message.ts),
        }
        self.storing.write(
            lambda: self.store.write_live(self.session_id, outcomes, self.engine, confirm=confirm)
        )
        self.feed.post(
            key=row["key"],
            post=row["post"],
            kind=row["kind"],
            platform=row["platform"],
            text=row["text"],
            message=message,
        )
        for o in outcomes:
            self.feed.message(o)

    def _note(self, o: Outcome) -> None:
        if o.question is not None and o.message.id not in self._origin:
            self._origin[o.message.id] = o.message.platform
        self.feed.count(o, by_bot=self.engine.is_bot(o.message))

    # -- commands given outside chat text (chatbot.hosting.live.LiveSession) -----------------------
    async def command(
        self, name: str, args: Sequence[str], actor: Author, *, platform: str = "web", via: str = "dashboard"
    ) -> CommandResult:
        """Carry out a command of the core's table for ``actor`` and answer the caller alone
        (``chatbot.hosting.commanding``)."""
        return await self.commanding.command(name, args, actor, platform=platform, via=via)

    async def on_command_event(self, ev: CommandGiven) -> CommandResult:
        """A command a platform's own interface gave (a Discord slash command): the same path."""
        return await self.commanding.on_command_event(ev)

    async def resolve_held(self, key: str, platform: str, *, went_out: bool, actor: Author) -> CommandResult:
        """A host says whether a held post went out: if not, it is sent now; if so, it is recorded
        as posted by the host's word (``chatbot.hosting.scheduling``). Hosts only. While the
        archive cannot take the word (``chatbot.hosting.storing``), nothing changes and the host
        is told so."""
        try:
            return await self.scheduling.resolve_held(key, platform, went_out=went_out, actor=actor)
        except Exception as e:
            reason = archive_fault(e)
            if reason is None:
                raise
            text = f"the archive cannot take it right now ({reason}); nothing changed: try again in a minute"
            return CommandResult(False, text, "resolve_held", ("refused",))

    # -- the live view (chatbot.hosting.live.LiveSession) ----------------------------------------------------
    def state(self) -> LiveState:
        """A JSON-able snapshot for the live view and the dashboard (``chatbot.hosting.payloads``)."""
        return self.feed.state(
            spec=self.spec,
            slug=self.slug,
            platforms=list(self.platforms),
            timeline=self.timeline,
            engine=self.engine,
            now=self.clock.now(),
            held=self._ledger.held_posts() if self._ledger is not None else (),
            archive=self.storing.state(),
        )

    def subscribe(self) -> AsyncIterator[FeedEvent]:
        """The state, then events as they happen until the session ends (``chatbot.hosting.payloads``)."""
        return self.feed.subscribe(self.state)

    def _emit_state(self) -> None:
        self.feed.state_changed(self.state)
        self._follow()

    def _follow(self) -> None:
        """Platforms that show the session themselves (a Discord scheduled event) hear its status
        and times (``chatbot.platforms.base.FollowsSession``)."""
        following = [p for p in self.platforms.values() if isinstance(p, FollowsSession)]
        if following:
            status = self.state()["status"]
            welcome = next(p for p in self.timeline.posts if p.kind == "welcome")
            for p in following:
                p.follow_session(status, welcome.due, self.timeline.ends_at)


def _settle(p: Platform) -> float:
    """How long after a message ``p``'s reading shows it (``ReadsLate``), in seconds."""
    return max(0.0, p.settle_seconds) if isinstance(p, ReadsLate) else 0.0


def _mark(q: Question) -> tuple[int, ...]:
    """Changes whenever the queue changes a question: its status history, votes, askers."""
    return (len(q.history), len(q.upvoters), len(q.askers), q.likes)
