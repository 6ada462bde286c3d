"""The archive's schema: every table by migration (sqlite-utils ``Migrations``), never guessed.

``open_database`` opens a file, refuses one that belongs to something else or to a newer chatbot,
and applies the migrations it lacks; an old archive keeps every row it had.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import sqlite_utils
from sqlite_utils.migrations import Migrations

from chatbot.store.errors import StoreError

SCHEMA_VERSION = 9
migrations = Migrations("chatbot")


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


@migrations()
def m003_whole_messages(db: sqlite_utils.Database) -> None:
    """Everything a ``Message`` carries, so that reading it back loses nothing: whether its author
    is a bot, its mentions and links, attachments and reactions (JSON lists), and when it was
    edited or deleted on the platform (a deleted message keeps its row, marked)."""
    messages = db.table("messages")
    messages.add_column("is_bot", int, not_null_default=0)
    for name in ("mentions", "links", "attachments", "reactions"):
        messages.add_column(name, str, not_null_default="[]")
    messages.add_column("edited_at", str)
    messages.add_column("deleted_at", str)
    messages.add_column("deleted_by_author", int, not_null_default=0)


@migrations()
def m004_command_log(db: sqlite_utils.Database) -> None:
    """Commands given outside chat text (the dashboard, slash commands), replayed with the messages
    on restart: ``after_messages`` is where among them (``chatbot.store.commandlog``)."""
    db.table("command_log").create(
        {
            "session_id": str,
            "seq": int,
            "ts": str,
            "name": str,
            "args": str,
            "actor_id": str,
            "actor_handle": str,
            "actor_name": str,
            "platform": str,
            "via": str,
            "outcome": str,
            "text": str,
            "after_messages": int,
        },
        pk=("session_id", "seq"),
        not_null={
            "ts",
            "name",
            "args",
            "actor_id",
            "actor_handle",
            "platform",
            "via",
            "outcome",
            "after_messages",
        },
        defaults={"actor_name": "", "text": ""},
        foreign_keys=[("session_id", "sessions", "id")],
    )


@migrations()
def m005_held_posts(db: sqlite_utils.Database) -> None:
    """Ledger rows the history could not settle are ``held`` for a host: why, and who decided
    whether it went out, and when (a row a host said went out is ``posted`` without an id)."""
    ledger = db.table("ledger")
    for name in ("held_reason", "resolved_by", "resolved_at"):
        ledger.add_column(name, str)


@migrations()
def m006_platform_usage(db: sqlite_utils.Database) -> None:
    """What a session's hosting cost on each platform, per endpoint: requests made, units they
    returned or made (``unit`` names them: post read, post created) and the estimated cost, kept
    as it is spent so that a restarted runner counts against the same read budget
    (``chatbot.store.usage``)."""
    db.table("platform_usage").create(
        {
            "session_id": str,
            "platform": str,
            "endpoint": str,
            "unit": str,
            "requests": int,
            "units": int,
            "cost": float,
            "updated_at": str,
        },
        pk=("session_id", "platform", "endpoint"),
        not_null={"unit", "requests", "units", "cost", "updated_at"},
        defaults={"unit": "", "requests": 0, "units": 0, "cost": 0.0},
    )


#: The full-text index's triggers (sqlite-utils names): each keeps ``messages_fts`` in step with the
#: text, handle and name of ``messages``; ``BulkImport`` fills the index for a whole import at once.
FTS_INSERT_TRIGGER = """
CREATE TRIGGER [messages_ai] AFTER INSERT ON [messages] BEGIN
  INSERT INTO [messages_fts] (rowid, [text], [handle], [name])
  VALUES (new.rowid, new.[text], new.[handle], new.[name]);
END"""
FTS_UPDATE_TRIGGER = """
CREATE TRIGGER [messages_au] AFTER UPDATE OF [text], [handle], [name] ON [messages] BEGIN
  INSERT INTO [messages_fts] ([messages_fts], rowid, [text], [handle], [name])
  VALUES ('delete', old.rowid, old.[text], old.[handle], old.[name]);
  INSERT INTO [messages_fts] (rowid, [text], [handle], [name])
  VALUES (new.rowid, new.[text], new.[handle], new.[name]);
