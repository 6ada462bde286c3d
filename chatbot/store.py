"""The archive: one SQLite file, owned schema with migrations, WAL, FTS5 over message text.

Messages are the record; everything derived (participants, prompts, questions) is written
from the engine's state and can always be rebuilt by replaying a session's messages.
Every write that matters is committed before the caller acts on it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.migrations import Migrations

from chatbot.core.engine import Outcome, Participant, SessionEngine
from chatbot.core.model import Author, Message, PromptSpec, SessionSpec
from chatbot.core.queue import Question

SCHEMA_VERSION = 2
migrations = Migrations("chatbot")


class StoreError(Exception):
    """The database cannot be used (not ours, newer schema, corrupt)."""


def iso(ts: datetime) -> str:
    """UTC, fixed width, so that text order is time order."""
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+00:00"


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    db.table("sessions").create(
        {
            "id": str,
            "slug": str,
            "hashtag": str,
            "title": str,
            "timezone": str,
            "started_at": str,
            "ended_at": str,
            "status": str,
            "style": str,
            "spec": str,
            "created_at": str,
        },
        pk="id",
        not_null={"slug", "hashtag", "title", "timezone", "started_at", "status", "spec"},
    )
    db.table("sessions").create_index(["slug"], unique=True)
    db.table("messages").create(
        {
            "uid": str,
            "id": str,
            "platform": str,
            "session_id": str,
            "ts": str,
            "author_id": str,
            "handle": str,
            "name": str,
            "text": str,
            "reply_to": str,
            "quote_of": str,
            "is_repost": int,
            "is_action": int,
            "likes": int,
            "url": str,
            "channel": str,
            "kind": str,
            "answers": str,
            "prompt_key": str,
            "question": int,
            "flags": str,
            "hidden": int,
            "source": str,
        },
        pk="uid",
        not_null={"id", "platform", "ts", "author_id", "handle", "text"},
        foreign_keys=[("session_id", "sessions", "id")],
        defaults={"is_repost": 0, "is_action": 0, "likes": 0, "hidden": 0, "answers": "[]", "flags": "[]"},
    )
    db.table("messages").create_index(["session_id", "ts"])
    db.table("messages").create_index(["ts"])
    db.table("messages").create_index(["platform", "author_id"])
    db.table("messages").enable_fts(["text", "handle", "name"], create_triggers=True, tokenize="unicode61")
    db.table("participants").create(
        {
            "session_id": str,
            "key": str,
            "handle": str,
            "name": str,
            "platform": str,
            "role": str,
            "first_seen": str,
            "messages": int,
            "reposts": int,
            "answers": int,
            "questions": int,
            "opted_out": int,
        },
        pk=("session_id", "key"),
        not_null={"handle", "platform", "role", "first_seen"},
        foreign_keys=[("session_id", "sessions", "id")],
    )
    db.table("prompts").create(
        {
            "session_id": str,
            "key": str,
            "label": str,
            "text": str,
            "message_uid": str,
            "posted_at": str,
            "author": str,
        },
        pk=("session_id", "key"),
        not_null={"label", "text", "posted_at"},
        foreign_keys=[("session_id", "sessions", "id"), ("message_uid", "messages", "uid")],
    )
    db.table("questions").create(
        {
            "session_id": str,
            "number": int,
            "message_uid": str,
            "author": str,
            "text": str,
            "asked_at": str,
            "queued_at": str,
            "status": str,
            "askers": str,
            "upvoters": str,
            "likes": int,
            "merged_into": int,
            "route": str,
            "answered_at": str,
            "answered_by": str,
            "history": str,
        },
        pk=("session_id", "number"),
        not_null={"author", "text", "asked_at", "status"},
        foreign_keys=[("session_id", "sessions", "id")],
    )
    db.table("questions").create_index(["session_id", "status"])
    db.table("corrections").create(
        {"message_uid": str, "answers": str, "by": str, "at": str},
        pk="message_uid",
        foreign_keys=[("message_uid", "messages", "uid")],
    )
    db.table("redactions").create(
        {"id": int, "target_kind": str, "target": str, "by": str, "at": str, "reason": str},
        pk="id",
        not_null={"target_kind", "target", "at"},
    )
    db.table("redactions").create_index(["target_kind", "target"], unique=True)
    db.table("imports").create(
        {"sha256": str, "path": str, "format": str, "messages": int, "imported_at": str},
        pk="sha256",
    )
    db.table("ledger").create(
        {
            "session_id": str,
            "key": str,
            "platform": str,
            "text": str,
            "intended_at": str,
            "posted_at": str,
            "platform_id": str,
            "status": str,
        },
        pk=("session_id", "key", "platform"),
        not_null={"status", "intended_at"},
    )


@migrations()
def m002_live_runner(db: sqlite_utils.Database) -> None:
    """The live runner: ledger rows grouped by post (thread parts, reply targets, the platform
    cursor at intent time for the history check) and each session's runner state."""
    ledger = db.table("ledger")
    ledger.add_column("post", str)
    ledger.add_column("part", int, not_null_default=1)
    ledger.add_column("reply_to", str)
    ledger.add_column("after", str)
    ledger.add_column("ref", str)
    ledger.add_column("kind", str)
    db.execute("update ledger set post = key where post is null")
    db.table("messages").create_index(["id"])  # replies, prompts and questions look messages up by id
    ledger.create_index(["session_id", "post"])
    ledger.create_index(["session_id", "status"])
    db.table("runner_state").create(
        {"session_id": str, "timeline": str, "cursors": str, "recap_at": str, "updated_at": str},
        pk="session_id",
        not_null={"timeline", "cursors", "updated_at"},
        foreign_keys=[("session_id", "sessions", "id")],
    )


