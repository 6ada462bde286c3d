"""Commands on a running session: the core's command table applied for every surface (chat text,
the dashboard, slash commands) with the actor's identity; commands given outside chat text are
logged and replayed in place on restart."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from chatbot.core.engine import Control, Outcome, Reply
from chatbot.core.events import CommandGiven
from chatbot.core.model import Author
from chatbot.core.queue import QueueRefused
from chatbot.core.timeline import TimelineRefused
from chatbot.hosting.ledger import Target
from chatbot.hosting.live import CommandResult
from chatbot.hosting.plan import TIMELINE_COMMANDS, apply_control
from chatbot.platforms.base import EphemeralUnsupported, Platform
from chatbot.store import LedgerIntent, LoggedCommand, uid_of
from chatbot.store.rows import participant_row

if TYPE_CHECKING:
    from chatbot.hosting.session import SessionRunner

log = logging.getLogger("chatbot.hosting")


@runtime_checkable
class AnswersCommands(Protocol):
    """A platform that brings a command's outcome back to its actor itself, knowing whether it
    applied (the web room: a vote button shows the vote; a typed command, its answer)."""

    async def answer(self, event: CommandGiven, ok: bool, text: str) -> None: ...


class Commanding:
    """Part of one ``SessionRunner`` (``runner.commanding``)."""

    def __init__(self, runner: SessionRunner) -> None:
        self.r = runner

    async def command(
        self, name: str, args: Sequence[str], actor: Author, *, platform: str = "web", via: str = "dashboard"
    ) -> CommandResult:
        """Carry out a command of the table for ``actor`` (hosts by handle, per the session's
        hosts) and answer the caller alone: nothing is posted in the chat. The command is logged
        with what it changed in one transaction, so a restart replays it with the messages."""
        if self.r._ledger is None:
            return CommandResult(False, "the session is not running", name, ("refused",))
        now, seq = self.r.clock.now(), self.r._commands + 1
        ref = f"command:{seq}"
        out = self.r.engine.command(name, args, actor, now, platform, ref=ref)
        rows, changed, refusal = self.carry_out(out.controls, ref, now)
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
            after=len(self.r._seen),  # replayed after as many messages on restart
        )
        person = self.r.engine.participants.get(f"{platform}:{actor.id}")
        changed_questions = set(self.r._changed_questions((), command=True))
        if out.question is not None:  # asked by the command (/ask): new, so no mark of it yet
            changed_questions.add(out.question)
        state = self.r._state_row()

        def record() -> None:
            with self.r.store.db.atomic():
                self.r.store.log_command(self.r.session_id, entry)
                if person is not None:
                    self.r.store.upsert_rows(
                        "participants", [participant_row(self.r.session_id, person)], ("session_id", "key")
                    )
                self.r.store.write_live(
                    self.r.session_id,
                    (),
                    self.r.engine,
                    questions=changed_questions,
                    intents=rows,
                    state=state,
                )

        # replies go out once their intents are stored (the archive may make them wait)
        self.r.storing.write(record, stored=lambda: self.r._send_and_wake(rows, False))
        self.r._commands = seq
        log.info(
            "event=command_given session=%s seq=%d name=%s by=%s via=%s ok=%s",
            self.r.session_id,
            seq,
            entry.name,
            actor.handle,
            via,
            ok,
        )
        self.r._send_and_wake((), changed)
        self.r._emit_state()
        return CommandResult(ok, text, out.name, flags)

    async def on_command_event(self, ev: CommandGiven) -> CommandResult:
        """A command a platform's own interface gave (a Discord slash command): the same path, and
        the answer to the actor alone where the platform can (``post(text, to=actor,
        reply_to=ev.reply_token)``: the adapter knows what the token names, an interaction)."""
        result = await self.command(ev.name, ev.args, ev.actor, platform=ev.platform, via="slash")
        p = self.r.platforms.get(ev.platform)
        if p is not None and p.supports_ephemeral:
            try:
                if isinstance(p, AnswersCommands):  # it shows the outcome its own way (a vote button)
                    await p.answer(ev, result.ok, result.text)
                else:
                    await p.post(result.text, to=ev.actor, reply_to=ev.reply_token or None)
            except Exception as e:  # the command stands; only its answer is lost
                log.warning(
                    "event=command_answer_failed session=%s name=%s by=%s error=%r",
                    self.r.session_id,
                    ev.name,
                    ev.actor.handle,
                    e,
                )
        return result

    def replay(self, logged: deque[LoggedCommand], *, upto: int | None = None) -> None:
        """Apply logged commands given before the engine had taken ``upto`` messages (None: all
        left) to the engine again; refused ones changed nothing then and are skipped."""
        while logged and (upto is None or logged[0].after <= upto):
            c = logged.popleft()
            if c.outcome == "ok":
                self.r.engine.command(c.name, c.args, c.actor, c.ts, c.platform, ref=c.ref, replayed=True)

    def act(self, o: Outcome, now: datetime) -> tuple[Outcome, list[LedgerIntent], bool]:
        """Carry out a message's host commands; plan its replies (on the platform it came from).
        A command that cannot apply gets the reason instead of the engine's confirmation. An
        answer to one person goes to them alone where the platform can (``whisper``): it is no
        post of the chat, so neither the ledger nor the transcript keeps it."""
        m = o.message
        replies = [a for a in o.actions if isinstance(a, Reply)]
        controls = [a for a in o.actions if isinstance(a, Control)]
        rows, changed, refusal = self.carry_out(controls, uid_of(m), now)
        if refusal is not None:
            replies = [
                replace(r, text=f"{m.author.handle}: {refusal}", alone=refusal) if r.reply_to == m.id else r
                for r in replies
            ]
            o = replace(o, actions=(*replies, *controls), flags=(*o.flags, "refused"))
        platform = self.r.platforms.get(m.platform)
        if platform is not None:
            for i, r in enumerate(replies):
                post = f"reply:{uid_of(m)}" + (f":{i + 1}" if i else "")
                if r.to is not None and platform.supports_ephemeral:
                    if not self.r._stopping:
                        self.r._spawn(self.whisper(platform, r, post), f"whisper:{post}")
                    continue
                rows += self.r.ledger.plan(post, r.text, [Target(m.platform, r.reply_to)], kind="reply")
        elif replies:
            log.info(
                "event=reply_nowhere session=%s platform=%s message=%s", self.r.session_id, m.platform, m.id
            )
        return o, rows, changed

    async def whisper(self, platform: Platform, r: Reply, post: str) -> None:
        """Answer one person alone (``post(text, to=...)``); where the platform turns that down after
        all, the answer goes out in public through the ledger, as on a platform without it."""
        assert r.to is not None
        try:
            await platform.post(r.alone or r.text, to=r.to)
            return
        except EphemeralUnsupported:
            pass
        except Exception as e:  # an acknowledgement only: the command or question stands
            log.warning(
                "event=whisper_failed session=%s platform=%s to=%s error=%r",
                self.r.session_id,
                platform.name,
                r.to.handle,
                e,
            )
            return
        rows = self.r.ledger.plan(post, r.text, [Target(platform.name, r.reply_to)], kind="reply")
        self.r.ledger.intend(rows)
        await self.r.scheduling.deliver_later(post)

    def carry_out(
        self, controls: Sequence[Control], origin: str, now: datetime
    ) -> tuple[list[LedgerIntent], bool, str | None]:
        """Carry out what a command left to the runner (timeline changes, a question posted now):
        the ledger rows to intend, whether the timeline changed, the reason when it could not."""
        rows: list[LedgerIntent] = []
        changed = False
        for c in controls:
            try:
                if c.name in TIMELINE_COMMANDS:
                    self.r.timeline = apply_control(self.r.timeline, c, now)
                    changed = True
                elif c.name == "next_question":
                    found = self.r.scheduling.plan_question(f"question-now:{origin}", by=c.by)
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
                    self.r.session_id,
                    c.name,
                    c.by,
                    str(refused),
                )
                return rows, changed, str(refused)
            log.info(
                "event=command session=%s name=%s args=%s by=%s", self.r.session_id, c.name, c.args, c.by
            )
        return rows, changed, None