END"""


@migrations()
def m007_fts_follows_text(db: sqlite_utils.Database) -> None:
    """The full-text index follows a message's text, handle and name only: writing what the engine
    made of a message (its session, kind, answers) no longer deletes and re-adds its index entry,
    which made an import's derived writes cost more than its messages."""
    db.execute("DROP TRIGGER IF EXISTS [messages_au]")
    db.execute(FTS_UPDATE_TRIGGER)


@migrations()
def m008_fts_vocabulary(db: sqlite_utils.Database) -> None:
    """The full-text index's own word list (an ``fts5vocab`` view of it, no storage of its own):
    search turns ``budg*`` into the few words that start so, which FTS5 then reads newest first
    and stops, where a prefix query would gather every match of every such word first."""
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS [messages_vocab] USING fts5vocab([messages_fts], 'row')")


@migrations()
def m009_embeds(db: sqlite_utils.Database) -> None:
    """The pages and cards a message embedded (``embeds``: a JSON list of url, title and
    description), apart from its files. Archives that kept an embed as an attachment (content type
    ``embed``: its title as the file name, its address as the url) have it moved across; the
    description was not kept then, so it stays empty."""
    db.table("messages").add_column("embeds", str, not_null_default="[]")
    rows = db.execute(
        'select uid, attachments from messages where attachments like \'%"content_type": "embed"%\''
    ).fetchall()
    for uid, text in rows:
        files = json.loads(text)
        embeds = [
            {
                "url": a.get("url") or "",
                "title": "" if a["filename"] == a.get("url") else a["filename"],
                "description": "",
            }
            for a in files
            if a.get("content_type") == "embed"
        ]
        kept = [a for a in files if a.get("content_type") != "embed"]
        db.execute(
            "update messages set attachments = ?, embeds = ? where uid = ?",
            [json.dumps(kept), json.dumps(embeds, ensure_ascii=False), uid],
        )


def open_database(path: str | Path) -> sqlite_utils.Database:
    """The archive at ``path`` (``:memory:`` too), WAL and foreign keys on, migrated to this
    version. StoreError when the file is not a chatbot archive this version can use."""
    name = str(path)
    try:
        conn = sqlite3.connect(name, check_same_thread=False)
    except sqlite3.Error as e:
        raise StoreError(f"{name}: cannot open ({e})") from e
    try:
        db = sqlite_utils.Database(conn)
        # sqlite-utils learns whether SQLite has INSERT ... ON CONFLICT by writing a probe table
        # at the first upsert, and keeps the answer: an archive locked at that moment made it
        # answer "no" for good, and its older upsert (INSERT OR IGNORE, then UPDATE) silently
        # stores nothing in a table with NOT NULL columns (a session's row was lost so). SQLite
        # has had it since 3.24 (2018); say so from the version instead of a write.
        db._supports_on_conflict = sqlite3.sqlite_version_info >= (3, 24, 0)
        db.execute("PRAGMA foreign_keys = ON")
        if name != ":memory:":
            db.enable_wal()
        _check_not_foreign(db, name)
        migrations.apply(db)
    except sqlite3.DatabaseError as e:
        conn.close()
        raise StoreError(f"{name}: not a usable chatbot database ({e})") from e
    except StoreError:
        conn.close()
        raise
    return db


def _check_not_foreign(db: sqlite_utils.Database, name: str) -> None:
    tables = set(db.table_names())
    if tables and "sessions" not in tables and "_sqlite_migrations" not in tables:
        raise StoreError(
            f"{name}: this SQLite file belongs to something else (tables: "
            f"{', '.join(sorted(tables)[:5])}); pass another --db"
        )
    known = {m.name for m in migrations._migrations}
    applied = {m.name for m in migrations.applied(db)}
    if applied - known:
        raise StoreError(f"{name}: written by a newer chatbot (schema {sorted(applied - known)}); upgrade")


def schema_version(db: sqlite_utils.Database) -> int:
    """How many migrations the archive has had."""
    return len(migrations.applied(db))
