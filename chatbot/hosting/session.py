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
from collections import deque
from collections.abc import AsyncIterator, Coroutine, Sequence
from contextlib import AsyncExitStack
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from chatbot.clock import Clock, SystemClock
from chatbot.config import SessionConfig
from chatbot.core.engine import Control, Outcome, Reply, SessionEngine
from chatbot.core.events import CommandGiven, Deleted, Edited, Event, Reacted
from chatbot.core.model import Author, Kind, Message, QuestionStatus
from chatbot.core.queue import Question, QueueRefused
from chatbot.core.schedule import PlannedPost, session_values
from chatbot.core.sessions import slug_for
from chatbot.core.timeline import Timeline, TimelineRefused
from chatbot.hosting.feed import CLOSING, LiveFeed
from chatbot.hosting.ledger import DeliveryFailed, Fault, Ledger, Target
from chatbot.hosting.live import CommandResult
from chatbot.hosting.payloads import FeedEvent, LiveState
from chatbot.hosting.plan import TIMELINE_COMMANDS, apply_control, session_plan
from chatbot.hosting.reader import ReactionTally, supervise
from chatbot.hosting.recaps import Recaps
from chatbot.platforms.base import Platform, read_history
from chatbot.store import LoggedCommand, Store, iso, uid_of
from chatbot.store.rows import participant_row

log = logging.getLogger("chatbot.hosting")

BATCH = 500  # incoming messages recorded per transaction at most
RETRY_SECONDS = (5, 15, 30, 60, 120, 300)  # between attempts at a post a platform refused


