"""A page of a session's transcript exactly as the JSON export lists it, read by an index range.

``transcript_page`` answers ``GET /api/sessions/<id>/messages``: the messages after a cursor, as
``build_export(...)["messages"]`` has them (privacy applied by the export's own code: a hidden
message keeps its place with no text, a removed participant is ``(removed)``), without building
the export. It reads the page's rows and what they need (their authors, corrections, the commands
they reply to), so a page of one message costs the same in a chat of ten messages or a million.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from chatbot.recap.export import _Session
from chatbot.recap.types import ExportMessage
from chatbot.store import MessageNotFound, Store, spec_from_json

#: Rows passed over for one page at most, beyond its own (commands and deleted messages are not in
#: the transcript): past it the page ends early, with ``more`` and ``next`` to go on from.
SCAN = 2000


@dataclass(frozen=True)
class TranscriptPage:
    """Messages of one session, oldest first; ``next`` is the cursor of the following page
    (None on the last), ``more`` whether one follows."""

    session: str
    messages: list[ExportMessage]
    next: str | None
    more: bool


class _PageSession(_Session):
    """The export's view of one session, read for a few rows only (``_Session`` reads it whole)."""

    def __init__(self, store: Store, row: dict[str, Any], rows: Sequence[sqlite3.Row]) -> None:
        self.store = store
        self.row = row
        self.sid = row["id"]
        self.spec = spec_from_json(json.loads(row["spec"]))
        self.tz = ZoneInfo(row["timezone"])
        self.include_deleted = False
        self.hidden_msgs, self.hidden_people = store.redactions()
        self.participants = store.participants_by_key(
            self.sid, (f"{r['platform']}:{r['author_id']}" for r in rows)
        )
        self.removed_keys = {
            p["key"]
            for p in self.participants
            if p["opted_out"] or p["handle"].lstrip("@").casefold() in self.hidden_people
        }
        self.corrections = store.corrections_of(r["uid"] for r in rows)
        replied = [r["reply_to"] for r in rows if r["kind"] == "bot" and r["reply_to"]]
        self.commands_kept = store.command_ids(self.sid, replied)
        self.commands = self.commands_kept
        self._answered = {}


def transcript_page(store: Store, ref: str, *, after: str | None = None, limit: int = 100) -> TranscriptPage:
    """The ``limit`` transcript messages of session ``ref`` (id or slug) after the message
    ``after`` (its id; None: from the start). ``SessionNotFound`` for no such session,
    ``MessageNotFound`` when the session has no message ``after``. At most ``SCAN`` rows that the
    transcript leaves out are passed over: then the page is shorter, with ``more`` and ``next``."""
    row = store.session_row(ref)
    sid = row["id"]
    position = None
    if after is not None:
        position = store.message_position(sid, after)
        if position is None:
            raise MessageNotFound(after)
    found: list[ExportMessage] = []
    scanned = 0
    while True:
        want = limit + 1 - len(found)  # enough to fill the page and to see whether one follows
        rows = store.transcript_page_rows(sid, position, want)
        view = _PageSession(store, row, rows)
        for r in rows:
            if view.in_transcript(r):
                if len(found) == limit:
                    return TranscriptPage(sid, found, found[-1]["id"], True)
                found.append(view.message(r))
            position = (r["ts"], r["uid"])
            scanned += 1
        if len(rows) < want or position is None:
            return TranscriptPage(sid, found, None, False)
        if scanned >= limit + SCAN:  # go on from the last row passed over
            return TranscriptPage(sid, found, position[1], True)