class Store:
    """All reads and writes of the archive. Keep calls short: SQLite is synchronous."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        try:
            conn = sqlite3.connect(self.path, check_same_thread=False)
            self.db = sqlite_utils.Database(conn)
            self.db.execute("PRAGMA foreign_keys = ON")
            if self.path != ":memory:":
                self.db.enable_wal()
            self._check_not_foreign()
            migrations.apply(self.db)
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path}: not a usable chatbot database ({e})") from e

    def _check_not_foreign(self) -> None:
        names = set(self.db.table_names())
        if names and "sessions" not in names and "_sqlite_migrations" not in names:
            raise StoreError(
                f"{self.path}: this SQLite file belongs to something else (tables: "
                f"{', '.join(sorted(names)[:5])}); pass another --db"
            )
        known = {m.name for m in migrations._migrations}
        applied = {m.name for m in migrations.applied(self.db)}
        if applied - known:
            raise StoreError(
                f"{self.path}: written by a newer chatbot (schema {sorted(applied - known)}); upgrade"
            )

    def close(self) -> None:
        self.db.conn.close()

    @property
    def schema_version(self) -> int:
        return len(migrations.applied(self.db))

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
        existing = self.db.table("sessions").get(spec.id) if self.has_session(spec.id) else None
        if existing:
            row["created_at"] = existing["created_at"]
        self.db.table("sessions").upsert(row, pk="id")

    def has_session(self, session_id: str) -> bool:
        return bool(self.db.execute("select 1 from sessions where id = ?", [session_id]).fetchone())

    def session_row(self, session_id: str) -> dict[str, Any]:
        rows = list(self.db.table("sessions").rows_where("id = ? or slug = ?", [session_id, session_id]))
        if not rows:
            raise KeyError(session_id)
        return rows[0]

    def session_spec(self, session_id: str) -> SessionSpec:
        return spec_from_json(json.loads(self.session_row(session_id)["spec"]))

    def sessions(self) -> list[dict[str, Any]]:
        return list(self.db.table("sessions").rows_where(order_by="started_at desc"))

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

    # -- messages ---------------------------------------------------------------------------
    def add_messages(
        self, messages: Iterable[Message], *, source: str = "", session_id: str | None = None
    ) -> int:
        """Store messages not stored yet; returns how many were new."""
        rows = [message_row(m, source=source, session_id=session_id) for m in messages]
        before = self.db.table("messages").count
        with self.db.atomic():
            self.db.table("messages").insert_all(rows, pk="uid", ignore=True, batch_size=500)
        return self.db.table("messages").count - before

    def assign_session(self, uids: Iterable[str], session_id: str) -> None:
        with self.db.atomic():
            for uid in uids:
                self.db.execute("update messages set session_id = ? where uid = ?", [session_id, uid])

    def session_messages(self, session_id: str) -> list[Message]:
        rows = self.db.query("select * from messages where session_id = ? order by ts, uid", [session_id])
        return [message_from_row(r) for r in rows]

    def message_rows(self, session_id: str) -> list[dict[str, Any]]:
        return list(
            self.db.query("select * from messages where session_id = ? order by ts, uid", [session_id])
        )

    # -- derived state ------------------------------------------------------------------------
    def record(self, session_id: str, outcome: Outcome, engine: SessionEngine) -> None:
        """Write one live message with what the engine made of it, in one transaction."""
        m = outcome.message
        row = message_row(m, session_id=session_id)
        row.update(outcome_columns(outcome))
        with self.db.atomic():
            self.db.table("messages").upsert(row, pk="uid")
            self._write_participant(session_id, engine, outcome.participant)
            if outcome.prompt:
                self._write_prompt(session_id, engine, outcome.prompt)
            if outcome.question or outcome.kind.value == "command":
                self._write_questions(session_id, engine)

    def write_state(self, session_id: str, outcomes: list[Outcome], engine: SessionEngine) -> None:
        """Replace a session's derived state with a full replay's result."""
        with self.db.atomic():
            for o in outcomes:
                cols = outcome_columns(o)
                sets = ", ".join(f"[{k}] = ?" for k in cols)
                self.db.execute(
                    f"update messages set {sets} where uid = ?", [*cols.values(), uid_of(o.message)]
                )
            for table in ("participants", "prompts", "questions"):
                self.db.execute(f"delete from [{table}] where session_id = ?", [session_id])
            for key in engine.participants:
                self._write_participant(session_id, engine, key)
            for key in engine.prompts:
                self._write_prompt(session_id, engine, key)
            self._write_questions(session_id, engine)

    def _write_participant(self, session_id: str, engine: SessionEngine, key: str) -> None:
        p = engine.participants[key]
        row = asdict(p)
        row.update(session_id=session_id, first_seen=iso(p.first_seen), opted_out=int(p.opted_out))
        self.db.table("participants").upsert(row, pk=("session_id", "key"))

    def _write_prompt(self, session_id: str, engine: SessionEngine, key: str) -> None:
        ps = engine.prompts[key]
        self.db.table("prompts").upsert(
            {
                "session_id": session_id,
                "key": key,
                "label": ps.label,
                "text": ps.text,
                "message_uid": ps.message_uid,
                "posted_at": iso(ps.posted_at),
                "author": ps.author,
            },
            pk=("session_id", "key"),
        )

    def _write_questions(self, session_id: str, engine: SessionEngine) -> None:
        rows = [self._question_row(session_id, q) for q in engine.queue]
        if rows:
            self.db.table("questions").upsert_all(rows, pk=("session_id", "number"))

    # -- host corrections and privacy -------------------------------------------------------------
    def correct(self, message_uid: str, answers: list[str], *, by: str) -> None:
        if not self.db.execute("select 1 from messages where uid = ?", [message_uid]).fetchone():
            raise KeyError(message_uid)
        self.db.table("corrections").upsert(
            {
                "message_uid": message_uid,
                "answers": json.dumps(answers),
                "by": by,
                "at": iso(datetime.now(UTC)),
            },
            pk="message_uid",
        )

    def corrections(self, session_id: str) -> dict[str, list[str]]:
        rows = self.db.query(
            "select c.message_uid, c.answers from corrections c join messages m on m.uid = c.message_uid "
            "where m.session_id = ?",
            [session_id],
        )
        return {r["message_uid"]: json.loads(r["answers"]) for r in rows}

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

    def redactions(self) -> tuple[set[str], set[str]]:
        """(hidden message uids, hidden participant handle keys)."""
        msgs: set[str] = set()
        people: set[str] = set()
        for r in self.db.table("redactions").rows:
            (msgs if r["target_kind"] == "message" else people).add(
                r["target"] if r["target_kind"] == "message" else r["target"].lstrip("@").casefold()
            )
        return msgs, people

    # -- imports -------------------------------------------------------------------------------------
    def record_import(self, sha256: str, path: str, fmt: str, messages: int) -> None:
        self.db.table("imports").upsert(
            {
                "sha256": sha256,
                "path": path,
                "format": fmt,
                "messages": messages,
                "imported_at": iso(datetime.now(UTC)),
            },
            pk="sha256",
        )

    # -- live hosting: the exactly-once ledger and the runner's state ------------------------------
    def write_live(
        self,
        session_id: str,
        outcomes: Sequence[Outcome] = (),
        engine: SessionEngine | None = None,
        *,
        questions: Iterable[int] | None = None,
        intents: Sequence[dict[str, Any]] = (),
        confirm: dict[str, Any] | None = None,
        state: dict[str, Any] | None = None,
    ) -> None:
        """One transaction for what the live runner must not lose: messages with what the engine
        made of them (and the participants, prompts and ``questions`` they changed; by default the
        questions asked, or all of them after a command), new ledger intents (kept when already
        there), one ledger confirmation (``key, platform, platform_id, posted_at``) and the runner
        state. Plain prepared statements: this runs on the event loop for every batch."""
        if questions is None:
            asked = {o.question for o in outcomes if o.question}
            command = any(o.kind.value == "command" for o in outcomes)
            questions = [q.number for q in engine.queue] if command and engine else asked
        numbers = sorted(set(questions))
        with self.db.atomic():
            if outcomes:
                assert engine is not None, "outcomes need the engine that produced them"
                rows = []
                for o in outcomes:
                    row = message_row(o.message, session_id=session_id)
                    row.update(outcome_columns(o))
                    rows.append(row)
                self._upsert_rows(
                    "messages", rows, ("uid",), only=("session_id", *outcome_columns(outcomes[0]))
                )
                people = [engine.participants[k] for k in dict.fromkeys(o.participant for o in outcomes)]
                self._upsert_rows(
                    "participants", [_participant_row(session_id, p) for p in people], ("session_id", "key")
                )
                for o in outcomes:
                    if o.prompt:
                        self._write_prompt(session_id, engine, o.prompt)
            if numbers:
                assert engine is not None, "questions need the engine that holds them"
                self._upsert_rows(
                    "questions",
                    [self._question_row(session_id, engine.queue.get(n)) for n in numbers],
                    ("session_id", "number"),
                )
            if intents:
                cols = ["session_id", "status", *intents[0]]
                self.db.conn.executemany(
                    f"insert or ignore into ledger ({', '.join(f'[{c}]' for c in cols)}) "
                    f"values ({', '.join('?' * len(cols))})",
                    [[session_id, "intended", *(r[c] for c in cols[2:])] for r in intents],
                )
            if confirm is not None:
                self.db.execute(
                    "update ledger set status = 'posted', platform_id = ?, posted_at = ? "
                    "where session_id = ? and key = ? and platform = ?",
                    [
                        confirm["platform_id"],
                        confirm["posted_at"],
                        session_id,
                        confirm["key"],
                        confirm["platform"],
                    ],
                )
            if state is not None:
                self.db.execute(
                    "insert into runner_state (session_id, timeline, cursors, recap_at, updated_at) "
                    "values (?, ?, ?, ?, ?) on conflict(session_id) do update set "
                    "timeline = excluded.timeline, cursors = excluded.cursors, "
                    "recap_at = excluded.recap_at, updated_at = excluded.updated_at",
                    [
                        session_id,
                        json.dumps(state["timeline"]),
                        json.dumps(state.get("cursors", {})),
                        state.get("recap_at"),
                        iso(datetime.now(UTC)),
                    ],
                )

    def _upsert_rows(
        self,
        table: str,
        rows: list[dict[str, Any]],
        pk: tuple[str, ...],
        *,
        only: Sequence[str] | None = None,
    ) -> None:
        """Insert rows (all with the same keys), or update ``only`` (default: every non-key column)."""
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

    def _question_row(self, session_id: str, q: Question) -> dict[str, Any]:
        """A question as ``_write_questions`` stores it (one indexed lookup for its message)."""
        uid = self.db.execute(
            "select uid from messages where id = ? and session_id = ? limit 1", [q.message_id, session_id]
        ).fetchone()
        return {
            "session_id": session_id,
            "number": q.number,
            "message_uid": uid[0] if uid else None,
            "author": q.author,
            "text": q.text,
            "asked_at": iso(q.asked_at),
            "queued_at": iso(q.place),
            "status": q.status.value,
            "askers": json.dumps(q.askers),
            "upvoters": json.dumps(sorted(q.upvoters)),
            "likes": q.likes,
            "merged_into": q.merged_into,
            "route": q.route,
            "answered_at": iso(q.answered_at) if q.answered_at else None,
            "answered_by": q.answered_by,
            "history": json.dumps(
                [{"status": h.status.value, "by": h.by, "at": iso(h.at), "note": h.note} for h in q.history]
            ),
        }

    def ledger(self, session_id: str, *, post: str | None = None) -> list[dict[str, Any]]:
        """Ledger rows of a session (or of one post), in the order they were intended."""
        if post is None:
            return list(
                self.db.query("select * from ledger where session_id = ? order by rowid", [session_id])
            )
        return list(
            self.db.query(
                "select * from ledger where session_id = ? and post = ? order by rowid", [session_id, post]
            )
        )

    def ledger_status(self, session_id: str, key: str, platform: str, status: str) -> None:
        """Settle a ledger row without a platform id (``dropped``: never sent, no longer wanted)."""
        with self.db.atomic():
            self.db.execute(
                "update ledger set status = ? where session_id = ? and key = ? and platform = ?",
                [status, session_id, key, platform],
            )

    def runner_state(self, session_id: str) -> dict[str, Any] | None:
        """The live runner's saved state: ``timeline`` (a Timeline snapshot), ``cursors``, ``recap_at``."""
        row = self.db.execute(
            "select timeline, cursors, recap_at from runner_state where session_id = ?", [session_id]
        ).fetchone()
        if row is None:
            return None
        return {"timeline": json.loads(row[0]), "cursors": json.loads(row[1]), "recap_at": row[2]}

    def live_messages(self, session_id: str) -> list[Message]:
        """A session's messages in the order they were first stored (the live engine's order)."""
        rows = self.db.query("select * from messages where session_id = ? order by rowid", [session_id])
        return [message_from_row(r) for r in rows]

    def message_platform(self, session_id: str, message_id: str) -> str | None:
        row = self.db.execute(
            "select platform from messages where session_id = ? and id = ? limit 1", [session_id, message_id]
        ).fetchone()
        return row[0] if row else None

    # -- search -----------------------------------------------------------------------------------------
    def search(self, query: str, *, limit: int = 50) -> Iterator[dict[str, Any]]:
        """Full-text search over every session's messages (FTS5 query syntax escaped)."""
        terms = [t.replace('"', '""') for t in query.split() if t.strip()]
        if not terms:
            return iter(())
        match = " ".join(f'"{t}"' for t in terms)
        sql = (
            "select m.uid, m.id, m.session_id, m.ts, m.handle, m.name, m.text, m.hidden, "
            "snippet(messages_fts, 0, '\x02', '\x03', '…', 12) as snippet "
            "from messages_fts join messages m on m.rowid = messages_fts.rowid "
            "where messages_fts match ? and m.session_id is not null order by rank limit ?"
        )
        return iter(self.db.query(sql, [match, limit]))


