"""Every read of the archive, as named questions returning plain data (dicts, dataclasses).

Reads for recaps (``transcript_rows``, ``participant_rows``, ``question_rows``) leave out messages
deleted on the platform unless asked; reads for the engine (``session_messages``, ``live_messages``)
return every message, deleted ones too, since the engine's state was built from all of them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any, cast

import sqlite_utils

from chatbot.core.model import Message, SessionSpec
from chatbot.store.errors import MessageNotFound, SessionNotFound
from chatbot.store.rows import MESSAGE_SELECT, message_from_row, message_from_values, spec_from_json
from chatbot.store.types import LedgerRow, RunnerState

_KEY = "platform || ':' || author_id"  # a message's participant key (the engine's Participant.key)


class Reads:
    """The read side of ``Store`` (which supplies ``db``)."""

    db: sqlite_utils.Database

    def ping(self) -> None:
        """Raise ``sqlite3.Error`` when the archive does not answer."""
        self.db.execute("select 1").fetchone()

    # -- sessions -------------------------------------------------------------------------
    def has_session(self, session_id: str) -> bool:
        return bool(self.db.execute("select 1 from sessions where id = ?", [session_id]).fetchone())

    def session_row(self, session_id: str) -> dict[str, Any]:
        """The session with this id or slug; ``SessionNotFound`` (a ``KeyError``) when none."""
        rows = list(self.db.table("sessions").rows_where("id = ? or slug = ?", [session_id, session_id]))
        if not rows:
            raise SessionNotFound(session_id)
        return rows[0]

    def session_spec(self, session_id: str) -> SessionSpec:
        return spec_from_json(json.loads(self.session_row(session_id)["spec"]))

    def sessions(self) -> list[dict[str, Any]]:
        """Every session, newest first."""
        return list(self.db.table("sessions").rows_where(order_by="started_at desc"))

    # -- messages ---------------------------------------------------------------------------
    def message(self, uid: str) -> Message:
        """The stored message ``uid`` (``platform:id``), as edited since; ``MessageNotFound`` if none."""
        rows = list(self.db.query("select * from messages where uid = ?", [uid]))
        if not rows:
            raise MessageNotFound(uid)
        return message_from_row(rows[0])

    def session_messages(self, session_id: str) -> list[Message]:
        """A session's messages in time order, deleted ones too (what the engine replays)."""
        return list(self.iter_session_messages(session_id))

    def iter_session_messages(self, session_id: str) -> Iterator[Message]:
        """``session_messages`` as a stream, read from the archive as it is consumed."""
        rows = self.db.execute(
            f"select {MESSAGE_SELECT} from messages where session_id = ? order by ts, uid", [session_id]
        )
        return (message_from_values(r) for r in rows)

    def live_messages(self, session_id: str) -> list[Message]:
        """A session's messages in the order they were first stored (the live engine's order)."""
        rows = self.db.query("select * from messages where session_id = ? order by rowid", [session_id])
        return [message_from_row(r) for r in rows]

    def message_rows(self, session_id: str) -> list[dict[str, Any]]:
        """Every stored row of a session's messages in time order, deleted ones too."""
        return list(
            self.db.query("select * from messages where session_id = ? order by ts, uid", [session_id])
        )

    def transcript_rows(self, session_id: str, *, include_deleted: bool = False) -> list[dict[str, Any]]:
        """A session's messages as a recap shows them, in time order: deleted ones only if asked."""
        where = "" if include_deleted else " and deleted_at is null"
        return list(
            self.db.query(
                f"select * from messages where session_id = ?{where} order by ts, uid", [session_id]
            )
        )

    def iter_transcript_rows(self, session_id: str, columns: str = "*") -> Iterator[sqlite3.Row]:
        """Every row of a session's messages in time order, deleted ones too, read as consumed
        (``columns``: the SQL column list; recaps of 100,000 messages read them more than once,
        so the rows are ``sqlite3.Row``s, read by column name, not dicts)."""
        return self._rows(
            f"select {columns} from messages where session_id = ? order by ts, uid", [session_id]
        )

    def iter_answer_rows(self, session_id: str, key: str, also: Iterable[str] = ()) -> Iterator[sqlite3.Row]:
        """In time order, the rows of a session's messages whose stored answers name the prompt
        ``key``, and the ones whose uids are in ``also`` (a host corrected what they answer); the
        caller checks each (a correction overrides what was stored)."""
        return self._rows(
            "select * from messages where session_id = ? and (answers like ? or uid in "
            "(select value from json_each(?))) order by ts, uid",
            [session_id, f'%"{key}"%', json.dumps(list(also))],
        )

    def _rows(self, sql: str, params: list[Any]) -> Iterator[sqlite3.Row]:
        cursor = self.db.conn.cursor()
        cursor.row_factory = sqlite3.Row
        return iter(cursor.execute(sql, params))

    # -- bounded reads for anonymous readers (a page costs the same in any session) ---------------
    def message_position(self, session_id: str, ref: str) -> tuple[str, str] | None:
        """Where the message ``ref`` (its uid, or its id) stands in the session's time order: its
        ``(ts, uid)``, the key ``transcript_page_rows`` pages by; None when the session has none.
        (``+session_id``: looked up by uid or id, never by scanning the session.)"""
        for column in ("uid", "id"):
            row = self.db.execute(
                f"select ts, uid from messages where {column} = ? and +session_id = ? "
                "order by ts, uid limit 1",
                [ref, session_id],
            ).fetchone()
            if row:
                return (str(row[0]), str(row[1]))
        return None

    def transcript_page_rows(
        self, session_id: str, after: tuple[str, str] | None, limit: int
    ) -> list[sqlite3.Row]:
        """At most ``limit`` rows of a session's messages in time order (``ts, uid``) that follow
        the position ``after`` (``message_position``), deleted ones too: a range of the
        (session, time) index, so a page reads about ``limit`` rows whatever the session's size."""
        ts, uid = after if after is not None else ("", "")
        return list(
            self._rows(
                "select * from messages where session_id = ? and ts >= ? and (ts > ? or uid > ?) "
                "order by ts, uid limit ?",
                [session_id, ts, ts, uid, limit],
            )
        )

    def participants_by_key(self, session_id: str, keys: Iterable[str]) -> list[dict[str, Any]]:
        """The session's participants with these keys (``platform:author id``)."""
        return list(
            self.db.query(
                "select * from participants where session_id = ? and key in (select value from json_each(?))",
                [session_id, json.dumps(sorted(set(keys)))],
            )
        )

    def corrections_of(self, uids: Iterable[str]) -> dict[str, list[str]]:
        """Hosts' attributions (prompt keys) of these messages, by uid (``corrections``, for a few)."""
        rows = self.db.execute(
            "select message_uid, answers from corrections "
            "where message_uid in (select value from json_each(?))",
            [json.dumps(sorted(set(uids)))],
        ).fetchall()
        return {str(uid): json.loads(answers) for uid, answers in rows}

    def command_ids(self, session_id: str, ids: Iterable[str], *, include_deleted: bool = False) -> set[str]:
        """Which of these message ids are commands typed in the session (deleted ones only if asked)."""
        wanted = sorted(set(ids))
        if not wanted:
            return set()
        deleted = "" if include_deleted else " and deleted_at is null"
        rows = self.db.execute(
            "select id from messages where id in (select value from json_each(?)) "
            f"and +session_id = ? and kind = 'command'{deleted}",
            [json.dumps(wanted), session_id],
        ).fetchall()
        return {str(i) for (i,) in rows}

    def session_version(self, session_id: str) -> tuple[Any, ...]:
        """What changes whenever the export of the session (by id or slug) would: its row, its
        messages (added, edited, deleted, hidden, reacted to), its questions, prompts and
        participants' opt-outs, and the archive's redactions and corrections. Read by SQLite alone
        (no row reaches Python), so a kept export is checked cheaply; equal versions, equal exports."""
        row = self.db.execute(
            "select s.*, "
            "(select json_array(count(*), max(rowid), max(edited_at), max(deleted_at), total(hidden), "
            "  total(length(text)), group_concat(reactions)) "
            "  from messages where session_id = s.id), "
            "(select json_array(count(*), group_concat(number || status || coalesce(history, '') || "
            "  coalesce(upvoters, '') || coalesce(likes, '') || coalesce(route, ''))) "
            "  from questions where session_id = s.id), "
            "(select json_array(count(*), group_concat(key || coalesce(message_uid, ''))) "
            "  from prompts where session_id = s.id), "
            "(select json_array(count(*), total(opted_out)) from participants where session_id = s.id), "
            "(select json_array(count(*), max(id)) from redactions), "
            "(select json_array(count(*), max(at)) from corrections) "
            "from sessions s where s.id = ? or s.slug = ?",
            [session_id, session_id],
        ).fetchone()
        if row is None:
            raise SessionNotFound(session_id)
        return tuple(hash(v) if isinstance(v, str) and len(v) > 200 else v for v in row)

    def message_row(self, uid: str) -> dict[str, Any] | None:
        """The stored row of the message ``uid``, if any."""
        rows = list(self.db.query("select * from messages where uid = ?", [uid]))
        return rows[0] if rows else None

    def message_uid(self, ref: str) -> str | None:
        """The uid of the message that ``ref`` names (its uid, or its platform id), if stored."""
        row = self.db.execute(
            "select uid from messages where uid = ? or id = ? limit 1", [ref, ref]
        ).fetchone()
        return str(row[0]) if row else None

    def message_platform(self, session_id: str, message_id: str) -> str | None:
        row = self.db.execute(
            "select platform from messages where session_id = ? and id = ? limit 1", [session_id, message_id]
        ).fetchone()
        return row[0] if row else None

    # -- what the engine derived, as recaps show it ------------------------------------------------
    def participant_rows(self, session_id: str, *, include_deleted: bool = False) -> list[dict[str, Any]]:
        """A session's participants; ``role`` is ``bot`` for an author the platform marks as a bot.
        Their counts leave out messages deleted on the platform unless asked."""
        rows = list(self.db.query("select * from participants where session_id = ?", [session_id]))
        bots = {
            key
            for (key,) in self.db.execute(
                f"select distinct {_KEY} from messages where session_id = ? and is_bot = 1", [session_id]
            ).fetchall()
        }
        for r in rows:
            if r["key"] in bots:
                r["role"] = "bot"
        if include_deleted:
            return rows
        by_key = {r["key"]: r for r in rows}
        deleted = self.db.query(
            f"select {_KEY} as key, kind, question from messages "
            "where session_id = ? and deleted_at is not null",
            [session_id],
        )
        for d in deleted:
            p = by_key.get(d["key"])
            if p is None:
                continue
            if d["kind"] == "repost":
                p["reposts"] = max(p["reposts"] - 1, 0)
                continue
            p["messages"] = max(p["messages"] - 1, 0)
            if d["kind"] == "answer":
                p["answers"] = max(p["answers"] - 1, 0)
            if d["question"] is not None and d["kind"] in ("question", "answer"):
                p["questions"] = max(p["questions"] - 1, 0)
        return rows

    def prompt_rows(self, session_id: str) -> list[dict[str, Any]]:
        """A session's prompts in the order they were posted."""
        return list(
            self.db.query("select * from prompts where session_id = ? order by posted_at, key", [session_id])
        )

    def question_rows(self, session_id: str, *, include_deleted: bool = False) -> list[dict[str, Any]]:
        """A session's questions by number, with ``deleted`` (the asking message was deleted on the
        platform); those are left out unless asked."""
        where = "" if include_deleted else " and m.deleted_at is null"
        return list(
            self.db.query(
                "select q.*, m.deleted_at is not null as deleted from questions q left join messages m "
                f"on m.uid = q.message_uid where q.session_id = ?{where} order by q.number",
                [session_id],
            )
        )

    def opted_out(self) -> set[tuple[str, str]]:
        """(session id, handle) of everyone who opted out of a session's recap."""
        rows = self.db.execute("select session_id, handle from participants where opted_out = 1").fetchall()
        return {(str(s), str(h)) for s, h in rows}

    # -- host corrections and privacy -------------------------------------------------------------
    def corrections(self, session_id: str) -> dict[str, list[str]]:
        """Hosts' attributions by message uid (prompt keys)."""
        rows = self.db.query(
            "select c.message_uid, c.answers from corrections c join messages m on m.uid = c.message_uid "
            "where m.session_id = ?",
            [session_id],
        )
        return {r["message_uid"]: json.loads(r["answers"]) for r in rows}

    def redactions(self) -> tuple[set[str], set[str]]:
        """(hidden message uids, hidden participant handle keys)."""
        msgs: set[str] = set()
        people: set[str] = set()
        for kind, target in self.db.execute("select target_kind, target from redactions").fetchall():
            if kind == "message":
                msgs.add(target)
            else:
                people.add(target.lstrip("@").casefold())
        return msgs, people

    # -- the live runner's ledger and state ------------------------------------------------------
    def ledger(self, session_id: str, *, post: str | None = None) -> list[LedgerRow]:
        """Ledger rows of a session (or of one post), in the order they were intended."""
        if post is None:
            rows = self.db.query("select * from ledger where session_id = ? order by rowid", [session_id])
        else:
            rows = self.db.query(
                "select * from ledger where session_id = ? and post = ? order by rowid", [session_id, post]
            )
        return cast(list[LedgerRow], list(rows))

    def runner_state(self, session_id: str) -> RunnerState | None:
        """The live runner's saved state: ``timeline`` (a Timeline snapshot), ``cursors``, ``recap_at``."""
        row = self.db.execute(
            "select timeline, cursors, recap_at from runner_state where session_id = ?", [session_id]
        ).fetchone()
        if row is None:
            return None
        return {"timeline": json.loads(row[0]), "cursors": json.loads(row[1]), "recap_at": row[2]}
