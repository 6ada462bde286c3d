"""Driving a session's timeline: the next due post planned in the ledger and delivered, retries
after a platform refused, host commands waking the loop, questions posted from the queue, and a
host's word on a post the ledger held (it may have gone out before a crash: the timeline moved on
without it)."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from chatbot.core.model import Author, QuestionStatus
from chatbot.core.schedule import PlannedPost
from chatbot.hosting.feed import CLOSING
from chatbot.hosting.ledger import DeliveryFailed, Target
from chatbot.hosting.live import CommandResult
from chatbot.store import LedgerIntent

if TYPE_CHECKING:
    from chatbot.hosting.session import SessionRunner

log = logging.getLogger("chatbot.hosting")

RETRY_SECONDS = (5, 15, 30, 60, 120, 300)  # between attempts at a post a platform refused


class Scheduling:
    """Part of one ``SessionRunner`` (``runner.scheduling``)."""

    def __init__(self, runner: SessionRunner) -> None:
        self.r = runner

    async def schedule(self) -> None:
        failures = 0
        while not self.r._stopping and CLOSING not in self.r.timeline.done:
            self.r._wake.clear()
            now = self.r.clock.now()
            due = self.r.timeline.due(now)
            if not due:
                await self.wait(self.r.timeline.next_due_at())
                continue
            try:
                await self.post_planned(due[0], now)
                failures = 0
            except DeliveryFailed:
                delay = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
                failures += 1
                log.warning(
                    "event=post_retry session=%s key=%s in_s=%d", self.r.session_id, due[0].key, delay
                )
                await self.wait(now + timedelta(seconds=delay))

    async def wait(self, until: datetime | None) -> None:
        """Until ``until`` (None: indefinitely) or a host command changes the timeline."""
        waits: list[asyncio.Future[Any]] = [asyncio.ensure_future(self.r._wake.wait())]
        if until is not None:
            waits.append(asyncio.ensure_future(self.r.clock.sleep_until(until)))
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()
            await asyncio.gather(*waits, return_exceptions=True)

    async def post_planned(self, post: PlannedPost, now: datetime) -> None:
        if not self.r.ledger.has(post.key):
            if post.kind == "question_slot":
                rows = self.plan_question(post.key)
                if not rows:
                    log.info("event=question_slot_empty session=%s key=%s", self.r.session_id, post.key)
                aired = self.r._changed_questions((), command=True)
                self.r.storing.write(
                    lambda: self.r.store.write_live(self.r.session_id, (), self.r.engine, questions=aired)
                )
            else:
                targets = [Target(name) for name in self.r.platforms]
                rows = self.r.ledger.plan(post.key, post.text, targets, kind=post.kind)
            self.r.ledger.intend(rows)
        settled = await self.r.ledger.deliver(post.key)
        self.r.timeline.mark_done(post.key)  # a held part waits for a host, not the next prompts
        self.r._save()
        late_ms = (self.r.clock.now() - post.due).total_seconds() * 1000
        log.info(
            "event=posted session=%s key=%s kind=%s late_ms=%d held=%d",
            self.r.session_id,
            post.key,
            post.kind,
            late_ms,
            sum(r["status"] == "held" for r in settled),
        )
        if post.kind == "welcome":
            began = self.r.clock.now()
            self.r.storing.write(
                lambda: self.r.store.set_session_status(self.r.session_id, "live", started_at=began)
            )
        self.r._emit_state()

    def plan_question(self, post: str, *, by: str = "") -> list[LedgerIntent]:
        """Rows posting the next approved question not posted yet (none when there is none); the
        question is on air from now, put there by ``by`` (a host, or the bot on the timeline)."""
        refs = self.r.ledger.refs
        question = next(
            (
                q
                for q in self.r.engine.queue.pending()
                if q.status is QuestionStatus.APPROVED and f"question:{q.number}" not in refs
            ),
            None,
        )
        if question is None:
            return []
        values = {**self.r.values, "asker": question.author, "text": question.text}
        text = self.r.templates.render("question", values)
        origin = self.r._origin.get(question.message_id)
        targets = [Target(n, question.message_id if n == origin else None) for n in self.r.platforms]
        rows = self.r.ledger.plan(post, text, targets, kind="question", ref=f"question:{question.number}")
        bot = next(iter(self.r.identities.values()), None)
        self.r.engine.queue.air(question.number, by=by or (bot.handle if bot else ""), at=self.r.clock.now())
        return rows

    def restore_on_air(self) -> None:
        """After a restart: the questions the store shows on air are on air again (with who put them
        there and when): the replayed messages and commands only approved them."""
        for row in self.r.store.question_rows(self.r.session_id, include_deleted=True):
            aired = [h for h in json.loads(row["history"] or "[]") if h["status"] == QuestionStatus.ON_AIR]
            q = (
                self.r.engine.queue.get(row["number"])
                if aired and row["number"] <= len(self.r.engine.queue)
                else None
            )
            if q is not None and q.status is QuestionStatus.APPROVED:
                self.r.engine.queue.air(
                    q.number, by=aired[-1]["by"], at=datetime.fromisoformat(aired[-1]["at"])
                )

    async def deliver_later(self, post: str) -> None:
        for delay in (*RETRY_SECONDS, None):
            try:
                await self.r.ledger.deliver(post)
                return
            except DeliveryFailed:
                if delay is None:
                    log.error("event=post_abandoned session=%s key=%s", self.r.session_id, post)
                    return
                await self.r.clock.sleep_until(self.r.clock.now() + timedelta(seconds=delay))

    async def resolve_held(self, key: str, platform: str, *, went_out: bool, actor: Author) -> CommandResult:
        """A host's word on a held post part: it did not go out (sent now, and the parts after it)
        or it did (recorded as posted with no platform id, by whom and when; the parts after it
        go out). Only the session's hosts may say; the answer is for them alone."""
        name = "resolve_held"
        if self.r._ledger is None:
            return CommandResult(False, "the session is not running", name, ("refused",))
        if not self.r.engine.may_host(actor):
            refusal = "only the hosts can say whether a held post went out"
            return CommandResult(False, refusal, name, ("refused",))
        row = self.r.ledger.resolve(key, platform, went_out=went_out, by=actor.handle)
        if row is None:
            return CommandResult(False, f"no post {key} is held on {platform}", name, ("refused",))
        self.r._emit_state()
        what = "recorded as posted, as you said" if went_out else "sent now"
        if self.r._stopping:
            return CommandResult(True, f"{key} on {platform}: {what} (on the next start)", name)
        try:
            await self.r.ledger.deliver(row["post"])
        except DeliveryFailed as e:
            self.r._spawn(self.deliver_later(row["post"]), f"post:{row['post']}")
            return CommandResult(True, f"{key} on {platform}: {e}; trying again shortly", name)
        return CommandResult(True, f"{key} on {platform}: {what}", name)