def uid_of(m: Message) -> str:
    return f"{m.platform}:{m.id}"


def message_row(m: Message, *, source: str = "", session_id: str | None = None) -> dict[str, Any]:
    return {
        "uid": uid_of(m),
        "id": m.id,
        "platform": m.platform,
        "session_id": session_id,
        "ts": iso(m.ts),
        "author_id": m.author.id,
        "handle": m.author.handle,
        "name": m.author.name,
        "text": m.text,
        "reply_to": m.reply_to,
        "quote_of": m.quote_of,
        "is_repost": int(m.is_repost),
        "is_action": int(m.is_action),
        "likes": m.likes,
        "url": m.url,
        "channel": m.channel,
        "kind": None,
        "answers": "[]",
        "prompt_key": None,
        "question": None,
        "flags": "[]",
        "hidden": 0,
        "source": source,
    }


def _participant_row(session_id: str, p: Participant) -> dict[str, Any]:
    """A participant as ``_write_participant`` stores it."""
    row = {f.name: getattr(p, f.name) for f in fields(p)}
    row.update(session_id=session_id, first_seen=iso(p.first_seen), opted_out=int(p.opted_out))
    return row


def outcome_columns(o: Outcome) -> dict[str, Any]:
    return {
        "kind": o.kind.value,
        "answers": json.dumps(list(o.answers)),
        "prompt_key": o.prompt,
        "question": o.question,
        "flags": json.dumps(list(o.flags)),
    }


