"""Hearing a session's platforms: a supervised reader per platform, the inbox, events carried
out in order (messages, edits, deletions, reactions as votes, commands), and the catch-up from
each platform's history after a restart or a failed reader, within its history budget.

While a platform's catch-up reads its history, what is heard there live is recorded at once but
leaves its cursor where it was at the start (``_Held``): a restart before the catch-up's
messages are stored reads the same gap again, and recording is idempotent by message id."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import groupby
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from chatbot.core.events import CommandGiven, Deleted, Edited, Event, Reacted, Tallied
from chatbot.core.model import Message
from chatbot.hosting.reader import supervise
from chatbot.platforms.base import CountsVotes, Platform, read_history
from chatbot.store import iso, uid_of

if TYPE_CHECKING:
    from chatbot.hosting.session import SessionRunner

log = logging.getLogger("chatbot.hosting")

BATCH = 500  # incoming messages recorded per transaction at most
GATHER = 0.005  # seconds a batch keeps taking what arrives, tick after tick


@runtime_checkable
class Recounts(Protocol):
    """A platform whose reactions can be read again (Discord: the message objects carry their
    counts): after a restart the runner names the pending questions heard there, and the adapter
    yields a ``Tallied`` for each vote count it read (in order with what it hears live), so the
    votes given while the bot was down count."""

    async def recount(self, message_ids: Collection[str]) -> None: ...


@dataclass
class _Held:
    """What a platform carried live while its catch-up was reading its history."""

    ids: set[str] = field(default_factory=set)
    last: str | None = None


class Listening:
    """Part of one ``SessionRunner`` (``runner.listening``)."""

    def __init__(self, runner: SessionRunner) -> None:
        self.r = runner
        self._held: dict[str, _Held] = {}  # platforms whose catch-up is reading their history

    async def read(self, p: Platform) -> None:
        await supervise(
            self.r.session_id,
            p,
            self.r._inbox.put_nowait,
            resume=self.resume,
            clock=self.r.clock,
            rng=self.r._rng,
        )

    async def resume(self, p: Platform) -> int:
        """After ``p``'s reader failed: what it carried since the last message heard there, into
        the inbox (already recorded ones are recognized there); the number found."""
        cursor = self.r.cursors.get(p.name)
        if cursor is None:
            return 0
        try:
            missed = await self.history_since(p, cursor)
        except Exception as e:  # the platform forgot the cursor, or is still down: go on live
            log.warning("event=catch_up_failed session=%s platform=%s error=%r", self.r.session_id, p.name, e)
            return 0
        for m in missed:
            self.r._inbox.put_nowait(m)
        return len(missed)

    async def ingest_loop(self) -> None:
        """Events recorded in batches: what is waiting, and what keeps arriving tick after tick
        for up to ``GATHER`` seconds (messages come one event at a time; a transaction, with its
        fsync, costs as much as a hundred of them), up to ``BATCH``."""
        inbox = self.r._inbox
        loop = asyncio.get_running_loop()
        while True:
            batch = [await inbox.get()]
            until = loop.time() + GATHER
            while len(batch) < BATCH:
                while len(batch) < BATCH and not inbox.empty():
                    batch.append(inbox.get_nowait())
                if len(batch) >= BATCH or loop.time() >= until:
                    break
                await asyncio.sleep(0)  # one more turn of the loop: what it brings joins the batch
                if inbox.empty():
                    break  # a quiet turn: nothing more is on its way now
            await self.handle(batch)

    async def handle(self, events: Sequence[Event]) -> None:
        """Events in the order heard: runs of messages recorded one run per transaction, each
        other event carried out in between."""
        run: list[Message] = []
        for ev in events:
            if isinstance(ev, Message):
                run.append(ev)
                continue
            if run:
                self.ingest(run)
                run = []
            try:
                await self.dispatch(ev)
            except Exception as e:  # one event that cannot apply must not stop the session
                log.error(
                    "event=event_failed session=%s event=%r error=%r", self.r.session_id, ev, e, exc_info=e
                )
        if run:
            self.ingest(run)
        self.watch_votes()

    def ingest(self, messages: Sequence[Message]) -> None:
        """Messages heard live, recorded; those of a platform still catching up leave its cursor
        at the last message heard before the restart until the catch-up's messages are stored."""
        if not self._held:
            self.r._ingest(messages)
            return
        for held, part in groupby(messages, key=lambda m: m.platform in self._held):
            run = list(part)
            for m in run if held else ():
                self._held[m.platform].ids.add(m.id)
                self._held[m.platform].last = m.id
            self.r._ingest(run, heard=not held)

    def watch_votes(self) -> None:
        """Platforms that count votes only when asked (``CountsVotes``: X's likes) learn which
        messages matter: the pending questions first heard there."""
        for name, p in self.r.platforms.items():
            if isinstance(p, CountsVotes):
                pending = self.r.engine.queue.pending()
                p.watch_votes([q.message_id for q in pending if self.r._origin.get(q.message_id) == name])

    async def dispatch(self, ev: Edited | Deleted | Reacted | Tallied | CommandGiven) -> None:
        """An edit, deletion or reaction (or a platform's count of them) on a message of this
        session, or a command."""
        if isinstance(ev, CommandGiven):
            await self.r.commanding.on_command_event(ev)
            return
        uid = f"{ev.platform}:{ev.message_id}"
        if uid not in self.r._seen:  # another session's message, or one never heard
            return
        store, write = self.r.store, self.r.storing.write  # in order, also while the archive is locked
        if isinstance(ev, Edited):
            if ev.text is not None:
                write(partial(store.edit_message, uid, ev.text, ev.at))
            if ev.embeds is not None:
                write(partial(store.set_embeds, uid, ev.embeds))
        elif isinstance(ev, Deleted):
            write(partial(store.delete_message, uid, ev.at, by_author=ev.by_author))
        elif (
            self.r._reactions.tally(uid, ev.emoji, ev.count)
            if isinstance(ev, Tallied)
            else self.r._reactions.apply(uid, ev.emoji, ev.by.id, added=ev.added)
        ):
            write(partial(store.set_reactions, uid, self.r._reactions.reactions(uid)))
            p = self.r.platforms.get(ev.platform)
            if p is not None and ev.emoji == p.vote_emoji:
                self.vote(ev.platform, ev.message_id, self.r._reactions.count(uid, ev.emoji))

    def vote(self, platform: str, message_id: str, votes: int) -> None:
        """A question's message now has ``votes`` vote reactions: its likes follow (and those of
        the question it was merged into)."""
        q = self.r.engine.queue.by_message(message_id)
        if q is None or self.r._origin.get(message_id, platform) != platform:
            return
        self.r.engine.queue.set_likes(q.number, votes)
        changed = [q.number]
        while (n := self.r.engine.queue.get(changed[-1]).merged_into) is not None:
            changed.append(n)
        self.r.storing.write(
            partial(self.r.store.write_live, self.r.session_id, (), self.r.engine, questions=changed)
        )
        self.r._emit_state()

    def restore_votes(self) -> None:
        """After a restart: the reactions stored on each message seed the tally, and the vote
        reactions on a question's message are its likes again, as when the bot stopped."""
        for m in self.r.store.live_messages(self.r.session_id):
            p = self.r.platforms.get(m.platform)
            if not m.reactions or p is None:
                continue
            self.r._reactions.seed(uid_of(m), m.reactions)
            q = self.r.engine.queue.by_message(m.id) if p.vote_emoji else None
            if q is not None and self.r._origin.get(m.id, m.platform) == m.platform:
                self.r.engine.queue.set_likes(q.number, self.r._reactions.count(uid_of(m), p.vote_emoji))

    async def catch_up(self) -> None:
        """After a restart: what the platforms carried meanwhile, then the posts that came due while
        the bot was down (posted at once, or skipped with missed="skip"), then unsent replies."""
        self.restore_votes()  # before the first await: before any new reaction is taken
        self.watch_votes()
        cursors = {name: c for name, c in self.r.cursors.items() if name in self.r.platforms}
        self._held.update((name, _Held()) for name in cursors)  # before the readers hear anything
        try:
            for name, p in self.r.platforms.items():
                if name in cursors:
                    await self.catch_up_on(p, cursors[name])
                if isinstance(p, Recounts):
                    await self.recount(name, p)
        finally:
            self._held.clear()
        now = self.r.clock.now()
        to_post, to_skip = self.r.timeline.catch_up(now)
        for post in [p for p in to_post if p.kind == "announcement"][:-1]:  # one announcement is enough
            self.r.timeline.mark_done(post.key)
            to_post.remove(post)
            log.info("event=missed_post session=%s key=%s action=superseded", self.r.session_id, post.key)
        for post in to_skip:  # what went out is confirmed, what the history cannot tell is held
            settled = (
                await self.r.ledger.settle_unsent(post.key) if self.r.ledger.has(post.key) else "skipped"
            )
            log.warning(
                "event=missed_post session=%s key=%s due=%s action=%s",
                self.r.session_id,
                post.key,
                iso(post.due),
                settled,
            )
        for post in to_post:
            log.warning(
                "event=missed_post session=%s key=%s due=%s action=post_now late_s=%d",
                self.r.session_id,
                post.key,
                iso(post.due),
                (now - post.due).total_seconds(),
            )
        self.r._save()
        planned = {p.key for p in self.r.planned}
        for key in self.r.ledger.unsettled():
            if key not in planned:  # a reply or a question left unsent by the last run
                self.r._spawn(self.r.scheduling.deliver_later(key), f"post:{key}")

    async def catch_up_on(self, p: Platform, cursor: str) -> None:
        """What ``p`` carried after ``cursor`` (the last message heard before the restart), read
        up to the first message heard live, whatever arrives meanwhile; then the cursor moves on
        to the latest message of either."""
        held = self._held[p.name]
        try:
            missed = await self.history_since(p, cursor, live=held.ids)
        except Exception as e:  # the platform forgot its history, or is down: go on live
            log.warning("event=catch_up_failed session=%s platform=%s error=%r", self.r.session_id, p.name, e)
            missed = []
        del self._held[p.name]
        if missed:
            log.info(
                "event=caught_up session=%s platform=%s messages=%d", self.r.session_id, p.name, len(missed)
            )
            self.r._ingest(missed)  # the cursor: the last one read
        if held.last is not None and held.last not in {m.id for m in missed}:
            self.r.cursors[p.name] = held.last  # heard live after the history read, and stored

    async def recount(self, name: str, p: Recounts) -> None:
        """The vote counts of the pending questions heard on ``p``, read again after a restart:
        votes given while the bot was down count (``Tallied``, through ``p``'s events)."""
        origin = self.r._origin
        pending = [q.message_id for q in self.r.engine.queue.pending() if origin.get(q.message_id) == name]
        if not pending:
            return
        try:
            await p.recount(pending)
        except Exception as e:  # the counts stay as stored; live reactions still count
            log.warning("event=recount_failed session=%s platform=%s error=%r", self.r.session_id, name, e)

    async def history_since(self, p: Platform, cursor: str, *, live: Collection[str] = ()) -> list[Message]:
        """What ``p`` carried after ``cursor``, up to its history budget (then logged, and the
        rest is left: the runner goes on live), or up to the page that reaches a message of
        ``live`` (heard live: what follows it is heard live too)."""
        found: list[Message] = []
        async for page in read_history(p, cursor):
            found.extend(page)
            if any(m.id in live for m in page):
                return found
        if len(found) >= p.history_budget:
            log.warning(
                "event=history_budget_reached session=%s platform=%s read=%d during=catch_up",
                self.r.session_id,
                p.name,
                len(found),
            )
        return found
