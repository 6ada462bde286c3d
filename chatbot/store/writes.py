"""Every write to the archive: sessions, imported messages, what the engine derives, platform events
(edits, deletions, reactions), host corrections and privacy. The live runner's one transaction is
``LiveWrites.write_live`` (``live.py``); imports write in bulk here.

Each method is one transaction, committed before it returns (the caller may act on it at once).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from chatbot.core.engine import Outcome, SessionEngine
from chatbot.core.model import Embed, Message, Reaction, SessionSpec
from chatbot.core.queue import Question
from chatbot.store.bulk import BulkImport, insert_sql
from chatbot.store.errors import MessageNotFound
from chatbot.store.rows import (
    embeds_json,
    iso,
    message_row,
    outcome_values,
    participant_row,
    question_row,
    reactions_json,
    spec_to_json,
    uid_of,
)


class Writes:
    """The write side of ``Store`` (which supplies ``db``)."""

    db: sqlite_utils.Database

    # -- sessions -------------------------------------------------------------------------
    def save_session(
        self, spec: SessionSpec, *, slug: str, status: str, ended_at: datetime | None = None
    ) -> None:
        row = {
            "id": spec.id,
            "slug": slug,
            "hashtag": spec.hashtag,
            "title": spec.title,
            "timezone": spec.timezone,
            "started_at": iso(spec.start),
            "ended_at": iso(ended_at) if ended_at else None,
            "status": status,
            "style": spec.style,
            "spec": json.dumps(spec_to_json(spec)),
            "created_at": iso(datetime.now(UTC)),
        }
        existing = self.db.execute("select created_at from sessions where id = ?", [spec.id]).fetchone()
        if existing:
            row["created_at"] = existing[0]
        self.db.table("sessions").upsert(row, pk="id")

    def set_session_status(
        self,
        session_id: str,
        status: str,
        *,
        started_at: datetime | None = None,
        ended_at: datetime | None = None,
    ) -> None:
        """``started_at`` records when a live chat really began (a host may start it early)."""
        update: dict[str, Any] = {"status": status}
        if started_at:
            update["started_at"] = iso(started_at)
        if ended_at:
            update["ended_at"] = iso(ended_at)
        self.db.table("sessions").update(session_id, update)

    # -- imported messages -------------------------------------------------------------------
    def add_messages(
        self, messages: Iterable[Message], *, source: str = "", session_id: str | None = None
    ) -> int:
        """Store messages not stored yet; returns how many were new. A message stored before keeps
        its row, and gains what the import knows and the row lacks (author is a bot, mentions,
        links, attachments, reactions, edit time): importing again repairs an older archive."""
        rows = [message_row(m, source=source, session_id=session_id) for m in messages]
        if not rows:
            return 0
        cols = list(rows[0])
        before = self.db.table("messages").count
        with self.db.atomic():
            self.db.conn.executemany(insert_sql(cols), [[r[c] for c in cols] for r in rows])
        return self.db.table("messages").count - before

    @contextmanager
    def bulk_import(self) -> Iterator[BulkImport]:
        """One import in one transaction (``chatbot.store.bulk``): committed when the block ends,
        rolled back whole if it raises."""
        with self.db.atomic():
            bulk = BulkImport(self.db.conn)
            bulk.open()
            yield bulk
            bulk.close()

    def assign_session(self, uids: Iterable[str], session_id: str) -> None:
        with self.db.atomic():
            self.db.conn.executemany(
                "update messages set session_id = ? where uid = ?", [(session_id, uid) for uid in uids]
            )

    def write_state(self, session_id: str, outcomes: Iterable[Outcome], engine: SessionEngine) -> None:
        """Replace a session's derived state with a full replay's result. ``outcomes`` may be a
        stream (the replay itself, reading the archive): what the engine made of each message goes
        to a temporary table as it comes, then into the messages in one statement."""
        conn = self.db.conn
        with self.db.atomic():
            conn.execute("drop table if exists temp.derived")
            conn.execute(
                "create temp table derived (uid text primary key, kind text, answers text, "
                "prompt_key text, question integer, flags text)"
            )
            insert = "insert or replace into derived values (?, ?, ?, ?, ?, ?)"
            batch: list[tuple[object, ...]] = []
            for o in outcomes:
                batch.append((uid_of(o.message), *outcome_values(o)))
                if len(batch) >= 5000:
                    conn.executemany(insert, batch)
                    batch.clear()
            conn.executemany(insert, batch)
            conn.execute(
                "update messages set kind = d.kind, answers = d.answers, prompt_key = d.prompt_key, "
                "question = d.question, flags = d.flags from temp.derived d where messages.uid = d.uid"
            )
            conn.execute("drop table temp.derived")
            for table in ("participants", "prompts", "questions"):
                self.db.execute(f"delete from [{table}] where session_id = ?", [session_id])
            people = [participant_row(session_id, p) for p in engine.participants.values()]
            self.upsert_rows("participants", people, ("session_id", "key"))
            prompts = [self.prompt_row(session_id, engine, k) for k in engine.prompts]
            self.upsert_rows("prompts", prompts, ("session_id", "key"))
            rows = [self.question_row(session_id, q) for q in engine.queue]
            self.upsert_rows("questions", rows, ("session_id", "number"))

    # -- platform events ------------------------------------------------------------------------
    def edit_message(self, uid: str, text: str, edited_at: datetime) -> None:
        """The message's author changed its text on the platform (search follows the new text)."""
        self._update_message(uid, "text = ?, edited_at = ?", [text, iso(edited_at)])

    def delete_message(self, uid: str, at: datetime, *, by_author: bool) -> None:
        """The message was deleted on the platform: its row stays, marked (the first deletion
        counts); recaps leave it out of the transcript and the counts."""
        self._update_message(
            uid, "deleted_at = coalesce(deleted_at, ?), deleted_by_author = ?", [iso(at), int(by_author)]
        )

    def set_reactions(self, uid: str, reactions: Sequence[Reaction]) -> None:
        """The message's reactions now (each emoji with its count), replacing what was known."""
        self._update_message(uid, "reactions = ?", [reactions_json(list(reactions))])

    def set_embeds(self, uid: str, embeds: Sequence[Embed]) -> None:
        """The pages and cards the message embeds now (a link's preview added after it was sent)."""
        self._update_message(uid, "embeds = ?", [embeds_json(list(embeds))])

    def _update_message(self, uid: str, sets: str, values: list[Any]) -> None:
        with self.db.atomic():
            if self.db.execute(f"update messages set {sets} where uid = ?", [*values, uid]).rowcount == 0:
                raise MessageNotFound(uid)

    # -- host corrections and privacy -------------------------------------------------------------
    def correct(self, message_uid: str, answers: list[str], *, by: str) -> None:
        """A host's attribution of a message to prompts (``answers``: prompt keys)."""
        if not self.db.execute("select 1 from messages where uid = ?", [message_uid]).fetchone():
            raise MessageNotFound(message_uid)
        self.db.table("corrections").upsert(
            {
                "message_uid": message_uid,
                "answers": json.dumps(answers),
                "by": by,
                "at": iso(datetime.now(UTC)),
            },
            pk="message_uid",
        )

    def redact(self, target_kind: str, target: str, *, by: str, reason: str = "") -> None:
        """Hide a message (``message``, by uid) or a participant (``participant``, by handle)."""
        if target_kind not in ("message", "participant"):
            raise ValueError(f"redact what? 'message' or 'participant', not {target_kind!r}")
        with self.db.atomic():
            self.db.execute(
                "insert or ignore into redactions (target_kind, target, by, at, reason) "
                "values (?, ?, ?, ?, ?)",
                [target_kind, target, by, iso(datetime.now(UTC)), reason],
            )

    def record_import(self, sha256: str, path: str, fmt: str, messages: int) -> None:
        row = {"sha256": sha256, "path": path, "format": fmt, "messages": messages}
        self.db.table("imports").upsert({**row, "imported_at": iso(datetime.now(UTC))}, pk="sha256")

    # -- shared by the bulk and the live writes ------------------------------------------------------
    def upsert_rows(
        self,
        table: str,
        rows: list[dict[str, Any]],
        pk: tuple[str, ...],
        *,
        only: Sequence[str] | None = None,
    ) -> None:
        """Insert rows (all with the same keys), or on a key conflict update ``only`` (default:
        every non-key column)."""
        if not rows:
            return
        cols = list(rows[0])
        names = ", ".join(f"[{c}]" for c in cols)
        updates = ", ".join(f"[{c}] = excluded.[{c}]" for c in (only or cols) if c not in pk)
        sql = (
            f"insert into [{table}] ({names}) values ({', '.join('?' * len(cols))}) "
            f"on conflict({', '.join(pk)}) do update set {updates}"
        )
        self.db.conn.executemany(sql, [[r[c] for c in cols] for r in rows])

    def prompt_row(self, session_id: str, engine: SessionEngine, key: str) -> dict[str, Any]:
        ps = engine.prompts[key]
        return {
            "session_id": session_id,
            "key": key,
            "label": ps.label,
            "text": ps.text,
            "message_uid": ps.message_uid,
            "posted_at": iso(ps.posted_at),
            "author": ps.author,
        }

    def question_row(self, session_id: str, q: Question) -> dict[str, Any]:
        """A question as stored, with its message's uid (one indexed lookup)."""
        uid = self.db.execute(
            "select uid from messages where id = ? and session_id = ? limit 1", [q.message_id, session_id]
        ).fetchone()
        return question_row(session_id, q, uid[0] if uid else None)