def message_from_row(r: dict[str, Any]) -> Message:
    return Message(
        id=r["id"],
        platform=r["platform"],
        ts=parse_iso(r["ts"]),
        author=Author(r["author_id"], r["handle"], r["name"] or ""),
        text=r["text"],
        reply_to=r["reply_to"],
        quote_of=r["quote_of"],
        is_repost=bool(r["is_repost"]),
        likes=r["likes"] or 0,
        url=r["url"],
        channel=r["channel"] or "",
        is_action=bool(r["is_action"]),
    )


def spec_to_json(spec: SessionSpec) -> dict[str, Any]:
    d = asdict(spec)
    d["start"] = spec.start.isoformat()
    d["prompts"] = [
        {
            "label": p.label,
            "text": p.text,
            "at": p.at.isoformat() if p.at else None,
            "offset_minutes": p.offset_minutes,
        }
        for p in spec.prompts
    ]
    return d


def spec_from_json(d: dict[str, Any]) -> SessionSpec:
    d = dict(d)
    d["start"] = datetime.fromisoformat(d["start"])
    d["prompts"] = tuple(
        PromptSpec(
            p["label"], p["text"], datetime.fromisoformat(p["at"]) if p["at"] else None, p["offset_minutes"]
        )
        for p in d["prompts"]
    )
    for k in ("hosts", "platforms", "optouts"):
        d[k] = tuple(d[k])
    return SessionSpec(**d)
