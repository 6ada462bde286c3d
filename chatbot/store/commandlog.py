"""The command log: commands given outside chat text (the dashboard, slash commands), kept so that a
restarted runner rebuilds the engine from its messages *and* these, in the order they happened.

Chat-typed commands need no row here: they are messages, and replaying the messages repeats them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from chatbot.core.model import Author
from chatbot.store.rows import iso, parse_iso


@dataclass(frozen=True)
class LoggedCommand:
    """One command as it was given and answered. ``after`` is how many of the session's messages
    (in ``live_messages`` order) the engine had taken when it was given: replay puts it there."""

    seq: int
    ts: datetime
    name: str
    args: tuple[str, ...]
    actor: Author
    platform: str
    via: str  # dashboard, slash, ...
    outcome: str  # ok | refused
    text: str  # the answer the actor got
    after: int

    @property
    def ref(self) -> str:
        """What the command's effects point back to (a question it asked, a control it made)."""
        return f"command:{self.seq}"


class CommandLog:
    """The command log side of ``Store`` (which supplies ``db``)."""

    db: sqlite_utils.Database

    def log_command(self, session_id: str, row: LoggedCommand) -> None:
        """Keep one command (its own transaction, or the caller's when inside ``db.atomic()``)."""
        with self.db.atomic():
            self.db.execute(
                "insert into command_log (session_id, seq, ts, name, args, actor_id, actor_handle, "
                "actor_name, platform, via, outcome, text, after_messages) "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    session_id,
                    row.seq,
                    iso(row.ts),
                    row.name,
                    json.dumps(list(row.args)),
                    row.actor.id,
                    row.actor.handle,
                    row.actor.name,
                    row.platform,
                    row.via,
                    row.outcome,
                    row.text,
                    row.after,
                ],
            )

    def command_log(self, session_id: str) -> list[LoggedCommand]:
        """A session's logged commands in the order they were given."""
        rows = self.db.query("select * from command_log where session_id = ? order by seq", [session_id])
        return [
            LoggedCommand(
                seq=r["seq"],
                ts=parse_iso(r["ts"]),
                name=r["name"],
                args=tuple(json.loads(r["args"])),
                actor=Author(r["actor_id"], r["actor_handle"], r["actor_name"]),
                platform=r["platform"],
                via=r["via"],
                outcome=r["outcome"],
                text=r["text"],
                after=r["after_messages"],
            )
            for r in rows
        ]