class SessionRunner:
    """One session live on its platforms; implements ``chatbot.hosting.live.LiveSession``.

    ``platforms`` are this session's own adapters, one per platform name. ``clock`` defaults to
    the system clock; ``recaps`` renders the recap after the closing (None: no recap);
    ``fault(point, key)`` is a test seam called at each ledger step (``intend``, ``send``,
    ``confirm``) so that a crash can be injected there.
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
    ) -> None:
        self.spec = session.spec
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
        self._commands = 0  # the last command log seq (commands given outside chat text)
        self._inbox: asyncio.Queue[Event] = asyncio.Queue()
        self._reactions = ReactionTally()
        self._rng = random.Random()
        self._wake = asyncio.Event()
        self._stopping = False
        self._failure: BaseException | None = None
        self._tasks: set[asyncio.Task[None]] = set()

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
                fresh = self._restore()
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
                    self._spawn(self._read(p), f"read:{name}")
                self._spawn(self._ingest_loop(), "ingest", critical=True)
                await self._catch_up()
                await self._schedule()
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

    def _restore(self) -> bool:
        """Engine, timeline, cursors and ledger as the store has them; True when never run before."""
        st = self.store
        status = st.session_row(self.session_id)["status"] if st.has_session(self.session_id) else "scheduled"
        st.save_session(self.spec, slug=self.slug, status=status)
        self.engine = SessionEngine(self.spec, bot_handles=tuple(a.handle for a in self.identities.values()))
        self._seen.clear()
        self.feed.reset()
        logged = deque(st.command_log(self.session_id))
        self._commands = logged[-1].seq if logged else 0
        for m in st.live_messages(self.session_id):
            self._replay(logged, upto=len(self._seen))
            self._seen.add(uid_of(m))
            self._note(self.engine.ingest(m))
        self._replay(logged)
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
        )
        log.info(
            "event=restored session=%s messages=%d done=%d unconfirmed=%d fresh=%s",
            self.session_id,
            self.feed.messages,
            len(self.timeline.done),
            len(self.ledger.suspects),
            saved is None,
        )
        return saved is None

    async def _catch_up(self) -> None:
        """After a restart: what the platforms carried meanwhile, then the posts that came due while
        the bot was down (posted at once, or skipped with missed="skip"), then unsent replies."""
        self._restore_votes()  # before the first await: before any new reaction is taken
        for name, p in self.platforms.items():
            if name in self.cursors:
                try:
                    missed = await self._history_since(p, self.cursors[name])
                except Exception as e:  # the platform forgot its history, or is down: go on live
                    log.warning(
                        "event=catch_up_failed session=%s platform=%s error=%r", self.session_id, name, e
                    )
                    continue
                if missed:
                    log.info(
                        "event=caught_up session=%s platform=%s messages=%d",
                        self.session_id,
                        name,
                        len(missed),
                    )
                    self._ingest(missed)
        now = self.clock.now()
        to_post, to_skip = self.timeline.catch_up(now)
        for post in [p for p in to_post if p.kind == "announcement"][:-1]:  # one announcement is enough
            self.timeline.mark_done(post.key)
            to_post.remove(post)
            log.info("event=missed_post session=%s key=%s action=superseded", self.session_id, post.key)
        for post in to_skip:
            try:
                went_out = await self.ledger.settle_unsent(post.key) if self.ledger.has(post.key) else False
            except DeliveryFailed:  # cannot tell: the rows stay as they are, nothing more is sent
                went_out = False
            log.warning(
                "event=missed_post session=%s key=%s due=%s action=%s",
                self.session_id,
                post.key,
                iso(post.due),
                "found_posted" if went_out else "skipped",
            )
        for post in to_post:
            log.warning(
                "event=missed_post session=%s key=%s due=%s action=post_now late_s=%d",
                self.session_id,
                post.key,
                iso(post.due),
                (now - post.due).total_seconds(),
            )
        self._save()
        planned = {p.key for p in self.planned}
        for key in self.ledger.unsettled():
            if key not in planned:  # a reply or a question left unsent by the last run
                self._spawn(self._deliver_later(key), f"post:{key}")

    async def _history_since(self, p: Platform, cursor: str) -> list[Message]:
        """What ``p`` carried after ``cursor``, up to its history budget (then logged, and the
        rest is left: the runner goes on live)."""
        found: list[Message] = []
        async for page in read_history(p, cursor):
            found.extend(page)
        if len(found) >= p.history_budget:
            log.warning(
                "event=history_budget_reached session=%s platform=%s read=%d during=catch_up",
                self.session_id,
                p.name,
                len(found),
            )
        return found

    async def _finish(self) -> None:
        self.store.set_session_status(self.session_id, "ended", ended_at=self.clock.now())
        if self.recaps is not None and not self._recap_at:
            try:
                report = await self.recaps.publish(self.store, self.session_id)
            except Exception as e:
                log.error("event=recap_failed session=%s error=%r", self.session_id, e, exc_info=e)
            else:
                if report is not None:
                    self._recap_at = iso(self.clock.now())
                    self._save()
                    log.info("event=recap_published session=%s out=%s", self.session_id, self.recaps.out)

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
            await self._handle(leftover)
        log.info("event=stopped session=%s recorded_at_stop=%d", self.session_id, len(leftover))

    async def _read(self, p: Platform) -> None:
        await supervise(
            self.session_id, p, self._inbox.put_nowait, resume=self._resume, clock=self.clock, rng=self._rng
        )

    async def _resume(self, p: Platform) -> int:
        """After ``p``'s reader failed: what it carried since the last message heard there, into
        the inbox (already recorded ones are recognized there); the number found."""
        cursor = self.cursors.get(p.name)
        if cursor is None:
            return 0
        try:
            missed = await self._history_since(p, cursor)
        except Exception as e:  # the platform forgot the cursor, or is still down: go on live
            log.warning("event=catch_up_failed session=%s platform=%s error=%r", self.session_id, p.name, e)
            return 0
        for m in missed:
            self._inbox.put_nowait(m)
        return len(missed)

    async def _ingest_loop(self) -> None:
        while True:
            batch = [await self._inbox.get()]
            while len(batch) < BATCH and not self._inbox.empty():
                batch.append(self._inbox.get_nowait())
            await self._handle(batch)

    async def _handle(self, events: Sequence[Event]) -> None:
        """Events in the order heard: runs of messages recorded one run per transaction, each
        other event carried out in between."""
        run: list[Message] = []
        for ev in events:
            if isinstance(ev, Message):
                run.append(ev)
                continue
            if run:
                self._ingest(run)
                run = []
            try:
                await self._dispatch(ev)
            except Exception as e:  # one event that cannot apply must not stop the session
                log.error(
                    "event=event_failed session=%s event=%r error=%r", self.session_id, ev, e, exc_info=e
                )
        if run:
            self._ingest(run)

    async def _dispatch(self, ev: Edited | Deleted | Reacted | CommandGiven) -> None:
        """An edit, deletion or reaction on a message of this session, or a command."""
        if isinstance(ev, CommandGiven):
            await self.on_command_event(ev)
            return
        uid = f"{ev.platform}:{ev.message_id}"
        if uid not in self._seen:  # another session's message, or one never heard
            return
        if isinstance(ev, Edited):
            self.store.edit_message(uid, ev.text, ev.at)
        elif isinstance(ev, Deleted):
            self.store.delete_message(uid, ev.at, by_author=ev.by_author)
        elif self._reactions.apply(uid, ev.emoji, ev.by.id, added=ev.added):
            self.store.set_reactions(uid, self._reactions.reactions(uid))
            p = self.platforms.get(ev.platform)
            if p is not None and ev.emoji == p.vote_emoji:
                self._vote(ev.platform, ev.message_id, self._reactions.count(uid, ev.emoji))

    def _vote(self, platform: str, message_id: str, votes: int) -> None:
        """A question's message now has ``votes`` vote reactions: its likes follow (and those of
        the question it was merged into)."""
        q = self.engine.queue.by_message(message_id)
        if q is None or self._origin.get(message_id, platform) != platform:
            return
        self.engine.queue.set_likes(q.number, votes)
        changed = [q.number]
        while (n := self.engine.queue.get(changed[-1]).merged_into) is not None:
            changed.append(n)
        self.store.write_live(self.session_id, (), self.engine, questions=changed)
        self._emit_state()

    def _restore_votes(self) -> None:
        """After a restart: the reactions stored on each message seed the tally, and the vote
        reactions on a question's message are its likes again, as when the bot stopped."""
        for m in self.store.live_messages(self.session_id):
            p = self.platforms.get(m.platform)
            if not m.reactions or p is None:
                continue
            self._reactions.seed(uid_of(m), m.reactions)
            q = self.engine.queue.by_message(m.id) if p.vote_emoji else None
            if q is not None and self._origin.get(m.id, m.platform) == m.platform:
                self.engine.queue.set_likes(q.number, self._reactions.count(uid_of(m), p.vote_emoji))

    async def _deliver_later(self, post: str) -> None:
        for delay in (*RETRY_SECONDS, None):
            try:
                await self.ledger.deliver(post)
                return
            except DeliveryFailed:
                if delay is None:
                    log.error("event=post_abandoned session=%s key=%s", self.session_id, post)
                    return
                await self.clock.sleep_until(self.clock.now() + timedelta(seconds=delay))

    # -- the timeline ------------------------------------------------------------------------------
    async def _schedule(self) -> None:
        failures = 0
        while not self._stopping and CLOSING not in self.timeline.done:
            self._wake.clear()
            now = self.clock.now()
            due = self.timeline.due(now)
            if not due:
                await self._wait(self.timeline.next_due_at())
                continue
            try:
                await self._post_planned(due[0], now)
                failures = 0
            except DeliveryFailed:
                delay = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
                failures += 1
                log.warning("event=post_retry session=%s key=%s in_s=%d", self.session_id, due[0].key, delay)
                await self._wait(now + timedelta(seconds=delay))

    async def _wait(self, until: datetime | None) -> None:
        """Until ``until`` (None: indefinitely) or a host command changes the timeline."""
        waits: list[asyncio.Future[Any]] = [asyncio.ensure_future(self._wake.wait())]
        if until is not None:
            waits.append(asyncio.ensure_future(self.clock.sleep_until(until)))
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()
            await asyncio.gather(*waits, return_exceptions=True)

    async def _post_planned(self, post: PlannedPost, now: datetime) -> None:
        if not self.ledger.has(post.key):
            if post.kind == "question_slot":
                rows = self._plan_question(post.key)
                if not rows:
                    log.info("event=question_slot_empty session=%s key=%s", self.session_id, post.key)
            else:
                targets = [Target(name) for name in self.platforms]
                rows = self.ledger.plan(post.key, post.text, targets, kind=post.kind)
            self.ledger.intend(rows)
        await self.ledger.deliver(post.key)
        self.timeline.mark_done(post.key)
        self._save()
        late_ms = (self.clock.now() - post.due).total_seconds() * 1000
        log.info(
            "event=posted session=%s key=%s kind=%s late_ms=%d", self.session_id, post.key, post.kind, late_ms
        )
        if post.kind == "welcome":
            self.store.set_session_status(self.session_id, "live", started_at=self.clock.now())
        self._emit_state()

    def _plan_question(self, post: str) -> list[dict[str, Any]]:
        """Rows posting the next approved question not posted yet (none when there is none)."""
        refs = self.ledger.refs
        question = next(
            (
                q
                for q in self.engine.queue.pending()
                if q.status is QuestionStatus.APPROVED and f"question:{q.number}" not in refs
            ),
            None,
        )
        if question is None:
            return []
        values = {**self.values, "asker": question.author, "text": question.text}
        text = self.templates.render("question", values)
        origin = self._origin.get(question.message_id)
        targets = [Target(n, question.message_id if n == origin else None) for n in self.platforms]
        return self.ledger.plan(post, text, targets, kind="question", ref=f"question:{question.number}")

    def _save(self) -> None:
        self.store.write_live(self.session_id, state=self._state_row())

    def _state_row(self) -> dict[str, Any]:
        return {
            "timeline": self.timeline.snapshot(),
            "cursors": dict(self.cursors),
            "recap_at": self._recap_at,
        }

    # -- commands given outside chat text (chatbot.hosting.live.LiveSession) -----------------------
    async def command(
        self, name: str, args: Sequence[str], actor: Author, *, platform: str = "web", via: str = "dashboard"
    ) -> CommandResult:
        """Carry out a command of the table for ``actor`` (hosts by handle, per the session's
        hosts) and answer the caller alone: nothing is posted in the chat. The command is logged
        with what it changed in one transaction, so a restart replays it with the messages."""
        if self._ledger is None:
            return CommandResult(False, "the session is not running", name, ("refused",))
        now, seq = self.clock.now(), self._commands + 1
        ref = f"command:{seq}"
        out = self.engine.command(name, args, actor, now, platform, ref=ref)
        rows, changed, refusal = self._carry_out(out.controls, ref, now)
        ok, text = out.ok and refusal is None, refusal or out.text
        flags = out.flags if refusal is None else (*out.flags, "refused")
        entry = LoggedCommand(
            seq=seq,
            ts=now,
            name=out.name or name,
            args=tuple(args),
            actor=actor,
            platform=platform,
            via=via,
            outcome="ok" if ok else "refused",
            text=text,
            after=len(self._seen),  # replayed after as many messages on restart
        )
        person = self.engine.participants.get(f"{platform}:{actor.id}")
        with self.store.db.atomic():
            self.store.log_command(self.session_id, entry)
            if person is not None:
                self.store.upsert_rows(
                    "participants", [participant_row(self.session_id, person)], ("session_id", "key")
                )
            self.store.write_live(
                self.session_id,
                (),
                self.engine,
                questions=self._changed_questions((), command=True),
                intents=rows,
                state=self._state_row(),
            )
        self._commands = seq
        log.info(
            "event=command_given session=%s seq=%d name=%s by=%s via=%s ok=%s",
            self.session_id,
            seq,
            entry.name,
            actor.handle,
            via,
            ok,
        )
        self._send_and_wake(rows, changed)
        self._emit_state()
        return CommandResult(ok, text, out.name, flags)

    async def on_command_event(self, ev: CommandGiven) -> CommandResult:
        """A command a platform's own interface gave (a Discord slash command): the same path."""
        return await self.command(ev.name, ev.args, ev.actor, platform=ev.platform, via="slash")

    def _replay(self, logged: deque[LoggedCommand], *, upto: int | None = None) -> None:
        """Apply logged commands given before the engine had taken ``upto`` messages (None: all
        left) to the engine again; refused ones changed nothing then and are skipped."""
        while logged and (upto is None or logged[0].after <= upto):
            c = logged.popleft()
            if c.outcome == "ok":
                self.engine.command(c.name, c.args, c.actor, c.ts, c.platform, ref=c.ref)

    # -- incoming messages and host commands -------------------------------------------------------
    def _ingest(self, messages: Sequence[Message], *, heard: bool = True) -> list[Outcome]:
        """Record messages in one transaction with their replies' ledger rows and the timeline
        their commands changed; then send the replies."""
        now = self.clock.now()
        outcomes: list[Outcome] = []
        intents: list[dict[str, Any]] = []
        changed = False
        for m in messages:
            if heard and m.platform in self.platforms:
                self.cursors[m.platform] = m.id
            uid = uid_of(m)
            if uid in self._seen:
                continue
            self._seen.add(uid)
            outcome, rows, moved = self._act(self.engine.ingest(m), now)
            changed |= moved
            intents.extend(rows)
            self._note(outcome)
            outcomes.append(outcome)
        state, questions = self._state_row(), self._changed_questions(outcomes)
        self.store.write_live(
            self.session_id, outcomes, self.engine, questions=questions, intents=intents, state=state
        )
        self._send_and_wake(intents, changed)
        if changed:
            self._emit_state()
        for o in outcomes:
            self.feed.message(o)
        return outcomes

    def _send_and_wake(self, intents: Sequence[dict[str, Any]], changed: bool) -> None:
        """After a write: deliver the posts it intended; wake the schedule if the timeline changed."""
        if not self._stopping:
            for post in dict.fromkeys(r["post"] for r in intents):
                self._spawn(self._deliver_later(post), f"post:{post}")
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

    def _act(self, o: Outcome, now: datetime) -> tuple[Outcome, list[dict[str, Any]], bool]:
        """Carry out a message's host commands; plan its replies (on the platform it came from).
        A command that cannot apply gets the reason instead of the engine's confirmation."""
        m = o.message
        replies = [a for a in o.actions if isinstance(a, Reply)]
        controls = [a for a in o.actions if isinstance(a, Control)]
        rows, changed, refusal = self._carry_out(controls, uid_of(m), now)
        if refusal is not None:
            replies = [
                Reply(f"{m.author.handle}: {refusal}", r.reply_to) if r.reply_to == m.id else r
                for r in replies
            ]
            o = replace(o, actions=(*replies, *controls), flags=(*o.flags, "refused"))
        if m.platform in self.platforms:
            for i, r in enumerate(replies):
                post = f"reply:{uid_of(m)}" + (f":{i + 1}" if i else "")
                rows += self.ledger.plan(post, r.text, [Target(m.platform, r.reply_to)], kind="reply")
        elif replies:
            log.info(
                "event=reply_nowhere session=%s platform=%s message=%s", self.session_id, m.platform, m.id
            )
        return o, rows, changed

    def _carry_out(
        self, controls: Sequence[Control], origin: str, now: datetime
    ) -> tuple[list[dict[str, Any]], bool, str | None]:
        """Carry out what a command left to the runner (timeline changes, a question posted now):
        the ledger rows to intend, whether the timeline changed, the reason when it could not."""
        rows: list[dict[str, Any]] = []
        changed = False
        for c in controls:
            try:
                if c.name in TIMELINE_COMMANDS:
                    self.timeline = apply_control(self.timeline, c, now)
                    changed = True
                elif c.name == "next_question":
                    found = self._plan_question(f"question-now:{origin}")
                    if not found:
                        raise QueueRefused(
                            "no approved question is waiting: approve one first with /approve N"
                        )
                    rows += found
                else:
                    raise ValueError(f"no runner handler for /{c.name}")
            except (TimelineRefused, QueueRefused) as refused:
                log.info(
                    "event=command_refused session=%s name=%s by=%s reason=%r",
                    self.session_id,
                    c.name,
                    c.by,
                    str(refused),
                )
                return rows, changed, str(refused)
            log.info("event=command session=%s name=%s args=%s by=%s", self.session_id, c.name, c.args, c.by)
        return rows, changed, None

    def _confirmed(self, row: dict[str, Any], message: Message) -> None:
        """The ledger's confirmation: the bot's message recorded with the row's platform id."""
        outcomes = []
        if uid_of(message) not in self._seen:  # the platform may have echoed it already
            self._seen.add(uid_of(message))
            outcomes.append(self.engine.ingest(message))
            self._note(outcomes[0])
        confirm = {
            "key": row["key"],
            "platform": row["platform"],
            "platform_id": message.id,
            "posted_at": iso(message.ts),
        }
        self.store.write_live(self.session_id, outcomes, self.engine, confirm=confirm)
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
        )

    def subscribe(self) -> AsyncIterator[FeedEvent]:
        """The state, then events as they happen until the session ends (``chatbot.hosting.payloads``)."""
        return self.feed.subscribe(self.state)

    def _emit_state(self) -> None:
        self.feed.state_changed(self.state)


def _mark(q: Question) -> tuple[int, ...]:
    """Changes whenever the queue changes a question: its status history, votes, askers."""
    return (len(q.history), len(q.upvoters), len(q.askers), q.likes)
